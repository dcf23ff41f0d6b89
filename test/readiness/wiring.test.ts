// The readiness and image pieces as the commands use them: status reads the boot
// report, deploys follow the hub, and updates keep the image the stack recorded.
import {CloudFormationClient, DescribeStackResourceCommand, DescribeStacksCommand, GetTemplateCommand} from '@aws-sdk/client-cloudformation'
import {CloudWatchLogsClient, GetLogEventsCommand} from '@aws-sdk/client-cloudwatch-logs'
import {EC2Client} from '@aws-sdk/client-ec2'
import {GetParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {mockClient} from 'aws-sdk-client-mock'
import {afterAll, beforeEach, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {isWizardError, type WizardError} from '../../src/errors.js'
import type {HubImage} from '../../src/lib/image/types.js'
import {diffEnvironment, prepareApply, respecFromDeployed} from '../../src/lib/lifecycle/apply.js'
import {readBootReport} from '../../src/lib/lifecycle/status.js'
import type {BootStatus} from '../../src/lib/readiness/boot-status.js'
import {followHub, hubFailureAfterDeployFailure} from '../../src/lib/readiness/follow-hub.js'
import {synthesize} from '../../src/lib/synth/synthesize.js'
import {specFor} from '../helpers/specs.js'
import {stackFor} from '../lifecycle/fixtures.js'

const cfn = mockClient(CloudFormationClient)
const ssm = mockClient(SSMClient)
const ec2 = mockClient(EC2Client)
const logs = mockClient(CloudWatchLogsClient)
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))
const clients = () => new AwsClients({region: 'us-east-1'})
const named = (name: string, message = name) => Object.assign(new Error(message), {name})
const value = (status: Record<string, unknown>) => ({Parameter: {Value: JSON.stringify(status)}})

beforeEach(() => [cfn, ssm, ec2, logs].forEach((m) => m.reset()))
afterAll(() => [cfn, ssm, ec2, logs].forEach((m) => m.restore()))

describe('status: the boot report', () => {
  it('names the phase and the kernels that failed', async () => {
    ssm.on(GetParameterCommand, {Name: '/arw/lab1/boot-status'}).resolves(
      value({
        phase: 'failed',
        failedStep: 'kernels',
        message: 'conda could not solve r',
        kernels: {python: 'ok', r: 'failed: nothing provides r-sf'},
      }),
    )
    expect(await readBootReport(clients(), 'lab1')).toEqual({
      phase: 'failed',
      summary: 'failed at kernels: conda could not solve r',
      failedKernels: ['r: nothing provides r-sf'],
    })
  })

  it.each([
    ['ParameterNotFound', 'unknown (no boot status recorded)'],
    ['AccessDeniedException', 'unknown (AccessDeniedException)'],
  ])('%s is "unknown", not an error', async (error, summary) => {
    ssm.on(GetParameterCommand).rejects(named(error))
    expect(await readBootReport(clients(), 'lab1')).toEqual({phase: 'unknown', summary, failedKernels: []})
  })
})

