import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadPackFile} from '../../src/domain-pack/load.js'
import {RULES} from '../../src/domain-pack/rules/index.js'
import {FIXTURES} from '../helpers/run.js'

const invalidDir = join(FIXTURES, 'packs', 'invalid')
const validDir = join(FIXTURES, 'packs', 'valid')

/** Each invalid fixture states what it breaks in its first line: `# expect: CODE LINE:COL [region=R]`. */
const cases = readdirSync(invalidDir)
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => {
    const header = readFileSync(join(invalidDir, file), 'utf8').split('\n')[0] ?? ''
    const match = /^# expect: (\S+) (\d+):(\d+)(?: region=(\S+))?$/.exec(header)
    if (!match) throw new Error(`${file} lacks an "# expect: CODE LINE:COL" header`)
    return {file, code: match[1] as string, line: Number(match[2]), column: Number(match[3]), region: match[4]}
  })

describe('invalid pack fixtures', () => {
  it.each(cases)('$file yields $code at $line:$column', async ({file, code, line, column, region}) => {
    const loaded = await loadPackFile(join(invalidDir, file), {region})
    const finding = loaded.findings.find((f) => f.code === code)
    expect(finding, JSON.stringify(loaded.findings, null, 2)).toBeDefined()
    expect({line: finding?.line, column: finding?.column}).toEqual({line, column})
    expect(finding?.file).toBe(join(invalidDir, file))
    expect(finding?.message.length).toBeGreaterThan(10)
    expect(finding?.remedy.length).toBeGreaterThan(10)
    if (finding?.level === 'error') expect(loaded.pack).toBeUndefined()
  })

  it('has a fixture for every semantic rule', () => {
    const covered = new Set(cases.map((c) => c.code))
    const missing = RULES.map((rule) => rule.code).filter((code) => !covered.has(code))
    expect(missing).toEqual([])
  })
})

describe('valid pack fixtures', () => {
  it.each(readdirSync(validDir).filter((f) => f.endsWith('.yaml')))('%s has no errors', async (file) => {
    const loaded = await loadPackFile(join(validDir, file))
    expect(loaded.findings.filter((f) => f.level === 'error')).toEqual([])
    expect(loaded.pack).toBeDefined()
  })
})
