import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {PACK_DIR, PROJECT_ROOT} from '../helpers/run.js'

/** Which modules a run of the built CLI loaded. */
function modulesLoadedBy(...argv: string[]): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'imports-')), 'modules.txt')
  execFileSync(
    'node',
    ['--import', join(PROJECT_ROOT, 'test', 'helpers', 'record-imports.mjs'), join(PROJECT_ROOT, 'bin', 'run.js'), ...argv],
    {
      env: {...process.env, RECORD_IMPORTS_FILE: file},
      stdio: ['ignore', 'ignore', 'ignore'],
    },
  )
  return readFileSync(file, 'utf8').split('\n').filter(Boolean)
}

const HEAVY = [
  /\/node_modules\/aws-cdk-lib\//,
  /\/node_modules\/@aws-sdk\//,
  /\/node_modules\/@aws-cdk\//,
  /\/node_modules\/cdk-nag\//,
  /\/node_modules\/listr2\//,
]

describe('start-up stays light', () => {
  it.each([
    [['--help']],
    [['domain', 'list']],
    [['domain', 'validate', join(PACK_DIR, 'genomics.yaml'), join(PACK_DIR, 'machine-learning.yaml')]],
    [['jupyter', 'deploy', '--help']],
  ])('%j loads neither aws-cdk-lib, the AWS SDK nor the deploy toolkit', (argv) => {
    const modules = modulesLoadedBy(...argv)
    expect(modules.length).toBeGreaterThan(3)
    expect(modules.filter((m) => HEAVY.some((pattern) => pattern.test(m)))).toEqual([])
  })

  it('the recorder sees heavy modules when a command really uses them (control)', () => {
    const out = mkdtempSync(join(tmpdir(), 'synth-'))
    const modules = modulesLoadedBy('jupyter', 'synth', '-d', 'astronomy', '-n', 'ctl', '--owner', 'ada', '-o', out, '--json')
    expect(modules.some((m) => /\/node_modules\/aws-cdk-lib\//.test(m))).toBe(true)
  }, 60_000)
})
