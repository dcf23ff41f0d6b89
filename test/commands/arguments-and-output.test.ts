import {mkdtempSync, readdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CloudFormationClient, DescribeStacksCommand} from '@aws-sdk/client-cloudformation'
import {DescribeInstancesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {mockClient} from 'aws-sdk-client-mock'
import {afterAll, afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {DeployResult} from '../../src/commands/jupyter/deploy.js'
import type {SynthResult} from '../../src/commands/jupyter/synth.js'
import {resolveRegion} from '../../src/aws/region.js'
import {estimateCost} from '../../src/lib/spec/estimate.js'
import {environmentWorkDirectory} from '../../src/lib/workdir/output-dir.js'
import {stackFor} from '../lifecycle/fixtures.js'
import {runHuman, runJson} from '../helpers/run.js'
import {specFor} from '../helpers/specs.js'

const cfn = mockClient(CloudFormationClient)
const ec2 = mockClient(EC2Client)
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

beforeEach(() => {
  cfn.reset()
  ec2.reset()
})
afterAll(() => {
  cfn.restore()
  ec2.restore()
})

describe('ENV arguments', () => {
  for (const [command, extra] of [
    ['status', []],
    ['scale', ['--users', '3']],
    ['diff', []],
    ['logs', []],
    ['stop', []],
    ['start', ['--yes']],
    ['destroy', ['--yes']],
  ] as const) {
    it(`${command} refuses a name that is not an environment name, before any AWS call`, async () => {
      for (const name of ['../x', '$(reboot)']) {
        const {envelope, exitCode} = await runJson(['jupyter', command, name, ...extra])
        expect(exitCode).toBe(2)
        expect(envelope.error?.code).toBe('invalid-flag-value')
        expect(envelope.error?.message).toContain('ENV')
        expect(envelope.error?.actions.join(' ')).toMatch(/lower-case letters/)
      }
      expect(cfn.calls()).toHaveLength(0)
    })
  }

  it('checks every name of a command that takes several (the second one too)', async () => {
    const {envelope, exitCode} = await runJson(['jupyter', 'stop', 'lab1', '../etc'])
    expect(exitCode).toBe(2)
    expect(envelope.error?.message).toContain('../etc')
    expect(cfn.calls()).toHaveLength(0)
  })
})

describe('--output', () => {
  it('refuses a regular file and a path under /proc at once (exit 2)', async () => {
    const file = join(tmp('out-file-'), 'plain')
    writeFileSync(file, 'x')
    for (const output of [file, join(file, 'below'), '/proc/x/y']) {
      const started = Date.now()
      const {envelope, exitCode} = await runJson(['jupyter', 'deploy', '-d', 'genomics', '-n', 'lab1', '--dry-run', '--output', output])
      expect(exitCode, output).toBe(2)
      expect(envelope.error?.message).toContain('--output')
      expect(Date.now() - started).toBeLessThan(5_000)
    }
    for (const argv of [
      ['jupyter', 'synth', '-d', 'genomics', '-n', 'lab1'],
      ['jupyter', 'scale', 'lab1', '--users', '3'],
      ['bootstrap'],
    ]) {
      const {exitCode} = await runJson([...argv, '--output', file])
      expect(exitCode, argv.join(' ')).toBe(2)
    }
  })

  it('creates a missing directory (several levels) and synthesizes into it', async () => {
    const output = join(tmp('out-new-'), 'a', 'b')
    const {envelope, exitCode} = await runJson<SynthResult>(['jupyter', 'synth', '-d', 'genomics', '-n', 'lab1', '--output', output])
    expect(exitCode).toBe(0)
    expect(readdirSync(output)).toContain('arw-lab1.template.json')
    expect(envelope.result?.outdir).toBe(output)
  })

  it('without --output each environment gets its own directory under XDG_CACHE_HOME', async () => {
    const saved = process.env.XDG_CACHE_HOME
    process.env.XDG_CACHE_HOME = tmp('cache-')
    try {
      const one = await runJson<SynthResult>(['jupyter', 'synth', '-d', 'genomics', '-n', 'course', '--region', 'eu-west-1'])
      const two = await runJson<SynthResult>(['jupyter', 'synth', '-d', 'climate-science', '-n', 'lab', '--region', 'eu-west-1'])
      expect(one.envelope.result?.outdir).toBe(join(process.env.XDG_CACHE_HOME, 'aws-research-wizard', 'eu-west-1', 'course'))
      expect(two.envelope.result?.outdir).toBe(environmentWorkDirectory('eu-west-1', 'lab'))
      expect(readdirSync(two.envelope.result!.outdir)).toContain('arw-lab.template.json')
      expect(readdirSync(two.envelope.result!.outdir)).not.toContain('arw-course.template.json')
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME
      else process.env.XDG_CACHE_HOME = saved
    }
  })
})

describe('AWS values in human output', () => {
  it('list and status escape control characters from stack tags and outputs', async () => {
    const stack = stackFor('lab1', {domain: 'gen\u001b[2Jomics', StackStatusReason: 'boom\u001b]0;pwned\u0007'})
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stack]})
    ec2.on(DescribeInstancesCommand).resolves({Reservations: []})
    const list = await runHuman(['jupyter', 'list'])
    expect(list.exitCode).toBe(0)
    expect(list.stdout).not.toContain('\u001b')
    expect(list.stdout).toContain('gen\\x1b[2Jomics')
    const status = await runHuman(['jupyter', 'status', 'lab1'])
    expect(status.stdout).not.toContain('\u001b')
    expect(status.stdout).not.toContain('\u0007')
    expect(status.stdout).toContain('\\x1b]0;pwned')
  })
})

