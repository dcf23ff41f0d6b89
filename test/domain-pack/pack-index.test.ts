import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {listPacks, sha256, summarizePack} from '../../src/lib/domain/list-packs.js'
import {PACK_DIR} from '../helpers/run.js'

describe('the build-time index of shipped packs', () => {
  const file = join(PACK_DIR, 'astronomy.yaml')
  const hash = sha256(readFileSync(file, 'utf8'))

  it('is used when the pack content matches', async () => {
    const summary = {
      name: 'astronomy',
      title: 'From the index',
      gpu: false,
      kernels: ['python 3.11'],
      dataMounts: 2,
      valid: true,
      errors: 0,
    }
    const packs = await listPacks({index: {astronomy: {sha256: hash, summary}}})
    expect(packs.find((p) => p.name === 'astronomy')?.title).toBe('From the index')
  })

  it('is ignored once the pack changed, and the pack is parsed instead', async () => {
    const stale = {name: 'astronomy', title: 'Stale', gpu: false, kernels: [], dataMounts: 0, valid: true, errors: 0}
    const packs = await listPacks({index: {astronomy: {sha256: 'not-the-hash', summary: stale}}})
    expect(packs.find((p) => p.name === 'astronomy')?.title).toBe('Astronomy and Astrophysics')
  })

  it('holds exactly what parsing gives (the shipped index is built from the same function)', async () => {
    const parsed = await summarizePack({name: 'astronomy', file, origin: 'built-in'})
    const [fromIndex] = (await listPacks({index: {astronomy: {sha256: hash, summary: {...parsed}}}})).filter((p) => p.name === 'astronomy')
    expect(fromIndex).toEqual(parsed)
  })
})
