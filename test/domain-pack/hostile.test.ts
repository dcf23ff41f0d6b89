import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadPackFile} from '../../src/domain-pack/load.js'
import {FIXTURES} from '../helpers/run.js'

/**
 * The hostile corpus: one pack per attack found by the adversarial run, each named for
 * it. Every one must be rejected with a coded, located finding (file:line:column) and a
 * fix. The header line says which: `# expect: CODE LINE:COL`.
 */
const hostileDir = join(FIXTURES, 'packs', 'hostile')
const asDataDir = join(hostileDir, 'as-data')

const cases = readdirSync(hostileDir)
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => {
    const header = readFileSync(join(hostileDir, file), 'latin1').split('\n')[0] ?? ''
    const match = /^# expect: (\S+) (\d+):(\d+)$/.exec(header)
    if (!match) throw new Error(`${file} lacks an "# expect: CODE LINE:COL" header`)
    return {file, code: match[1] as string, line: Number(match[2]), column: Number(match[3])}
  })

describe('hostile packs', () => {
  it.each(cases)('$file is rejected with $code at $line:$column', async ({file, code, line, column}) => {
    const loaded = await loadPackFile(join(hostileDir, file))
    expect(loaded.pack, `${file} was accepted`).toBeUndefined()
    const finding = loaded.findings.find((f) => f.code === code)
    expect(finding, JSON.stringify(loaded.findings, null, 2)).toBeDefined()
    expect(finding?.level).toBe('error')
    expect(finding?.file).toBe(join(hostileDir, file))
    expect({line: finding?.line, column: finding?.column}).toEqual({line, column})
    expect(finding?.message.length).toBeGreaterThan(10)
    expect(finding?.remedy.length).toBeGreaterThan(10)
    // Findings are printed to terminals: nothing hostile may survive into them raw.
    for (const f of loaded.findings) {
      // eslint-disable-next-line no-control-regex -- asserting their absence
      expect(`${f.message}${f.remedy}`).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u)
      expect(`${f.message}${f.remedy}`).not.toMatch(/\p{Cs}/u)
    }
  })

  it('a pack over 1 MiB of UTF-8 is refused even when it has fewer than 1 Mi characters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arw-hostile-'))
    const file = join(dir, 'cjk-over-one-mib.yaml')
    // 400 000 CJK characters: 1.2 MB of UTF-8, but only 0.4 M UTF-16 code units.
    writeFileSync(file, `name: cjk\ndescription: ${'基'.repeat(400_000)}\nkernels: [{name: py, display_name: P, language: python}]\n`)
    const loaded = await loadPackFile(file)
    expect(loaded.pack).toBeUndefined()
    expect(loaded.findings).toEqual([expect.objectContaining({code: 'pack-too-large', file, line: 1, column: 1})])
    expect(loaded.findings[0]?.message).toMatch(/1200\d{3} bytes/)
  })
})

describe('pack files that are not files', () => {
  it.skipIf(process.platform === 'win32')('a FIFO is refused at once instead of blocking the read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arw-fifo-'))
    const fifo = join(dir, 'pack.yaml')
    execFileSync('mkfifo', [fifo])
    const start = Date.now()
    const loaded = await loadPackFile(fifo)
    expect(Date.now() - start).toBeLessThan(2_000)
    expect(loaded.findings).toEqual([expect.objectContaining({code: 'pack-unreadable', line: 1, column: 1})])
    expect(loaded.findings[0]?.message).toContain('named pipe')
  })

  it('a directory is refused with a finding', async () => {
    const loaded = await loadPackFile(mkdtempSync(join(tmpdir(), 'arw-dir-')))
    expect(loaded.findings[0]).toMatchObject({code: 'pack-unreadable', message: expect.stringContaining('a directory')})
  })
})

describe('hostile-looking values that are legitimate data', () => {
  // These must validate: the instance side receives them as data (JSON read by Python),
  // never spliced into shell, Julia or R source. The list is handed to the instance side.
  it.each(readdirSync(asDataDir).filter((f) => f.endsWith('.yaml')))('%s validates and keeps its text verbatim', async (file) => {
    const loaded = await loadPackFile(join(asDataDir, file))
    expect(loaded.findings.filter((f) => f.level === 'error')).toEqual([])
    expect(loaded.pack).toBeDefined()
  })

  it('keeps quotes, $() and backticks of a Julia display name as written', async () => {
    const loaded = await loadPackFile(join(asDataDir, 'julia-display-name-interpolation.yaml'))
    expect(loaded.pack?.kernels[0]?.display_name).toBe('Julia "$(run(`id`))" \\ 1.10 $HOME')
  })
})
