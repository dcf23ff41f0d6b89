import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DescribeStacksCommand} from '@aws-sdk/client-cloudformation'
import {PutLogEventsCommand, CreateLogStreamCommand} from '@aws-sdk/client-cloudwatch-logs'
import {DescribeInstancesCommand, DescribeVolumesCommand} from '@aws-sdk/client-ec2'
import {HeadBucketCommand} from '@aws-sdk/client-s3'
import {PutParameterCommand} from '@aws-sdk/client-ssm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {runBuiltJson} from '../helpers/built-cli.js'
import {
  cliEnvironment,
  pointSdkAt,
  motoPlacementFlags,
  type MotoServer,
  type RecordingProxy,
  startMoto,
  startRecordingProxy,
} from '../helpers/moto.js'

/**
 * The built CLI, as a subprocess, against a real AWS API server (moto) on loopback.
 * moto gaps and how they are handled (no product code knows about moto):
 * - no CloudFront or Cognito in its CloudFormation: the environment uses --access private;
 * - deleting a stack-created VPC with a NAT gateway fails in moto: the environment uses an
 *   existing VPC (--vpc-id ... , moto's default VPC);
 * - no public Ubuntu / Deep Learning AMI parameters: --ami-id from moto's DescribeImages;
 * - stack updates of EC2 instances: scale is covered with aws-sdk-client-mock instead.
 */
