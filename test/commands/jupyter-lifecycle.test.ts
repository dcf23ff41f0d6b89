import {CloudFormationClient, DeleteStackCommand, DescribeStacksCommand} from '@aws-sdk/client-cloudformation'
import {CloudWatchLogsClient, FilterLogEventsCommand} from '@aws-sdk/client-cloudwatch-logs'
import {
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2'
import {CognitoIdentityProviderClient, ListUserPoolsCommand} from '@aws-sdk/client-cognito-identity-provider'
import {DescribeFileSystemsCommand, EFSClient} from '@aws-sdk/client-efs'
import {ListBucketsCommand, S3Client} from '@aws-sdk/client-s3'
import {GetProductsCommand, PricingClient} from '@aws-sdk/client-pricing'
import {mockClient} from 'aws-sdk-client-mock'
import {afterAll, beforeEach, describe, expect, it} from 'vitest'
import {accessDenied, stackFor, stackMissing} from '../lifecycle/fixtures.js'
import {runHuman, runJson} from '../helpers/run.js'

const cfn = mockClient(CloudFormationClient)
const ec2 = mockClient(EC2Client)
const logs = mockClient(CloudWatchLogsClient)
// Kept data is also looked up by tag: here nothing carries the tags.
const efs = mockClient(EFSClient)
const s3 = mockClient(S3Client)
const cognito = mockClient(CognitoIdentityProviderClient)
// Offline: the Price List fails at once and prices come from the bundled snapshot.
const pricing = mockClient(PricingClient)

beforeEach(() => {
  cfn.reset()
  ec2.reset()
  logs.reset()
  efs.reset().on(DescribeFileSystemsCommand).resolves({FileSystems: []})
  s3.reset().on(ListBucketsCommand).resolves({Buckets: []})
  cognito.reset().on(ListUserPoolsCommand).resolves({UserPools: []})
  pricing.reset()
  pricing.on(GetProductsCommand).rejects(new Error('getaddrinfo ENOTFOUND api.pricing.us-east-1.amazonaws.com'))
})
afterAll(() => {
  for (const client of [cfn, ec2, logs, efs, s3, cognito, pricing]) client.restore()
})

/** The stopped hub's attached volumes: 30 GiB root and 100 GiB home. */
const stoppedVolumes = () =>
  ec2.on(DescribeVolumesCommand, {Filters: [{Name: 'attachment.instance-id', Values: ['i-0private000000000']}]}).resolves({
    Volumes: [
      {VolumeId: 'vol-0root', Size: 30, Attachments: [{InstanceId: 'i-0private000000000'}]},
      {VolumeId: 'vol-0home', Size: 100, Attachments: [{InstanceId: 'i-0private000000000'}]},
    ],
  })

const privateOutputs = {
  InstanceId: 'i-0private000000000',
  HomeVolumeId: 'vol-0home',
  NotebookBucket: 'arw-lab1-nb',
  LogGroup: '/arw/lab1/hub',
  InstanceType: 'm6i.xlarge',
  AccessMode: 'private',
  HubUrl: 'http://localhost:8000',
  Users: '5',
  AutoShutdownMinutes: '45',
}

describe('jupyter list', () => {
  it('returns every environment as JSON', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {outputs: privateOutputs})]})
    ec2
      .on(DescribeInstancesCommand)
      .resolves({Reservations: [{Instances: [{InstanceId: 'i-0private000000000', State: {Name: 'stopped'}, InstanceType: 'm6i.xlarge'}]}]})
    stoppedVolumes()
    const {envelope, exitCode} = await runJson<{environments: unknown[]; regions: string[]}>(['jupyter', 'list', '--region', 'us-east-1'])
    expect(exitCode).toBe(0)
    expect(envelope.result).toEqual({
      regions: ['us-east-1'],
      environments: [
        {
          name: 'lab1',
          region: 'us-east-1',
          domain: 'genomics',
          owner: 'ada',
          stackStatus: 'CREATE_COMPLETE',
          instanceState: 'stopped',
          instanceType: 'm6i.xlarge',
          users: 5,
          url: 'http://localhost:8000',
          // Stopped: its volumes only, 130 GiB x $0.08 = $10.40 a month, $0.014 an hour.
          hourlyUsd: 0.014,
          cost: {
            basis: 'storage',
            storageGiB: 130,
            storageMonthlyUsd: 10.4,
            hourlyUsd: 0.014,
            priceSource: expect.stringMatching(/^bundled price snapshot/),
          },
        },
      ],
    })
  })

  it('shows people that a stopped environment costs its storage only', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {outputs: privateOutputs})]})
    ec2
      .on(DescribeInstancesCommand)
      .resolves({Reservations: [{Instances: [{InstanceId: 'i-0private000000000', State: {Name: 'stopped'}, InstanceType: 'm6i.xlarge'}]}]})
    stoppedVolumes()
    const {stdout} = await runHuman(['jupyter', 'list', '--region', 'us-east-1'])
    expect(stdout).toMatch(/lab1 .*stopped .*\$0\.01 \(storage only\)/)
    const status = await runHuman(['jupyter', 'status', 'lab1', '--region', 'us-east-1'])
    expect(status.stdout).toContain('$0.01/hour (stopped: storage only, 130 GiB)')
  })

  it('--all-regions asks EC2 for the enabled regions and lists each of them', async () => {
    ec2.on(DescribeRegionsCommand).resolves({Regions: [{RegionName: 'us-east-1'}, {RegionName: 'eu-west-1'}]})
    cfn.on(DescribeStacksCommand).resolves({Stacks: []})
    ec2.on(DescribeInstancesCommand).resolves({Reservations: []})
    const {envelope, exitCode} = await runJson<{regions: string[]; environments: unknown[]}>(['jupyter', 'list', '--all-regions'])
    expect(exitCode).toBe(0)
    expect(envelope.result).toEqual({regions: ['eu-west-1', 'us-east-1'], environments: []})
    expect(ec2.commandCalls(DescribeRegionsCommand)).toHaveLength(1)
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(2)
  })

  it('exits 4 naming the permission when access is denied', async () => {
    cfn.on(DescribeStacksCommand).rejects(accessDenied('cloudformation:DescribeStacks'))
    const {envelope, exitCode} = await runJson(['jupyter', 'list', '--region', 'us-east-1'])
    expect(exitCode).toBe(4)
    expect(envelope.error).toMatchObject({code: 'access-denied'})
    expect(envelope.error?.actions[0]).toContain('cloudformation:DescribeStacks')
  })
})

