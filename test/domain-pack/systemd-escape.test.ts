import {execFileSync} from 'node:child_process'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {MAX_UNIT_NAME_BYTES, mountUnitName, systemdEscapePath} from '../../src/domain-pack/systemd-escape.js'

function systemdEscapeBinary(): string | undefined {
  try {
    execFileSync('systemd-escape', ['--version'], {stdio: 'ignore'})
    return 'systemd-escape'
  } catch {
    return undefined
  }
}
const binary = systemdEscapeBinary()

const table: [path: string, unit: string][] = [
  ['/', '-'],
  ['/data', 'data'],
  ['/data/a-b', 'data-a\\x2db'],
  ['/data/a.b', 'data-a.b'],
  ['/data/a_b:c', 'data-a_b:c'],
  ['/data//x/', 'data-x'],
  ['/.hidden', '\\x2ehidden'],
  ['/data/.hidden', 'data-.hidden'],
  ['/data/a\\b', 'data-a\\x5cb'],
  ['/data/é x', 'data-\\xc3\\xa9\\x20x'],
  ['/data/基因', 'data-\\xe5\\x9f\\xba\\xe5\\x9b\\xa0'],
]

describe('systemdEscapePath', () => {
  it.each(table)('%s -> %s', (path, unit) => {
    expect(systemdEscapePath(path)).toBe(unit)
    expect(mountUnitName(path)).toBe(`${unit}.mount`)
  })

  it('keeps /data/a.b and /data/a-b apart (one mount was silently lost when they shared a unit)', () => {
    expect(mountUnitName('/data/a.b')).not.toBe(mountUnitName('/data/a-b'))
  })

  it('refuses paths that are not normalized, as systemd does', () => {
    expect(() => systemdEscapePath('/data/../etc')).toThrow(/not normalized/)
    expect(() => systemdEscapePath('/data/.')).toThrow(/not normalized/)
  })

  it.skipIf(!binary)('agrees with the real systemd-escape --path on the table and on random paths', () => {
    const real = (paths: string[]) =>
      // One line, names separated by spaces (an escaped name never holds a space: it is \x20).
      execFileSync(binary as string, ['--path', '--', ...paths], {encoding: 'utf8'})
        .trimEnd()
        .split(' ')
    expect(real(table.map(([path]) => path))).toEqual(table.map(([, unit]) => unit))
    const segment = fc.stringMatching(/^[A-Za-z0-9._:\\ é基-]{1,12}$/).filter((s) => s !== '.' && s !== '..')
    const paths = fc.sample(
      fc.array(segment, {minLength: 1, maxLength: 5}).map((segments) => `/${segments.join('/')}`),
      {
        numRuns: 200,
        seed: 4242,
      },
    )
    expect(paths.map(systemdEscapePath)).toEqual(real(paths))
  })

  it('bounds unit names at 255 bytes (UNIT_NAME_MAX 256 with the NUL)', () => {
    expect(MAX_UNIT_NAME_BYTES).toBe(255)
  })
})
