import {execFile} from 'node:child_process'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'
import type {DeployResult} from '../../src/commands/jupyter/deploy.js'
import type {SynthResult} from '../../src/commands/jupyter/synth.js'
import {PROJECT_ROOT, runHuman, runJson} from '../helpers/run.js'

const run = promisify(execFile)
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

describe('jupyter deploy --dry-run', () => {
  it('synthesizes and returns the plan with the cost estimate, without AWS credentials', async () => {
    const out = tmp('plan-')
    const saved = {...process.env}
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE']) delete process.env[key]
    try {
      const {envelope, exitCode} = await runJson<DeployResult>([
        'jupyter',
        'deploy',
        '--domain',
        'genomics',
        '--name',
        'lab1',
        '--users',
        '10',
        '--instance-type',
        'r6i.4xlarge',
        '--shared-storage',
        '1TB',
        '--auto-shutdown',
        '60',
        '--budget',
        '500',
        '--region',
        'us-east-1',
        '--admin-email',
        'pi@uni.edu',
        '--owner',
        'pi',
        '--dry-run',
        '--output',
        out,
      ])
      expect(exitCode, JSON.stringify(envelope)).toBe(0)
      const plan = envelope.result!.plan
      expect(envelope.result?.dryRun).toBe(true)
      expect(plan).toMatchObject({
        stackName: 'arw-lab1',
        region: 'us-east-1',
        users: 10,
        instance: {type: 'r6i.4xlarge', vcpus: 16, memoryGiB: 128, gpus: 0, usdPerHour: 1.01, chosenBy: '--instance-type'},
        storage: {homeVolumeGiB: 500, sharedFileSystem: true},
        autoShutdown: {idleMinutes: 60},
        budget: {monthlyUsd: 500, alertEmails: ['pi@uni.edu']},
      })
      expect(plan.resources.byType['AWS::EC2::Instance']).toBe(1)
      expect(plan.retainedOnDestroy).toContainEqual(
        expect.objectContaining({kind: 'home volume', type: 'AWS::EC2::Volume', onDestroy: 'snapshot'}),
      )
      expect(plan.cost.monthlyTypicalUsd).toBeGreaterThan(0)
      expect(plan.cost.monthlyAlwaysOnUsd).toBeGreaterThan(plan.cost.monthlyTypicalUsd)
      const template = JSON.parse(readFileSync(plan.template.file, 'utf8'))
      expect(Object.keys(template.Resources)).toHaveLength(plan.resources.total)
    } finally {
      process.env = saved
    }
  })

  it('prints a readable plan for people', async () => {
    const {stdout, exitCode} = await runHuman([
      'jupyter',
      'deploy',
      '-d',
      'machine-learning',
      '-n',
      'gpu1',
      '--dry-run',
      '--output',
      tmp('plan-'),
      '--owner',
      'ada',
      '--admin-email',
      'ada@example.org',
    ])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/Instance\s+g5\.xlarge \(4 vCPU, 16 GiB, 1x NVIDIA A10G\) at \$1\.01\/hour, pack default/)
    expect(stdout).toContain('Deep Learning AMI')
    expect(stdout).toMatch(/Typical use: \$\d+/)
    expect(stdout).toContain('Dry run: nothing was deployed.')
  })

  it('keeps the plan short: what you get, what it costs, what is kept, in words', async () => {
    const args = ['jupyter', 'deploy', '-d', 'genomics', '-n', 'short1', '--dry-run', '--output', tmp('plan-')]
    const {stdout, stderr, exitCode} = await runHuman([...args, '--admin-email', 'pi@example.org', '--users', '10'])
    expect(exitCode).toBe(0)
    expect(stdout).not.toMatch(/AWS::|[A-Z][A-Za-z]+[0-9A-F]{8}\b/) // no resource types, no construct ids
    expect(stdout).toMatch(/Kept\s+when destroyed: .*home volume \(as a snapshot\)/)
    expect(stdout).toMatch(/\(\d+ resources, \d+ KiB; --verbose lists them\)/)
    // Money always with cents, so $88.70 and $307.20 line up.
    const amounts = stdout.match(/\$[\d,]+(\.\d+)?(?=\/month|\/hour|$)/gm) ?? []
    expect(amounts.length).toBeGreaterThan(8)
    expect(amounts.filter((amount) => !/^\$[\d,]+\.\d\d$/.test(amount))).toEqual([])
    // Each warning once: on stderr, not again under "Checks".
    expect(stdout).not.toContain('Checks')
    const verbose = await runHuman([...args, '--admin-email', 'pi@example.org', '--verbose'])
    expect(verbose.stdout).toMatch(/AWS::EC2::Instance\s+1/)
    expect(verbose.stdout).toMatch(/home volume: AWS::EC2::Volume HomeVolume[0-9A-F]{8} \(snapshot\)/)
    expect(stderr.match(/^Warning: /gm) ?? []).toHaveLength(new Set(stderr.match(/^Warning: .*$/gm) ?? []).size)
  })

  it('says what private access is (no CloudFront), prices unsized shared storage per GiB and flags a low budget', async () => {
    const {stdout, exitCode} = await runHuman([
      'jupyter',
      'deploy',
      '-d',
      'genomics',
      '-n',
      'priv1',
      '--access',
      'private',
      '--budget',
      '300',
      '--admin-email',
      'pi@example.org',
      '--dry-run',
      '--output',
      tmp('plan-'),
    ])
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/Access\s+no public endpoint: http:\/\/localhost:8000 through SSM port forwarding/)
    expect(stdout).not.toMatch(/Access.*CloudFront/)
    expect(stdout).not.toMatch(/EFS, 0 GiB/)
    expect(stdout).toMatch(/Shared file system\s+EFS, size not given .*\$0\.30\/GiB/)
    expect(stdout).toMatch(/below the always-on cost \(\$[\d,.]+\/month\)/)
  })

  it('rejects a GPU pack on a CPU type with exit 2 and the remedy', async () => {
    const {envelope, exitCode} = await runJson([
      'jupyter',
      'deploy',
      '-d',
      'machine-learning',
      '-n',
      'gpu1',
      '--instance-type',
      'm6i.xlarge',
      '--dry-run',
      '--output',
      tmp('plan-'),
    ])
    expect(exitCode).toBe(2)
    expect(envelope.error?.code).toBe('invalid-environment')
    expect(envelope.error?.message).toContain('gpu-required')
    expect(envelope.error?.actions.join(' ')).toMatch(/g4dn|g5/)
  })

  it('exits 3 with file:line:column for an invalid pack file', async () => {
    const dir = tmp('pack-')
    writeFileSync(join(dir, 'bad.yaml'), 'name: bad-pack\nkernels: [{name: py, display_name: P, language: cobol}]\n')
    const {envelope, exitCode} = await runJson(['jupyter', 'deploy', '-d', join(dir, 'bad.yaml'), '-n', 'x1', '--dry-run'])
    expect(exitCode).toBe(3)
    expect(envelope.error?.message).toMatch(/bad\.yaml:2:49 error invalid-value/)
  })

  it('refuses a pack whose bootstrap would exceed the EC2 user-data limit', async () => {
    const dir = tmp('pack-')
    // Hash-like names barely compress: 6 kernels x 500 packages overflow even gzipped.
    const {createHash} = await import('node:crypto')
    const kernels = Array.from({length: 6}, (_, k) => {
      const packages = Array.from({length: 500}, (_, i) => `p${createHash('sha1').update(`${k}-${i}`).digest('hex').slice(0, 14)}`)
      return `  - name: py${k}\n    display_name: P${k}\n    language: python\n    packages: [${packages.join(', ')}]\n`
    })
    writeFileSync(join(dir, 'huge.yaml'), `name: huge-pack\nkernels:\n${kernels.join('')}`)
    const {envelope, exitCode} = await runJson(['jupyter', 'deploy', '-d', join(dir, 'huge.yaml'), '-n', 'x1', '--dry-run'])
    expect(exitCode).toBe(2)
    expect(envelope.error?.message).toContain('user-data-too-large')
  })
})