describe('jupyter status / stop', () => {
  it('reports a stopped private environment with the connect command', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {outputs: privateOutputs})]})
    ec2
      .on(DescribeInstancesCommand)
      .resolves({Reservations: [{Instances: [{InstanceId: 'i-0private000000000', State: {Name: 'stopped'}, InstanceType: 'm6i.xlarge'}]}]})
    stoppedVolumes()
    const {envelope} = await runJson<Record<string, unknown>>(['jupyter', 'status', 'lab1', '--region', 'us-east-1'])
    expect(envelope.result).toMatchObject({
      instance: {state: 'stopped'},
      health: {checked: false},
      autoShutdownMinutes: 45,
      hourlyUsd: 0.014,
      cost: {basis: 'storage', storageGiB: 130, storageMonthlyUsd: 10.4},
      access: {mode: 'private', connect: expect.stringContaining('AWS-StartPortForwardingSession')},
    })
  })

  it('exits 1 with a listing hint for an unknown environment', async () => {
    cfn.on(DescribeStacksCommand).rejects(stackMissing('ghost'))
    const {envelope, exitCode} = await runJson(['jupyter', 'stop', 'ghost', '--region', 'us-east-1'])
    expect(exitCode).toBe(1)
    expect(envelope.error?.code).toBe('environment-not-found')
    expect(envelope.error?.actions[0]).toContain('jupyter list')
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0)
  })

  it('says so, for people, when the environment is already stopped', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {outputs: privateOutputs})]})
    ec2
      .on(DescribeInstancesCommand)
      .resolves({Reservations: [{Instances: [{InstanceId: 'i-0private000000000', State: {Name: 'stopped'}}]}]})
    const {stdout} = await runHuman(['jupyter', 'stop', 'lab1', '--region', 'us-east-1'])
    expect(stdout).toContain('lab1 was already stopped; nothing to do.')
  })
})

describe('jupyter destroy', () => {
  it('refuses without --yes when it cannot ask, and deletes nothing', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {outputs: privateOutputs})]})
    const {envelope, exitCode} = await runJson(['jupyter', 'destroy', 'lab1', '--region', 'us-east-1'])
    expect(exitCode).toBe(2)
    expect(envelope.error?.code).toBe('confirmation-required')
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0)
  })

  it('with --yes deletes the stack and reports the kept data', async () => {
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce({Stacks: [stackFor('lab1', {outputs: privateOutputs})]})
      .rejects(stackMissing('lab1'))
    cfn.on(DeleteStackCommand).resolves({})
    // Taken while the stack was deleted: the final snapshot.
    ec2.on(DescribeSnapshotsCommand).resolves({Snapshots: [{SnapshotId: 'snap-0last', VolumeId: 'vol-0home', StartTime: new Date()}]})
    ec2.on(DescribeVolumesCommand).resolves({Volumes: []})
    const {envelope, exitCode} = await runJson<{retained: {kind: string; id: string}[]; dataDeleted: unknown[]}>([
      'jupyter',
      'destroy',
      'lab1',
      '--yes',
      '--region',
      'us-east-1',
    ])
    expect(exitCode).toBe(0)
    expect(envelope.result?.retained.map((r) => [r.kind, r.id])).toEqual([
      ['home-volume-snapshot', 'snap-0last'],
      ['notebook-bucket', 'arw-lab1-nb'],
    ])
    expect(envelope.result?.dataDeleted).toEqual([])
  }, 30_000)
})

