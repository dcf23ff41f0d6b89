import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runBuiltJson} from '../helpers/built-cli.js'
import {FIXTURES} from '../helpers/run.js'
import {haveTool} from '../helpers/tools.js'

/**
 * The built CLI on real exports (test/fixtures/imports/README.md names each source):
 * the pack it writes passes `domain validate`, every package line of the exports is
 * either in the pack or reported at its file:line, never dropped silently.
 */
const F = join(FIXTURES, 'imports')
const work = mkdtempSync(join(tmpdir(), 'import-env-'))

interface Result {
  kernels: {name: string; language: string; version?: string; packages: number}[]
  notes: {code: string; level: string; file: string; line: number; text: string}[]
  yaml: string
  output?: string
}

describe('jupyter import-environment on real exports (built CLI)', () => {
  it('kernelspec JSON + pip freeze + a research renv.lock + a research environment.yml make a pack that validates', async () => {
    const output = join(work, 'wildfire.yaml')
    const run = await runBuiltJson(
      [
        'jupyter',
        'import-environment',
        '--kernels',
        join(F, 'kernelspec-list.json'),
        '--packages',
        join(F, 'pip-freeze.txt'),
        '--conda',
        join(F, 'wildfire-forecasting-environment.yml'),
        '--renv',
        join(F, 'gb-futures-renv.lock'),
        '--domain',
        'wildfire-lab',
        '--output',
        output,
      ],
      {cwd: work},
    )
    expect(run.code, run.stderr).toBe(0)
    const result = run.envelope.result as unknown as Result
    expect(result.kernels).toEqual([
      {name: 'python-wildfire-lab', language: 'python', version: '3.7', packages: expect.any(Number)},
      {name: 'ir', language: 'r', version: '4.4', packages: 117},
    ])
    // The GitHub-only R package, where it is in the lock file.
    expect(result.notes).toContainEqual(
      expect.objectContaining({
        code: 'unmapped-r-package',
        level: 'error',
        file: join(F, 'gb-futures-renv.lock'),
        line: 36,
        text: '"Package": "BRCmap",',
      }),
    )
    expect(result.notes).toContainEqual(expect.objectContaining({code: 'gpu-instance-chosen', line: 9, text: 'cudatoolkit=10.2.89'}))
    expect(result.notes).toContainEqual(expect.objectContaining({code: 'channel-replaced', line: 6, text: '- defaults'}))

    // Nothing silently dropped: each pip freeze line is a pack package or a note at its line.
    const pack = readFileSync(output, 'utf8')
    expect(pack).toBe(result.yaml)
    const freeze = readFileSync(join(F, 'pip-freeze.txt'), 'utf8').split('\n')
    for (const [index, line] of freeze.entries()) {
      if (!line.trim()) continue
      const name = line.split('==')[0]!.toLowerCase()
      const inPack = new RegExp(`^      - ${name.replaceAll('.', '\\.')}[=<>]`, 'm').test(pack)
      const noted = result.notes.some((n) => n.file.endsWith('pip-freeze.txt') && n.line === index + 1)
      expect(inPack || noted, `pip-freeze.txt:${index + 1} ${line}`).toBe(true)
    }
    const lock = JSON.parse(readFileSync(join(F, 'gb-futures-renv.lock'), 'utf8')) as {Packages: Record<string, unknown>}
    for (const name of Object.keys(lock.Packages))
      expect(pack.includes(`-${name.toLowerCase()}=`) || result.notes.some((n) => n.text.includes(`"${name}"`)), name).toBe(true)

    const validate = await runBuiltJson(['domain', 'validate', output], {cwd: work})
    expect(validate.code, validate.stdout).toBe(0)
    expect(pack).toMatch(/default_type: g5\.xlarge/)
  })

  it('reads the plain `jupyter kernelspec list` and prints the pack when there is no --output', async () => {
    const run = await runBuiltJson(
      [
        'jupyter',
        'import-environment',
        '--kernels',
        join(F, 'kernelspec-list.txt'),
        '--packages',
        join(F, 'pip-freeze.txt'),
        '--domain',
        'plain-lab',
      ],
      {cwd: work},
    )
    expect(run.code, run.stderr).toBe(0)
    const result = run.envelope.result as unknown as Result
    expect(result.kernels.map((k) => [k.name, k.language])).toEqual([
      ['ir', 'r'],
      ['python-plain-lab', 'python'],
    ])
    expect(result.output).toBeUndefined()
    expect(existsSync(join(work, 'plain-lab.yaml'))).toBe(false)
  })

  it('a full `conda env export` is refused with the remedy, and nothing is written', async () => {
    const output = join(work, 'virome.yaml')
    const run = await runBuiltJson(
      [
        'jupyter',
        'import-environment',
        '--kernels',
        join(F, 'kernelspec-list.json'),
        '--conda',
        join(F, 'viromeflowx-environment.yml'),
        '--domain',
        'virome',
        '--output',
        output,
      ],
      {cwd: work},
    )
    expect(run.code).toBe(3)
    expect(run.envelope.error?.code).toBe('imported-pack-invalid')
    expect(run.envelope.error?.actions[0]).toContain('conda env export --from-history')
    expect(existsSync(output)).toBe(false)
  })

  it('never overwrites --output without --force', async () => {
    const output = join(work, 'kept.yaml')
    writeFileSync(output, 'mine\n')
    const args = [
      'jupyter',
      'import-environment',
      '--kernels',
      join(F, 'kernelspec-list.json'),
      '--packages',
      join(F, 'pip-freeze.txt'),
      '--domain',
      'kept-lab',
      '--output',
      output,
    ]
    const refused = await runBuiltJson(args, {cwd: work})
    expect([refused.code, refused.envelope.error?.code]).toEqual([2, 'output-exists'])
    expect(readFileSync(output, 'utf8')).toBe('mine\n')
    const forced = await runBuiltJson([...args, '--force'], {cwd: work})
    expect(forced.code).toBe(0)
    expect(readFileSync(output, 'utf8')).toMatch(/^name: kept-lab$/m)
  })

  it('a missing export file is a usage error naming the flag', async () => {
    const run = await runBuiltJson(['jupyter', 'import-environment', '--kernels', join(work, 'nope.json'), '--domain', 'x-lab'], {
      cwd: work,
    })
    expect([run.code, run.envelope.error?.code]).toEqual([2, 'import-file-not-found'])
    expect(run.envelope.error?.message).toContain('--kernels')
  })

  it('imports what this machine exports right now (jupyter kernelspec list --json, python3 -m pip freeze)', async () => {
    if (!haveTool('jupyter', 'apt-get install jupyter-client python3-ipykernel')) return
    const kernels = join(work, 'live-kernels.json')
    const freeze = join(work, 'live-freeze.txt')
    writeFileSync(kernels, execFileSync('jupyter', ['kernelspec', 'list', '--json'], {stdio: ['ignore', 'pipe', 'ignore']}))
    writeFileSync(freeze, execFileSync('/usr/bin/python3', ['-m', 'pip', 'freeze'], {stdio: ['ignore', 'pipe', 'ignore']}))
    const output = join(work, 'live.yaml')
    const run = await runBuiltJson(
      ['jupyter', 'import-environment', '--kernels', kernels, '--packages', freeze, '--domain', 'live-lab', '--output', output],
      {cwd: work},
    )
    expect(run.code, run.stderr).toBe(0)
    expect((run.envelope.result as unknown as Result).kernels.some((k) => k.language === 'python')).toBe(true)
    expect((await runBuiltJson(['domain', 'validate', output], {cwd: work})).code).toBe(0)
  })
})