describe('jupyter synth and cdk.json', () => {
  it('produce the same template as `cdk synth` through cdk.json', async () => {
    const cliOut = tmp('cli-')
    const cdkOut = tmp('cdk-')
    const {envelope} = await runJson<SynthResult>([
      'jupyter',
      'synth',
      '-d',
      'climate-science',
      '-n',
      'clim',
      '--owner',
      'ada',
      '--users',
      '12',
      '--output',
      cliOut,
    ])
    expect(envelope.result?.stackName).toBe('arw-clim')
    await run(
      join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'),
      [
        'synth',
        '--quiet',
        '--no-notices',
        '-c',
        'domain=climate-science',
        '-c',
        'name=clim',
        '-c',
        'owner=ada',
        '-c',
        'users=12',
        '-o',
        cdkOut,
      ],
      {
        cwd: PROJECT_ROOT,
        env: {...process.env, CDK_VALIDATION: 'false', CDK_DISABLE_CLI_TELEMETRY: 'true'},
        timeout: 120_000,
      },
    )
    expect(readFileSync(join(cdkOut, 'arw-clim.template.json'), 'utf8')).toBe(readFileSync(envelope.result!.templateFile, 'utf8'))
  }, 120_000)

  it('the cdk app explains missing context', async () => {
    const result = await run('node', ['bin/cdk-app.js'], {cwd: PROJECT_ROOT, env: {...process.env, CDK_CONTEXT_JSON: '{}'}}).catch((e) => e)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('cdk synth -c domain=genomics -c name=lab1')
  })
})