describe.sequential('lifecycle against moto', () => {
  let moto: MotoServer
  let proxy: RecordingProxy
  let env: NodeJS.ProcessEnv
  let restoreSdk: (() => void) | undefined
  let clients: AwsClients
  let placement: string[]
  const work = mkdtempSync(join(tmpdir(), 'e2e-'))

  const cli = (...argv: string[]) => runBuiltJson(argv, {cwd: work, env})

  beforeAll(async () => {
    moto = await startMoto()
    proxy = await startRecordingProxy(moto.port)
    env = cliEnvironment(proxy.url, work)
    // The test's own clients talk to moto directly, so the proxy only sees the CLI.
    restoreSdk = pointSdkAt(moto.url)
    clients = new AwsClients({region: 'us-east-1'})
    const ec2 = await clients.ec2()
    placement = await motoPlacementFlags(ec2)
  }, 60_000)

  afterAll(async () => {
    restoreSdk?.()
    await proxy?.stop()
    await moto?.stop()
  })

  const instanceState = async (id: string) => {
    const {Reservations = []} = await (await clients.ec2()).send(new DescribeInstancesCommand({InstanceIds: [id]}))
    return Reservations[0]?.Instances?.[0]?.State?.Name
  }

  let instanceId = ''
  let outputs: Record<string, string> = {}

  it('bootstraps the account', async () => {
    const {envelope} = await cli('bootstrap')
    expect(envelope).toMatchObject({status: 0, result: {account: '123456789012', region: 'us-east-1'}})
  })

  it('deploys an environment', async () => {
    const {envelope, stderr} = await cli(
      'jupyter',
      'deploy',
      '--domain',
      'astronomy',
      '--name',
      'e2e',
      ...placement,
      '--output',
      join(work, 'cdk.out'),
      '--yes',
      // No instance boots in moto: nothing would ever report the hub ready.
      '--no-wait',
    )
    expect(envelope.status, `${JSON.stringify(envelope)}\n${stderr}`).toBe(0)
    const deployment = envelope.result?.deployment as {created: boolean; outputs: Record<string, string>}
    expect(deployment.created).toBe(true)
    outputs = deployment.outputs
    instanceId = outputs.InstanceId!
    expect(instanceId).toMatch(/^i-/)
    expect(await instanceState(instanceId)).toBe('running')
  }, 120_000)

  it('lists it', async () => {
    const {envelope} = await cli('jupyter', 'list')
    const environments = envelope.result?.environments as {name: string; domain: string; instanceState: string; stackStatus: string}[]
    expect(environments).toEqual([
      expect.objectContaining({name: 'e2e', domain: 'astronomy', instanceState: 'running', stackStatus: 'CREATE_COMPLETE'}),
    ])
  })

  it('reports its status', async () => {
    // The hub's idle agent writes its decision to the parameter the stack created.
    const ssm = await clients.ssm()
    const decision = {time: new Date().toISOString(), idle: true, idleMinutes: 52, busy: [], action: 'warn', stopsInMinutes: 8}
    await ssm.send(
      new PutParameterCommand({Name: '/arw/e2e/idle-status', Value: JSON.stringify(decision), Type: 'String', Overwrite: true}),
    )
    const {envelope} = await cli('jupyter', 'status', 'e2e')
    expect(envelope.result).toMatchObject({
      environment: {name: 'e2e', stackStatus: 'CREATE_COMPLETE'},
      instance: {instanceId, state: 'running'},
      access: {mode: 'private', connect: expect.stringContaining(`--target ${instanceId}`)},
      idleMinutes: 52,
      idle: {source: 'agent', idleMinutes: 52, busy: [], stopsInMinutes: 8},
    })
  })

  it('stops and starts it, idempotently, as EC2 confirms', async () => {
    expect((await cli('jupyter', 'stop', 'e2e')).envelope.result).toMatchObject({changed: true, state: 'stopped'})
    expect(await instanceState(instanceId)).toBe('stopped')
    expect((await cli('jupyter', 'stop', 'e2e')).envelope.result).toMatchObject({changed: false, state: 'stopped'})
    expect((await cli('jupyter', 'start', 'e2e', '--yes')).envelope.result).toMatchObject({changed: true, state: 'running'})
    expect(await instanceState(instanceId)).toBe('running')
  })

  it('shows the hub logs from CloudWatch Logs', async () => {
    const logs = await clients.logs()
    await logs.send(new CreateLogStreamCommand({logGroupName: outputs.LogGroup, logStreamName: `${instanceId}/jupyterhub`}))
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: outputs.LogGroup,
        logStreamName: `${instanceId}/jupyterhub`,
        logEvents: [{timestamp: Date.now() - 1000, message: 'JupyterHub is now running'}],
      }),
    )
    const {envelope} = await cli('jupyter', 'logs', 'e2e', '--since', '10m')
    expect(envelope.result?.lines).toEqual([
      expect.objectContaining({message: 'JupyterHub is now running', stream: `${instanceId}/jupyterhub`}),
    ])
  })

  it('refuses a second deploy of the same name with another domain pack', async () => {
    const {envelope, code} = await cli(
      'jupyter',
      'deploy',
      '--domain',
      'genomics',
      '--name',
      'e2e',
      ...placement,
      '--output',
      join(work, 'cdk2.out'),
      '--yes',
    )
    expect(code).toBe(2)
    expect(envelope.error?.code).toBe('environment-exists')
  }, 120_000)

  it('destroys it and keeps the data', async () => {
    const {envelope} = await cli('jupyter', 'destroy', 'e2e', '--yes')
    expect(envelope.status).toBe(0)
    const kept = (envelope.result?.retained as {kind: string; id: string}[]).map((r) => r.kind).sort()
    expect(kept).toEqual(['home-volume', 'notebook-bucket'])
    await expect((await clients.cloudFormation()).send(new DescribeStacksCommand({StackName: 'arw-e2e'}))).rejects.toThrow(/does not exist/)
    await (await clients.s3()).send(new HeadBucketCommand({Bucket: outputs.NotebookBucket}))
    const {Volumes = []} = await (await clients.ec2()).send(new DescribeVolumesCommand({VolumeIds: [outputs.HomeVolumeId!]}))
    expect(Volumes).toHaveLength(1)
  }, 120_000)

  it('sent every request of the CLI (and of the deploy toolkit) to AWS_ENDPOINT_URL', () => {
    // EFS and Cognito too: destroy looks for kept file systems and user pools by tag.
    for (const service of ['cloudformation', 'ec2', 'sts', 's3', 'ssm', 'monitoring', 'logs', 'elasticfilesystem', 'cognito-idp'])
      expect(proxy.services, service).toContain(service)
  })

  it('builds every SDK client against AWS_ENDPOINT_URL', async () => {
    const before = proxy.requests
    const viaProxy = new AwsClients({region: 'us-east-1'})
    const saved = process.env.AWS_ENDPOINT_URL
    process.env.AWS_ENDPOINT_URL = proxy.url
    try {
      const {ListUserPoolsCommand} = await import('@aws-sdk/client-cognito-identity-provider')
      const {DescribeFileSystemsCommand} = await import('@aws-sdk/client-efs')
      await (await viaProxy.cognito()).send(new ListUserPoolsCommand({MaxResults: 1}))
      await (await viaProxy.efs()).send(new DescribeFileSystemsCommand({}))
    } finally {
      process.env.AWS_ENDPOINT_URL = saved
    }
    expect(proxy.services).toContain('cognito-idp')
    expect(proxy.services).toContain('elasticfilesystem')
    expect(proxy.requests - before).toBe(2)
  })
})
