import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import type {DeployResult} from '../../src/commands/jupyter/deploy.js'
import {runHuman, runJson} from '../helpers/run.js'

const deploy = (...flags: string[]) => [
  'jupyter',
  'deploy',
  '-d',
  'social-science',
  '-n',
  'lab1',
  '--region',
  'us-east-1',
  '--admin-email',
  'ada@example.org',
  '--dry-run',
  '--output',
  mkdtempSync(join(tmpdir(), 'examples-out-')),
  ...flags,
]

describe('deploy --notebook-examples', () => {
  it('plans the pack notebooks by default and none with --no-notebook-examples (JSON and words)', async () => {
    const on = await runJson<DeployResult>(deploy())
    expect(on.exitCode, on.stderr).toBe(0)
    expect(on.envelope.result!.plan.exampleNotebooks).toEqual(['social-science-gdelt-events.ipynb'])
    const off = await runJson<DeployResult>(deploy('--no-notebook-examples'))
    expect(off.envelope.result!.plan.exampleNotebooks).toEqual([])

    const human = await runHuman(deploy())
    expect(human.stdout).toContain("Examples       1 notebook in /shared/examples (read-only), copied to each new user's ~/examples")
    expect((await runHuman(deploy('--no-notebook-examples'))).stdout).not.toContain('/shared/examples')
  }, 120_000)
})
