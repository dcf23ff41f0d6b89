import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {lookupInstanceType} from '../../src/catalogue/instance-types.js'
import {loadPackFile} from '../../src/domain-pack/load.js'
import {publishedSchemaText} from '../../src/lib/domain/published-schema.js'
import {PACK_DIR, PROJECT_ROOT} from '../helpers/run.js'

const packs = readdirSync(PACK_DIR).filter((file) => file.endsWith('.yaml'))

describe('shipped domain packs', () => {
  it('ships at least the eight research fields plus a Julia-first pack', () => {
    expect(packs.length).toBeGreaterThanOrEqual(9)
  })

  it.each(packs)('%s validates with zero errors and zero warnings', async (file) => {
    const loaded = await loadPackFile(join(PACK_DIR, file))
    expect(loaded.findings.filter((f) => f.level !== 'info')).toEqual([])
    expect(loaded.pack?.name).toBe(file.replace(/\.yaml$/, ''))
  })

  it('covers GPU, R-first and Julia-first packs', async () => {
    const loaded = await Promise.all(packs.map((file) => loadPackFile(join(PACK_DIR, file))))
    const all = loaded.map((l) => l.pack!)
    expect(all.filter((p) => (lookupInstanceType(p.instance.default_type)?.gpus ?? 0) > 0).length).toBeGreaterThanOrEqual(2)
    expect(all.some((p) => p.kernels[0]?.language === 'r')).toBe(true)
    expect(all.some((p) => p.kernels[0]?.language === 'julia')).toBe(true)
  })

  it('every pack points editors at the published schema', () => {
    for (const file of packs)
      expect(readFileSync(join(PACK_DIR, file), 'utf8')).toMatch(
        /^# yaml-language-server: \$schema=\.\.\/schema\/domain-pack\.schema\.json/,
      )
  })
})

describe('published schema', () => {
  it('schema/domain-pack.schema.json matches the schema the validator uses (run `npm run schema` to refresh)', () => {
    const published = readFileSync(join(PROJECT_ROOT, 'schema', 'domain-pack.schema.json'), 'utf8')
    expect(published).toBe(publishedSchemaText())
  })

  it('marks how updates to key fields are applied', () => {
    const schema = JSON.parse(publishedSchemaText())
    expect(schema.properties.instance.properties.default_type['x-update']).toBe('restart')
    expect(schema.properties.storage.properties.home_volume_gb['x-update']).toBe('in-place')
    expect(schema.properties.instance.properties.architecture['x-update']).toBe('replace')
  })
})
