import {execFile} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Config} from '@oclif/core'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/run.js'

describe('CLI contract', async () => {
  const config = await Config.load({root: PROJECT_ROOT})
  const commands = config.commands.filter((c) => c.pluginName === 'aws-research-wizard').sort((a, b) => a.id.localeCompare(b.id))

  it('has the commands the product promises', () => {
    expect(commands.map((c) => c.id)).toEqual([
      'bootstrap',
      'domain:init',
      'domain:list',
      'domain:schema',
      'domain:show',
      'domain:validate',
      'jupyter:budget',
      'jupyter:cost-report',
      'jupyter:data:list',
      'jupyter:deploy',
      'jupyter:destroy',
      'jupyter:diff',
      'jupyter:import-environment',
      'jupyter:import-notebooks',
      'jupyter:list',
      'jupyter:logs',
      'jupyter:plan',
      'jupyter:quick-start',
      'jupyter:scale',
      'jupyter:start',
      'jupyter:status',
      'jupyter:stop',
      'jupyter:synth',
      'jupyter:users:add',
      'jupyter:users:list',
      'jupyter:users:remove',
      'version',
    ])
  })

  it.each(commands.map((c) => [c.id, c] as const))('%s: one-line summary, two examples, --json, --profile, --region', (_id, command) => {
    expect(command.summary?.length).toBeGreaterThan(10)
    expect(command.summary).not.toContain('\n')
    expect((command.examples ?? []).length).toBeGreaterThanOrEqual(2)
    expect(Object.keys(command.flags)).toEqual(expect.arrayContaining(['json', 'profile', 'region']))
  })

  it('keeps flags and arguments stable (snapshot of the CLI surface)', () => {
    const surface = Object.fromEntries(
      commands.map((c) => [
        c.id,
        {
          args: Object.keys(c.args),
          flags: Object.fromEntries(
            Object.entries(c.flags).map(([name, flag]) => [
              name,
              {type: flag.type, required: Boolean(flag.required), ...('options' in flag && flag.options ? {options: flag.options} : {})},
            ]),
          ),
        },
      ]),
    )
    expect(surface).toMatchSnapshot()
  })
})

describe('without AWS credentials', () => {
  it('an AWS command exits 4 with how to configure credentials, no stack trace', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nocreds-'))
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(home, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
      CI: 'true',
    }
    const result = await new Promise<{code: number; stdout: string; stderr: string}>((resolve) =>
      execFile('node', [join(PROJECT_ROOT, 'bin', 'run.js'), 'jupyter', 'list'], {env, timeout: 60_000}, (error, stdout, stderr) =>
        resolve({code: error ? ((error as {code?: number}).code ?? 1) : 0, stdout, stderr}),
      ),
    )
    expect(result.code).toBe(4)
    expect(result.stderr).toContain('Error [no-credentials]: No AWS credentials were found.')
    expect(result.stderr).toContain('--profile')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  }, 60_000)
})
