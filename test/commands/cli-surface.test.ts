// The first minutes of a new user: versions, typos, completion, help.
import {execFile} from 'node:child_process'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'
import {suggestCommands} from '../../src/hooks/command-not-found.js'
import {PROJECT_ROOT, runHuman} from '../helpers/run.js'

const BIN = join(PROJECT_ROOT, 'bin', 'run.js')

/** The built CLI in a child process, stdin not a terminal (as in CI). */
async function cli(...args: string[]): Promise<{stdout: string; stderr: string; code: number}> {
  const result = await promisify(execFile)(process.execPath, [BIN, ...args], {cwd: PROJECT_ROOT}).catch((error) => error)
  return {stdout: result.stdout ?? '', stderr: result.stderr ?? '', code: typeof result.code === 'number' ? result.code : 0}
}

describe('unknown commands', () => {
  it('exit 2 with the closest commands, without a terminal', async () => {
    const {stderr, code} = await cli('jupyter', 'deplyo')
    expect(code).toBe(2)
    expect(stderr).toContain('Did you mean: aws-research-wizard jupyter deploy')
  })

  it('answer in JSON under --json', async () => {
    const {stdout, code} = await cli('stauts', '--json')
    expect(code).toBe(2)
    expect(JSON.parse(stdout)).toMatchObject({
      status: 2,
      error: {code: 'command-not-found', actions: expect.arrayContaining(['Did you mean: aws-research-wizard jupyter status'])},
    })
  })

  it('suggests by the last word too', () => {
    expect(suggestCommands('jupyter:destory', ['jupyter:destroy', 'jupyter:deploy', 'domain:show'])[0]).toBe('jupyter destroy')
    expect(suggestCommands('shwo', ['jupyter:destroy', 'domain:show'])).toEqual(['domain show'])
    expect(suggestCommands('completely-different', ['domain:show'])).toEqual([])
  })
})

describe('version and completion', () => {
  it('--version, -v and version print the version', async () => {
    for (const args of [['--version'], ['-v'], ['version']]) {
      const {stdout, code} = await cli(...args)
      expect(code, args.join(' ')).toBe(0)
      expect(stdout).toMatch(/^aws-research-wizard\/\d+\.\d+\.\d+ /)
    }
  })

  it('offers shell completion', async () => {
    const {stdout, code} = await cli('autocomplete', 'bash')
    expect(code).toBe(0)
    expect(stdout).toContain('aws-research-wizard autocomplete')
  })
})

describe('help', () => {
  it('lists jupyter synth once (the "plan" alias is hidden) and offline commands without AWS flags', async () => {
    const topic = await runHuman(['jupyter', '--help'])
    expect(topic.stdout).toMatch(/jupyter synth/)
    expect(topic.stdout).not.toMatch(/jupyter plan/)
    for (const command of ['show', 'list', 'schema']) {
      const help = await runHuman(['domain', command, '--help'])
      expect(help.stdout, command).not.toContain('--profile')
      expect(help.stdout, command).not.toContain('--region')
    }
    // Hidden, not removed: scripts that pass them everywhere keep working.
    expect((await runHuman(['domain', 'list', '--region', 'eu-west-1'])).exitCode).toBe(0)
    // validate checks region-dependent rules, so it keeps --region in its help.
    expect((await runHuman(['domain', 'validate', '--help'])).stdout).toContain('--region')
  })
})