describe('the region rule', () => {
  const saved = {...process.env}
  afterEach(() => {
    process.env = {...saved}
  })

  it('flag, then AWS_REGION, then the profile region, then us-east-1 with a note', async () => {
    const config = join(tmp('aws-config-'), 'config')
    writeFileSync(config, '[default]\nregion = eu-west-2\n[profile lab]\nregion = ap-southeast-2\n')
    process.env.AWS_CONFIG_FILE = config
    delete process.env.AWS_REGION
    delete process.env.AWS_DEFAULT_REGION
    delete process.env.AWS_PROFILE
    expect(await resolveRegion({flag: 'us-west-2'})).toMatchObject({region: 'us-west-2', source: 'flag'})
    expect(await resolveRegion({})).toMatchObject({region: 'eu-west-2', source: 'profile'})
    expect(await resolveRegion({profile: 'lab'})).toMatchObject({region: 'ap-southeast-2', source: 'profile'})
    process.env.AWS_PROFILE = 'lab'
    expect(await resolveRegion({})).toMatchObject({region: 'ap-southeast-2'})
    process.env.AWS_DEFAULT_REGION = 'ca-central-1'
    expect(await resolveRegion({})).toMatchObject({region: 'ca-central-1', source: 'environment'})
    delete process.env.AWS_DEFAULT_REGION
    writeFileSync(config, '[default]\n')
    delete process.env.AWS_PROFILE
    const fallback = await resolveRegion({})
    expect(fallback).toMatchObject({region: 'us-east-1', source: 'default'})
    expect(fallback.note).toMatch(/us-east-1/)
  })

  it('deploy plans in the profile region, as list looks there', async () => {
    const config = join(tmp('aws-config-'), 'config')
    writeFileSync(config, '[profile lab]\nregion = eu-west-2\n')
    process.env.AWS_CONFIG_FILE = config
    delete process.env.AWS_REGION
    delete process.env.AWS_DEFAULT_REGION
    const {envelope} = await runJson<DeployResult>([
      'jupyter',
      'deploy',
      '-d',
      'genomics',
      '-n',
      'lab1',
      '--dry-run',
      '--profile',
      'lab',
      '-o',
      tmp('plan-'),
    ])
    expect(envelope.result?.plan.region).toBe('eu-west-2')
    cfn.on(DescribeStacksCommand).resolves({Stacks: []})
    const list = await runJson<{regions: string[]}>(['jupyter', 'list', '--profile', 'lab'])
    expect(list.envelope.result?.regions).toEqual(['eu-west-2'])
  })
})

describe('cost estimate', () => {
  it('prices shared storage of unknown size per GiB, not at $0', async () => {
    // The genomics pack asks for a shared file system without saying how big.
    const spec = await specFor('genomics')
    expect(spec.storage.sharedFileSystem && spec.storage.sharedEstimateGiB).toBe(0)
    const line = estimateCost(spec).lines.find((l) => l.item === 'Shared file system')
    expect(line?.unitPrice).toMatch(/^\$0\.\d\d\/GiB$/)
    expect(
      estimateCost(await specFor('genomics', {sharedStorage: '100GB'})).lines.find((l) => l.item === 'Shared file system'),
    ).not.toHaveProperty('unitPrice')
  })

  it('private access has no CloudFront or Cognito in its cost', async () => {
    const estimate = estimateCost(await specFor('genomics', {access: 'private'}))
    expect(JSON.stringify(estimate)).not.toMatch(/CloudFront|Cognito/)
    expect(JSON.stringify(estimateCost(await specFor('genomics')))).toMatch(/CloudFront/)
  })
})