describe('following the hub during a deploy', () => {
  const hubClients = () => ({cloudFormation: new CloudFormationClient({}), ssm: new SSMClient({}), logs: new CloudWatchLogsClient({})})

  it('waits for a new instance, ignores the old one, and reports each status until ready', async () => {
    cfn
      .on(DescribeStackResourceCommand)
      .rejectsOnce(named('ValidationError', 'Stack arw-lab1 does not exist'))
      .resolvesOnce({StackResourceDetail: {PhysicalResourceId: 'i-0aaaaaaaaaaaaaaa1'} as never})
      .resolves({StackResourceDetail: {PhysicalResourceId: 'i-0bbbbbbbbbbbbbbb2'} as never})
    ssm
      .on(GetParameterCommand)
      .resolvesOnce(value({phase: 'install', detail: 'installing kernels 2/3', instanceId: 'i-0bbbbbbbbbbbbbbb2'}))
      .resolves(value({phase: 'ready', instanceId: 'i-0bbbbbbbbbbbbbbb2'}))
    const seen: BootStatus[] = []
    const watch = followHub({
      clients: hubClients(),
      environmentName: 'lab1',
      stackName: 'arw-lab1',
      instanceLogicalId: 'HubInstance',
      previousInstanceId: 'i-0aaaaaaaaaaaaaaa1',
      timeoutMs: 10_000,
      intervalMs: 1,
      onStatus: (s) => seen.push(s),
    })
    const {status, error} = await watch.result
    expect(error).toBeUndefined()
    expect(status).toMatchObject({phase: 'ready', instanceId: 'i-0bbbbbbbbbbbbbbb2'})
    expect(watch.instanceId()).toBe('i-0bbbbbbbbbbbbbbb2')
    expect(seen.map((s) => s.phase)).toEqual(['install', 'ready'])
    expect(cfn.commandCalls(DescribeStackResourceCommand)[0]!.args[0].input).toEqual({
      StackName: 'arw-lab1',
      LogicalResourceId: 'HubInstance',
    })
  })

  it('stops when the deploy fails (abort)', async () => {
    cfn.on(DescribeStackResourceCommand).rejects(named('ValidationError', 'does not exist'))
    const stop = new AbortController()
    const watch = followHub({
      clients: hubClients(),
      environmentName: 'lab1',
      stackName: 'arw-lab1',
      instanceLogicalId: 'HubInstance',
      timeoutMs: 60_000,
      intervalMs: 5,
      signal: stop.signal,
    })
    stop.abort(new Error('the deploy failed'))
    expect((await watch.result).error).toMatchObject({message: 'the deploy failed'})
  })

  it('after a failed deploy, a hub that reported failed gives hub-not-ready with the step and the log tail', async () => {
    ssm
      .on(GetParameterCommand)
      .resolves(value({phase: 'failed', failedStep: 'kernels', message: 'conda could not solve r', instanceId: 'i-0bbbbbbbbbbbbbbb2'}))
    logs.on(GetLogEventsCommand).resolves({events: [{message: 'step kernels: solving'}, {message: 'nothing provides r-sf'}]})
    const error = (await hubFailureAfterDeployFailure({clients: hubClients(), environmentName: 'lab1'})) as WizardError
    expect(isWizardError(error)).toBe(true)
    expect(error.code).toBe('hub-not-ready')
    expect(error.exitCode).toBe(5)
    expect(error.message).toContain('failed at kernels: conda could not solve r')
    expect(error.message).toContain('  nothing provides r-sf')
    expect(logs.commandCalls(GetLogEventsCommand)[0]!.args[0].input).toMatchObject({
      logGroupName: '/arw/lab1/hub',
      logStreamName: 'i-0bbbbbbbbbbbbbbb2/bootstrap',
    })
  })

  it("after a failed deploy, a hub that is still installing, or the old instance's failure, leaves CloudFormation's error", async () => {
    ssm.on(GetParameterCommand).resolves(value({phase: 'install', detail: 'installing kernels 1/3'}))
    expect(await hubFailureAfterDeployFailure({clients: hubClients(), environmentName: 'lab1'})).toBeUndefined()
    ssm.on(GetParameterCommand).resolves(value({phase: 'failed', failedStep: 'kernels', instanceId: 'i-0aaaaaaaaaaaaaaa1'}))
    expect(
      await hubFailureAfterDeployFailure({clients: hubClients(), environmentName: 'lab1', previousInstanceId: 'i-0aaaaaaaaaaaaaaa1'}),
    ).toBeUndefined()
  })
})

describe('updates keep the recorded image', () => {
  const recorded: HubImage = {
    imageId: 'ami-0aaaabbbbccccdddd',
    source: 'parameter',
    name: 'ubuntu-noble-24.04-amd64-server-20250610',
    parameter: '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id',
  }

  async function deployedWith(image: HubImage) {
    const spec = await specFor('genomics')
    const template = (
      await synthesize([spec], {outdir: tmp('pinned-'), validateTemplates: false, nag: false, images: {[spec.stackName]: image}})
    ).stacks[0]!.template
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1')]})
    cfn.on(GetTemplateCommand).resolves({TemplateBody: JSON.stringify(template)})
    return {spec, template}
  }

  it('rebuilding from the deploy record pins the recorded image id, without asking AWS for an image', async () => {
    const {template: before} = await deployedWith(recorded)
    expect(JSON.stringify(before)).toContain(recorded.imageId)
    const {spec, deployed, image} = await respecFromDeployed(clients(), 'lab1', {users: 12})
    expect(image?.imageId).toBe(recorded.imageId)
    const prepared = await prepareApply(spec, {
      clients: clients(),
      outdir: tmp('scale-'),
      deployed,
      ...(image ? {image} : {}),
      validateTemplates: false,
    })
    const template = prepared.synthesis.stacks[0]!.template
    const instance = Object.values(template.Resources).find((r) => r.Type === 'AWS::EC2::Instance')!
    expect(instance.Properties?.ImageId).toBe(recorded.imageId)
    expect(JSON.stringify(template.Parameters ?? {})).not.toContain('/aws/service/canonical')
    expect(prepared.preview.hub.filter((h) => h.kind === 'replace')).toEqual([])
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0)
  })

  it('a redeploy with nothing changed shows no changes (no fallback to the public parameter)', async () => {
    await deployedWith(recorded)
    const preview = await diffEnvironment(clients(), 'lab1', {})
    expect(preview.changes).toEqual([])
    expect(preview.hub).toEqual([])
  })

  it('an image change is previewed as a replacement of the hub', async () => {
    await deployedWith({...recorded, imageId: 'ami-0eeeeffff00001111'})
    const {spec, deployed} = await respecFromDeployed(clients(), 'lab1', {})
    const prepared = await prepareApply(spec, {
      clients: clients(),
      outdir: tmp('newimage-'),
      deployed,
      image: recorded,
      validateTemplates: false,
    })
    expect(prepared.preview.hub).toEqual([
      expect.objectContaining({kind: 'replace', message: expect.stringContaining('replaced on a new image')}),
    ])
  })
})
