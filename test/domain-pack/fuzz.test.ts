import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadPackFromText} from '../../src/domain-pack/load.js'
import {PACK_DIR} from '../helpers/run.js'

/** Deterministic PRNG (mulberry32) so a failing case can be replayed by its index. */
function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const seeds = readdirSync(PACK_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(join(PACK_DIR, f), 'utf8'))

const replacementValues = [
  '~',
  'null',
  '[]',
  '{}',
  '-1',
  '1e309',
  '99999999999999999999999',
  '"\u0000"',
  '"ünïcødé 🧬"',
  'true',
  '"' + 'x'.repeat(5000) + '"',
  '&a [*a]',
  '!!binary aGVsbG8=',
  '0x1F',
  '.nan',
  '"s3://"',
  '"/"',
]

type Mutation = (text: string, random: () => number) => string

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)] as T

const mutations: Record<string, Mutation> = {
  truncate: (text, r) => text.slice(0, Math.floor(r() * text.length)),
  deleteLine: (text, r) => {
    const lines = text.split('\n')
    lines.splice(Math.floor(r() * lines.length), 1)
    return lines.join('\n')
  },
  duplicateLine: (text, r) => {
    const lines = text.split('\n')
    const i = Math.floor(r() * lines.length)
    lines.splice(i, 0, lines[i] ?? '')
    return lines.join('\n')
  },
  replaceValue: (text, r) => {
    const lines = text.split('\n')
    const candidates = lines
      .map((line, i) => [line, i] as const)
      .filter(([line]) => /:\s*\S/.test(line) && !line.trimStart().startsWith('#'))
    if (candidates.length === 0) return text
    const [line, index] = pick(candidates, r)
    lines[index] = line.replace(/:\s*.*$/, `: ${pick(replacementValues, r)}`)
    return lines.join('\n')
  },
  breakIndent: (text, r) => {
    const lines = text.split('\n')
    const i = Math.floor(r() * lines.length)
    lines[i] = (r() < 0.5 ? '   ' : '') + (lines[i] ?? '').trimStart()
    return lines.join('\n')
  },
  flipByte: (text, r) => {
    const i = Math.floor(r() * text.length)
    return text.slice(0, i) + String.fromCharCode(Math.floor(r() * 128)) + text.slice(i + 1)
  },
  unicodeKeys: (text) => text.replace(/^name:/m, 'nаme:'),
  tabs: (text) => text.replace(/^ {2}/gm, '\t'),
  aliasBomb: () => {
    let yaml = 'name: bomb\na0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for (let i = 1; i < 9; i++)
      yaml += `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(',')}]\n`
    return yaml
  },
  hugeNumbers: (text) => text.replace(/: (\d+)$/gm, ': 1e400'),
  typeSwap: (text) => text.replace(/^(\s+)- /m, '$1').replace(/\[([^\]]+)\]/, '{$1}'),
  emptyDocument: () => '',
  multiDocument: (text) => `${text}\n---\n${text}`,
}

const cases: {index: number; mutation: string; text: string}[] = []
const random = prng(20261123)
const names = Object.keys(mutations)
for (let index = 0; index < 360; index++) {
  const mutation = names[index % names.length] as string
  let text = pick(seeds, random)
  // Stack up to three mutations for the nastier combinations.
  const rounds = 1 + Math.floor(random() * 3)
  for (let round = 0; round < rounds; round++) text = (mutations[round === 0 ? mutation : pick(names, random)] as Mutation)(text, random)
  cases.push({index, mutation, text})
}

describe('fuzzed packs', () => {
  it(`${cases.length} corrupted packs never throw and every error is located`, () => {
    let failures = 0
    for (const {index, mutation, text} of cases) {
      let loaded: ReturnType<typeof loadPackFromText>
      try {
        loaded = loadPackFromText(text, `fuzz-${index}.yaml`)
      } catch (error) {
        throw new Error(`case ${index} (${mutation}) threw: ${(error as Error).stack}`)
      }
      for (const finding of loaded.findings) {
        expect(finding.file, `case ${index}`).toBe(`fuzz-${index}.yaml`)
        expect(finding.line, `case ${index} ${finding.code}`).toBeGreaterThanOrEqual(1)
        expect(finding.column, `case ${index} ${finding.code}`).toBeGreaterThanOrEqual(1)
        expect(finding.message, `case ${index}`).not.toMatch(/undefined|\[object Object\]/)
        expect(finding.remedy.length).toBeGreaterThan(0)
      }
      // A pack is either usable or explains why not.
      if (!loaded.pack) {
        expect(
          loaded.findings.some((f) => f.level === 'error'),
          `case ${index} (${mutation}) has no pack and no error`,
        ).toBe(true)
        failures++
      }
    }
    // The mutations are destructive enough that most packs must be rejected.
    expect(failures).toBeGreaterThan(cases.length / 2)
  })
})