describe('jupyter destroy with several names', () => {
  it('checks every name first, then deletes each stack', async () => {
    const mockStacks = () => {
      cfn.reset()
      for (const name of ['lab1', 'lab2']) {
        const stack = stackFor(name, {outputs: {...privateOutputs, InstanceId: `i-0${name}`}})
        cfn.on(DescribeStacksCommand, {StackName: `arw-${name}`}).resolves({Stacks: [stack]})
        // Deletion is followed by stack id; the deleted stack is gone.
        cfn.on(DescribeStacksCommand, {StackName: stack.StackId}).rejects(stackMissing(name))
      }
      cfn.on(DescribeStacksCommand, {StackName: 'arw-ghost'}).rejects(stackMissing('ghost'))
      cfn.on(DeleteStackCommand).resolves({})
    }
    ec2.on(DescribeSnapshotsCommand).resolves({Snapshots: []})
    ec2.on(DescribeVolumesCommand).resolves({Volumes: []})
    mockStacks()
    const typo = await runJson(['jupyter', 'destroy', 'lab1', 'ghost', '--yes', '--region', 'us-east-1'])
    expect(typo.envelope.error?.code).toBe('environment-not-found')
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0)
    mockStacks()
    const {envelope, exitCode} = await runJson<{environments: {name: string; deleted: boolean}[]}>([
      'jupyter',
      'destroy',
      'lab1',
      'lab2',
      '--yes',
      '--region',
      'us-east-1',
    ])
    expect(exitCode).toBe(0)
    expect(envelope.result?.environments.map((e) => [e.name, e.deleted])).toEqual([
      ['lab1', true],
      ['lab2', true],
    ])
    expect(cfn.commandCalls(DeleteStackCommand).map((c) => c.args[0].input.StackName)).toEqual([
      stackFor('lab1').StackId,
      stackFor('lab2').StackId,
    ])
  }, 30_000)
})

describe('jupyter logs', () => {
  it('prints hub lines since the given time, following pages', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {outputs: privateOutputs})]})
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({
        events: [{timestamp: 1_790_000_000_000, logStreamName: 'i-1/bootstrap', message: 'installing kernels\n'}],
        nextToken: 't2',
      })
      .resolves({events: [{timestamp: 1_790_000_001_000, logStreamName: 'i-1/jupyterhub', message: 'JupyterHub is now running'}]})
    const {envelope} = await runJson<{lines: {message: string}[]}>([
      'jupyter',
      'logs',
      'lab1',
      '--since',
      '2h',
      '--component',
      'hub',
      '--region',
      'us-east-1',
    ])
    expect(envelope.result?.lines.map((l) => l.message)).toEqual(['JupyterHub is now running'])
    const calls = logs.commandCalls(FilterLogEventsCommand)
    expect(calls).toHaveLength(2)
    expect(calls[0]!.args[0].input.logGroupName).toBe('/arw/lab1/hub')
    expect(Date.now() - calls[0]!.args[0].input.startTime!).toBeGreaterThanOrEqual(2 * 3600_000 - 60_000)
  })

  it('says so when there are no lines, instead of printing nothing', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {outputs: privateOutputs})]})
    logs.on(FilterLogEventsCommand).resolves({events: []})
    const {stdout, stderr, exitCode} = await runHuman(['jupyter', 'logs', 'lab1', '--since', '15m', '--region', 'us-east-1'])
    expect(exitCode).toBe(0)
    expect(stdout).toBe('')
    expect(stderr).toContain('No hub or bootstrap log lines in /arw/lab1/hub since 15m. Look further back with --since 1d.')
  })
})

describe('jupyter status without a name', () => {
  it('shows every environment of the region', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {outputs: privateOutputs}), stackFor('lab2')]})
    ec2.on(DescribeInstancesCommand).resolves({Reservations: []})
    const {envelope, exitCode} = await runJson<{environments: {name: string}[]}>(['jupyter', 'status', '--region', 'us-east-1'])
    expect(exitCode).toBe(0)
    expect(envelope.result?.environments.map((e) => e.name)).toEqual(['lab1', 'lab2'])
    const human = await runHuman(['jupyter', 'status', '--region', 'us-east-1'])
    expect(human.stdout).toMatch(/^lab1\s+genomics\s+us-east-1/m)
    expect(human.stdout).toContain('Details of one: aws-research-wizard jupyter status NAME')
  })
})
