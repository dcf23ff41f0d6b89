import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CloudFormationClient, DescribeStacksCommand, GetTemplateCommand} from '@aws-sdk/client-cloudformation'
import {DescribeInstancesCommand, DescribeVolumesCommand, EC2Client, StartInstancesCommand, StopInstancesCommand} from '@aws-sdk/client-ec2'
import {GetProductsCommand, PricingClient} from '@aws-sdk/client-pricing'
import {mockClient} from 'aws-sdk-client-mock'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {toAwsError} from '../../src/aws/errors.js'
import {getEnvironment} from '../../src/lib/environments/discover.js'
import {listRegion} from '../../src/lib/lifecycle/list.js'
import {startEnvironment, stopEnvironment} from '../../src/lib/lifecycle/power.js'
import {applyEnvironment} from '../../src/lib/lifecycle/apply.js'
import {specFor} from '../helpers/specs.js'
import {accessDenied, stackFor, stackMissing} from './fixtures.js'

const cfn = mockClient(CloudFormationClient)
const ec2 = mockClient(EC2Client)
// Offline: the Price List fails at once, so prices fall back to the bundled snapshot.
const pricing = mockClient(PricingClient)
const clients = () => new AwsClients({region: 'us-east-1'})

beforeEach(() => {
  cfn.reset()
  ec2.reset()
  pricing.reset()
  pricing.on(GetProductsCommand).rejects(new Error('getaddrinfo ENOTFOUND api.pricing.us-east-1.amazonaws.com'))
})
afterEach(() => {
  cfn.reset()
  ec2.reset()
})

const instance = (id: string, state: string, type = 'r6i.2xlarge') => ({
  InstanceId: id,
  State: {Name: state as 'running'},
  InstanceType: type as 'r6i.2xlarge',
  LaunchTime: new Date('2026-11-23T08:00:00Z'),
})

describe('listing environments', () => {
  it('follows DescribeStacks pages, ignores stacks that are not environments, and makes one DescribeInstances call', async () => {
    cfn.on(DescribeStacksCommand, {}).resolves({
      Stacks: [stackFor('alpha'), {StackName: 'unrelated', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date('2026-01-01T00:00:00Z')}],
      NextToken: 'page-2',
    })
    cfn.on(DescribeStacksCommand, {NextToken: 'page-2'}).resolves({
      Stacks: [stackFor('beta', {domain: 'climate-science'}), stackFor('gamma', {StackStatus: 'ROLLBACK_COMPLETE', outputs: {}})],
    })
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            instance(stackFor('alpha').Outputs![1]!.OutputValue!, 'running'),
            instance(stackFor('beta').Outputs![1]!.OutputValue!, 'stopped'),
          ],
        },
      ],
    })
    const beta = stackFor('beta').Outputs![1]!.OutputValue!
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [
        {VolumeId: 'vol-root', Size: 30, Attachments: [{InstanceId: beta}]},
        {VolumeId: 'vol-home', Size: 100, Attachments: [{InstanceId: beta}]},
      ],
    })
    const fallbacks: string[] = []
    const environments = await listRegion(clients(), new Date('2026-11-23T10:00:00Z'), (why) => fallbacks.push(why))
    expect(environments.map((e) => [e.name, e.domain, e.stackStatus, e.instanceState])).toEqual([
      ['alpha', 'genomics', 'CREATE_COMPLETE', 'running'],
      ['beta', 'climate-science', 'CREATE_COMPLETE', 'stopped'],
      ['gamma', 'genomics', 'ROLLBACK_COMPLETE', undefined],
    ])
    expect(environments[0]).toMatchObject({uptimeHours: 2, hourlyUsd: 0.5, users: 8, cost: {basis: 'instance'}})
    // Stopped: the volumes only, 130 GiB x $0.08 = $10.40 a month, $0.014 an hour.
    expect(environments[1]).toMatchObject({hourlyUsd: 0.014, cost: {basis: 'storage', storageGiB: 130, storageMonthlyUsd: 10.4}})
    expect(environments[1]!.cost!.priceSource).toMatch(/^bundled price snapshot/)
    expect(fallbacks[0]).toMatch(/ENOTFOUND/)
    expect(ec2.commandCalls(DescribeVolumesCommand)[0]!.args[0].input.Filters).toEqual([{Name: 'attachment.instance-id', Values: [beta]}])
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(2)
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1)
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.Filters?.[0]?.Values).toHaveLength(2)
  })

  it('keeps AWS calls constant as environments grow (100 environments: 1 stacks page, 1 instances call)', async () => {
    const stacks = Array.from({length: 100}, (_, i) => stackFor(`env${i}`))
    cfn.on(DescribeStacksCommand).resolves({Stacks: stacks})
    ec2.on(DescribeInstancesCommand).resolves({Reservations: []})
    await listRegion(clients())
    expect(cfn.calls()).toHaveLength(1)
    expect(ec2.calls()).toHaveLength(1)
  })

  it('names the missing permission when access is denied', async () => {
    cfn.on(DescribeStacksCommand).rejects(accessDenied('cloudformation:DescribeStacks'))
    const error = await listRegion(clients()).catch((e) => toAwsError(e))
    expect(error).toMatchObject({code: 'access-denied', exitCode: 4})
    expect((error as Error).message).toContain('cloudformation:DescribeStacks')
  })

  it('says clearly when an environment does not exist', async () => {
    cfn.on(DescribeStacksCommand).rejects(stackMissing('nope'))
    await expect(getEnvironment(clients(), 'nope')).rejects.toMatchObject({code: 'environment-not-found', exitCode: 1})
  })
})

