// What a new user gets: the published tarball installed with production dependencies
// only, run from an unrelated directory. Catches what the in-repo tests cannot see:
// a runtime import left in devDependencies, a file missing from "files", a bundled
// module whose exports differ from the source's.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/run.js'

const work = mkdtempSync(join(tmpdir(), 'arw-packaged-'))
const prefix = join(work, 'prefix')
const elsewhere = join(work, 'elsewhere')
let bin = ''
const timings: Record<string, number> = {}

function timed<T>(label: string, work: () => T): T {
  const started = Date.now()
  try {
    return work()
  } finally {
    timings[label] = Date.now() - started
  }
}

/** The installed CLI, with no AWS credentials or region from the developer's machine. */
function cli(args: string[]): {stdout: string; stderr: string; status: number | null} {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && key !== 'NODE_ENV'))
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: elsewhere,
    env: {...env, HOME: elsewhere, XDG_CACHE_HOME: '', AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1', CI: '1'},
    encoding: 'utf8',
    timeout: 60_000,
  })
  return {stdout: result.stdout, stderr: result.stderr, status: result.status}
}

beforeAll(() => {
  mkdirSync(elsewhere, {recursive: true})
  // `npm test` builds first; the tarball is what `npm publish` would upload.
  timed('npm pack', () =>
    execFileSync('npm', ['pack', '--silent', '--pack-destination', work], {cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe']}),
  )
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${work}`)
  timed('npm install --omit=dev', () =>
    execFileSync(
      'npm',
      ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--no-save', '--prefix', prefix, join(work, tarball)],
      {cwd: work, stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000},
    ),
  )
  bin = join(prefix, 'node_modules', 'aws-research-wizard', 'bin', 'run.js')
}, 300_000)

afterAll(() => {
  console.info(
    `packaged install: ${Object.entries(timings)
      .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}`,
  )
  rmSync(work, {recursive: true, force: true})
})

describe('the packaged CLI, installed with production dependencies only', () => {
  it('ships no compiled Python and no test files', () => {
    const listed = execFileSync(
      'tar',
      [
        'tzf',
        join(
          work,
          readdirSync(work).find((f) => f.endsWith('.tgz'))!,
        ),
      ],
      {encoding: 'utf8'},
    )
    expect(listed).not.toMatch(/__pycache__|\.pyc$/m)
    expect(listed).not.toMatch(/^package\/test\//m)
  })

  it('--help lists the topics', () => {
    const {stdout, status} = timed('--help', () => cli(['--help']))
    expect(status).toBe(0)
    expect(stdout).toMatch(/^\s+jupyter\s+Plan, deploy and manage/m)
    expect(stdout).toMatch(/^\s+domain\s+Author, inspect and validate/m)
  })

  it('domain list shows the shipped packs', () => {
    const {stdout, status} = timed('domain list', () => cli(['domain', 'list']))
    expect(status).toBe(0)
    expect(stdout).toMatch(/^genomics\s+/m)
  })

  it('domain show genomics prints the pack as YAML', () => {
    const {stdout, stderr, status} = timed('domain show', () => cli(['domain', 'show', 'genomics']))
    expect(stderr).toBe('')
    expect(status).toBe(0)
    expect(stdout).toMatch(/^name: genomics$/m)
  })

  it("the README's main command plans a genomics hub without AWS", () => {
    const args = ['jupyter', 'deploy', '--domain', 'genomics', '--name', 'lab1', '--users', '10', '--shared-storage', '1TB']
    const {stdout, stderr, status} = timed('deploy --dry-run', () => cli([...args, '--admin-email', 'pi@example.org', '--dry-run']))
    expect(stderr).not.toMatch(/Error \[/)
    expect(status).toBe(0)
    expect(stdout).toMatch(/Plan for environment "lab1" \(stack arw-lab1, us-east-1, domain genomics\)/)
    expect(stdout).toMatch(/r6i\.2xlarge/)
    expect(stdout).toMatch(/Dry run: nothing was deployed/)
    // Real synthesis happened: the template is on disk, in the environment's own cache
    // directory (HOME is elsewhere here), and nothing was left in the directory it ran from.
    expect(readdirSync(join(elsewhere, '.cache', 'aws-research-wizard', 'us-east-1', 'lab1'))).toContain('arw-lab1.template.json')
    expect(readdirSync(elsewhere)).not.toContain('cdk.out')
  })
})
