import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {environmentWorkDirectory, runWorkDirectory} from '../../src/lib/workdir/output-dir.js'

describe('runWorkDirectory', () => {
  it('gives each run of one environment its own assembly directory, inside the environment directory', () => {
    const env = {XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'arw-cache-'))}
    const one = runWorkDirectory('eu-west-1', 'twin', env)
    const two = runWorkDirectory('eu-west-1', 'twin', env)
    expect(one).not.toBe(two)
    expect(dirname(one)).toBe(environmentWorkDirectory('eu-west-1', 'twin', env))
    expect(existsSync(one) && existsSync(two)).toBe(true)
  })

  it('is removed when the process exits', () => {
    const cache = mkdtempSync(join(tmpdir(), 'arw-cache-'))
    const module = join(import.meta.dirname, '../../src/lib/workdir/output-dir.ts')
    const script = `const {runWorkDirectory} = await import(${JSON.stringify(module)}); console.log(runWorkDirectory('us-east-1', 'lab', {XDG_CACHE_HOME: ${JSON.stringify(cache)}}))`
    const printed = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {encoding: 'utf8'}).trim()
    expect(printed.startsWith(join(cache, 'aws-research-wizard', 'us-east-1', 'lab', 'run-'))).toBe(true)
    expect(existsSync(printed)).toBe(false)
    expect(existsSync(dirname(printed))).toBe(true)
  })
})

describe('deploy --dry-run with the built CLI', () => {
  it('leaves the template it names in the plan, in the environment directory', () => {
    const cache = mkdtempSync(join(tmpdir(), 'arw-cache-'))
    const run = join(import.meta.dirname, '../../bin/run.js')
    const argv = [run, 'jupyter', 'deploy', '-d', 'astronomy', '-n', 'sky', '--region', 'eu-west-1', '--dry-run', '--json']
    const stdout = execFileSync(process.execPath, argv, {encoding: 'utf8', env: {...process.env, XDG_CACHE_HOME: cache}})
    const file = (JSON.parse(stdout) as {result: {plan: {template: {file: string}}}}).result.plan.template.file
    expect(dirname(file)).toBe(environmentWorkDirectory('eu-west-1', 'sky', {XDG_CACHE_HOME: cache}))
    expect(existsSync(file)).toBe(true)
  }, 60_000)
})