describe('stop and start', () => {
  const env = () => getEnvironment(clients(), 'alpha')
  const id = stackFor('alpha').Outputs![1]!.OutputValue!

  beforeEach(() => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('alpha')]})
  })

  it('stops a running instance and waits until EC2 reports it stopped', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({Reservations: [{Instances: [instance(id, 'running')]}]})
      .resolvesOnce({Reservations: [{Instances: [instance(id, 'stopping')]}]})
      .resolves({Reservations: [{Instances: [instance(id, 'stopped')]}]})
    ec2.on(StopInstancesCommand).resolves({})
    const result = await stopEnvironment(clients(), await env(), {pollSeconds: 1, maxWaitSeconds: 10})
    expect(result).toMatchObject({changed: true, previousState: 'running', state: 'stopped'})
    expect(ec2.commandCalls(StopInstancesCommand)[0]!.args[0].input).toEqual({InstanceIds: [id]})
  })

  it('does nothing (and says so) when already stopped', async () => {
    ec2.on(DescribeInstancesCommand).resolves({Reservations: [{Instances: [instance(id, 'stopped')]}]})
    const result = await stopEnvironment(clients(), await env())
    expect(result.changed).toBe(false)
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0)
  })

  it('reports an instance stuck in stopping with the force-stop remedy, without a second stop call', async () => {
    ec2.on(DescribeInstancesCommand).resolves({Reservations: [{Instances: [instance(id, 'stopping')]}]})
    const error = await stopEnvironment(clients(), await env(), {pollSeconds: 1, maxWaitSeconds: 3}).catch((e) => e)
    expect(error).toMatchObject({code: 'instance-stuck', exitCode: 1})
    expect(error.actions.join(' ')).toContain('stop-instances --force')
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0)
    expect(ec2.commandCalls(DescribeInstancesCommand).length).toBeGreaterThan(1)
  }, 20_000)

  it('waits for a stopping instance to stop before starting it', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({Reservations: [{Instances: [instance(id, 'stopping')]}]})
      .resolvesOnce({Reservations: [{Instances: [instance(id, 'stopped')]}]})
      .resolves({Reservations: [{Instances: [instance(id, 'running')]}]})
    ec2.on(StartInstancesCommand).resolves({})
    const result = await startEnvironment(clients(), await env(), {pollSeconds: 1, maxWaitSeconds: 10})
    expect(result).toMatchObject({changed: true, previousState: 'stopping', state: 'running'})
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(1)
  })
})

describe('deploying over an existing environment', () => {
  it('refuses a stack left in ROLLBACK_COMPLETE and points to destroy', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        stackFor('lab1', {
          StackStatus: 'ROLLBACK_COMPLETE',
          StackStatusReason: 'The following resource(s) failed to create: [Hub36E1280D].',
        }),
      ],
    })
    const spec = await specFor('genomics')
    const error = await applyEnvironment(spec, {
      clients: clients(),
      outdir: mkdtempSync(join(tmpdir(), 'apply-')),
      validateTemplates: false,
    }).catch((e) => e)
    expect(error).toMatchObject({code: 'stack-not-updatable', exitCode: 5})
    expect(error.actions.join(' ')).toContain('jupyter destroy lab1')
    expect(cfn.commandCalls(GetTemplateCommand)).toHaveLength(0)
  })

  it('refuses an update that would replace a data-bearing resource unless allowed', async () => {
    const spec = await specFor('genomics')
    const {synthesize} = await import('../../src/lib/synth/synthesize.js')
    const deployed = (await synthesize([spec], {outdir: mkdtempSync(join(tmpdir(), 'dep-')), validateTemplates: false, nag: false}))
      .stacks[0]!.template
    // Deployed by a version that named the bucket: today's template would replace it.
    for (const resource of Object.values(deployed.Resources))
      if (resource.Type === 'AWS::S3::Bucket') resource.Properties = {...resource.Properties, BucketName: 'lab1-notebooks'}
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1')]})
    cfn.on(GetTemplateCommand).resolves({TemplateBody: JSON.stringify(deployed)})
    const error = await applyEnvironment(spec, {
      clients: clients(),
      outdir: mkdtempSync(join(tmpdir(), 'apply-')),
      validateTemplates: false,
    }).catch((e) => e)
    expect(error).toMatchObject({code: 'data-replacement-refused', exitCode: 2})
    expect(error.message).toContain('notebook bucket (replace; changed: BucketName)')
  })

  it('does nothing when the deployed template already matches', async () => {
    const spec = await specFor('genomics')
    const {synthesize} = await import('../../src/lib/synth/synthesize.js')
    const deployed = (await synthesize([spec], {outdir: mkdtempSync(join(tmpdir(), 'dep-')), validateTemplates: false, nag: false}))
      .stacks[0]!.template
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1')]})
    cfn.on(GetTemplateCommand).resolves({TemplateBody: JSON.stringify(deployed)})
    const result = await applyEnvironment(spec, {
      clients: clients(),
      outdir: mkdtempSync(join(tmpdir(), 'apply-')),
      validateTemplates: false,
    })
    expect(result).toMatchObject({applied: false, created: false, changes: []})
    // The same output names a deploy that changed something returns (the --json contract).
    expect(result.outputs).toMatchObject({InstanceId: expect.stringMatching(/^i-/)})
    expect(Object.keys(result.outputs).every((key) => /^[A-Z]/.test(key))).toBe(true)
  })
})
