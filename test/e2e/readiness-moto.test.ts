import {spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CloudFormationClient, DescribeStackResourcesCommand} from '@aws-sdk/client-cloudformation'
import {CloudWatchLogsClient} from '@aws-sdk/client-cloudwatch-logs'
import {EC2Client} from '@aws-sdk/client-ec2'
import {GetParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {isWizardError, type WizardError} from '../../src/errors.js'
import type {BootStatus} from '../../src/lib/readiness/boot-status.js'
import {formatBootStatus} from '../../src/lib/readiness/boot-status.js'
import {type HubNotReadyData, waitForHub} from '../../src/lib/readiness/wait-for-hub.js'
import {runBuiltJson} from '../helpers/built-cli.js'
import {cliEnvironment, motoPlacementFlags, type MotoServer, startMoto} from '../helpers/moto.js'

/**
 * Readiness end to end against moto: the built CLI deploys an environment (so the
 * boot-status parameter and log group are the stack's own), a stand-in for the
 * instance (Python + boto3, as on the hub) reports progress exactly as the instance
 * does, and waitForHub follows it through the real SSM and CloudWatch Logs APIs.
 * moto does not wait for CreationPolicy signals, so the stack completes at once.
 */

/** What the instance does: PutParameter Overwrite with the status JSON, log events to <instance>/bootstrap. */
const STAND_IN = `
import json, sys, time, datetime, boto3
ssm = boto3.client("ssm", region_name="us-east-1")
logs = boto3.client("logs", region_name="us-east-1")
parameter, log_group, instance, scenario = sys.argv[1:5]
def report(**status):
    status.update(instanceId=instance, time=datetime.datetime.now(datetime.timezone.utc).isoformat())
    ssm.put_parameter(Name=parameter, Value=json.dumps(status), Type="String", Overwrite=True)
    time.sleep(0.6)
stream = instance + "/bootstrap"
logs.create_log_stream(logGroupName=log_group, logStreamName=stream)
def log(*lines):
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=log_group, logStreamName=stream,
                        logEvents=[{"timestamp": now + i, "message": line} for i, line in enumerate(lines)])
time.sleep(0.5)
report(phase="install", step="kernels", detail="installing kernels 1/2", failedStep=None, message="", kernels={})
report(phase="install", step="kernels", detail="installing kernels 2/2", failedStep=None, message="", kernels={"python": "ok"})
if scenario == "ready":
    report(phase="configure", step="hub", detail="starting JupyterHub", failedStep=None, message="", kernels={"python": "ok", "r": "ok"})
    report(phase="ready", step="hub", detail="", failedStep=None, message="JupyterHub answers", kernels={"python": "ok", "r": "ok"})
else:
    log(*["step kernels: line %d" % i for i in range(1, 31)], "error: \\x1b[31mnothing provides r-sf\\x1b[0m needed by r-env")
    report(phase="failed", step="kernels", detail="", failedStep="kernels", message="conda could not solve the r kernel",
           kernels={"python": "ok", "r": "failed: nothing provides r-sf"})
`

describe.sequential('hub readiness against moto', () => {
  let moto: MotoServer
  let env: NodeJS.ProcessEnv
  let ssm: SSMClient
  let logs: CloudWatchLogsClient
  let outputs: Record<string, string> = {}
  let cfn: CloudFormationClient
  let deployArgs: (name: string) => string[] = () => []

  /** The hub instance of a stack being deployed, as soon as CloudFormation names it. */
  const instanceOf = async (stackName: string): Promise<string> => {
    for (let i = 0; i < 600; i++) {
      const {StackResources = []} = await cfn
        .send(new DescribeStackResourcesCommand({StackName: stackName}))
        .catch(() => ({StackResources: []}))
      const id = StackResources.find((r) => r.ResourceType === 'AWS::EC2::Instance')?.PhysicalResourceId
      if (id?.startsWith('i-')) return id
      await new Promise((r) => setTimeout(r, 200))
    }
    throw new Error(`no instance in ${stackName}`)
  }
  const work = mkdtempSync(join(tmpdir(), 'e2e-readiness-'))
  const parameter = '/arw/ready/boot-status'

  const cli = (...argv: string[]) => runBuiltJson(argv, {cwd: work, env})

  /** Runs the instance stand-in; resolves when it has written everything. */
  const standIn = (instanceId: string, scenario: 'ready' | 'failed', name = 'ready') =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('python3', ['-c', STAND_IN, `/arw/${name}/boot-status`, `/arw/${name}/hub`, instanceId, scenario], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (d) => (stderr += d))
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`stand-in exited ${code}: ${stderr}`))))
    })

  beforeAll(async () => {
    moto = await startMoto()
    env = cliEnvironment(moto.url, work)
    const config = {region: 'us-east-1', endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}}
    ssm = new SSMClient(config)
    logs = new CloudWatchLogsClient(config)
    const ec2 = new EC2Client(config)
    const placement = await motoPlacementFlags(ec2)
    cfn = new CloudFormationClient(config)
    expect((await cli('bootstrap')).envelope.status).toBe(0)
    deployArgs = (name: string) => [
      'jupyter',
      'deploy',
      '--domain',
      'astronomy',
      '--name',
      name,
      ...placement,
      '--output',
      join(work, `cdk-${name}.out`),
      '--yes',
    ]
    // Without an instance reporting, only --no-wait returns (the tests below drive the boot).
    const deploy = await cli(...deployArgs('ready'), '--no-wait')
    expect(deploy.envelope.status, `${JSON.stringify(deploy.envelope)}\n${deploy.stderr}`).toBe(0)
    outputs = (deploy.envelope.result?.deployment as {outputs: Record<string, string>}).outputs
  }, 180_000)

  afterAll(async () => {
    await moto?.stop()
  })

  it('the stack creates the boot-status parameter with its placeholder', async () => {
    const {Parameter} = await ssm.send(new GetParameterCommand({Name: parameter}))
    expect(JSON.parse(Parameter!.Value!)).toEqual({phase: 'pending'})
  })

  it('follows the instance through its phases to ready', async () => {
    const instanceId = outputs.InstanceId!
    const seen: BootStatus[] = []
    const [status] = await Promise.all([
      waitForHub({
        ssm,
        logs,
        environmentName: 'ready',
        logGroup: outputs.LogGroup!,
        instanceId,
        timeoutMs: 60_000,
        intervalMs: 100,
        onProgress: (s) => seen.push(s),
      }),
      standIn(instanceId, 'ready'),
    ])
    expect(status).toMatchObject({phase: 'ready', instanceId, kernels: {python: 'ok', r: 'ok'}})
    expect(seen.map(formatBootStatus)).toEqual([
      'waiting for the instance to report',
      'installing kernels 1/2',
      'installing kernels 2/2',
      'starting JupyterHub',
      'ready',
    ])
    expect(seen.every((s) => s.phase === 'pending' || (s.instanceId === instanceId && s.time !== undefined))).toBe(true)
  }, 60_000)

  it('reports a failed install with the step, the failed kernel and the sanitized log tail', async () => {
    // The instance an update would have launched: the old "ready" above belongs to another instance.
    const instanceId = 'i-0f00000000000000f'
    const seen: string[] = []
    const [error] = await Promise.all([
      waitForHub({
        ssm,
        logs,
        environmentName: 'ready',
        logGroup: outputs.LogGroup!,
        instanceId,
        timeoutMs: 60_000,
        intervalMs: 100,
        onProgress: (s) => seen.push(formatBootStatus(s)),
      }).then(
        () => undefined,
        (e: unknown) => e,
      ),
      standIn(instanceId, 'failed'),
    ])
    expect(isWizardError(error), String(error)).toBe(true)
    const failure = error as WizardError
    expect(failure.code).toBe('hub-not-ready')
    expect(failure.exitCode).toBe(5)
    expect(seen[0]).toBe('installing kernels 1/2')
    expect(seen.at(-1)).toBe('failed at kernels: conda could not solve the r kernel')
    expect(failure.message).toContain(`The hub on ${instanceId} failed at kernels: conda could not solve the r kernel.`)
    expect(failure.message).toContain('  r: nothing provides r-sf')
    expect(failure.message).toContain(`Last 20 lines of ${outputs.LogGroup} ${instanceId}/bootstrap:`)
    expect(failure.message).toContain('error: \\x1b[31mnothing provides r-sf\\x1b[0m needed by r-env')
    expect(failure.message).not.toContain('\u001b')
    const tail = (failure.data as HubNotReadyData).logTail
    expect(tail).toHaveLength(20)
    expect(tail[0]).toBe('step kernels: line 12')
    expect(tail.at(-1)).toContain('nothing provides r-sf')
  }, 60_000)

  it('deploy waits until the hub answers and returns its status', async () => {
    const deploying = cli(...deployArgs('wait1'))
    await standIn(await instanceOf('arw-wait1'), 'ready', 'wait1')
    const deploy = await deploying
    expect(deploy.code, `${JSON.stringify(deploy.envelope)}\n${deploy.stderr}`).toBe(0)
    const instanceId = (deploy.envelope.result?.deployment as {outputs: Record<string, string>}).outputs.InstanceId
    expect(deploy.envelope.result?.hub).toMatchObject({phase: 'ready', instanceId, kernels: {python: 'ok', r: 'ok'}})
  }, 180_000)

  it('a hub that reports failed fails the deploy with exit 5, the step and the log tail', async () => {
    const deploying = cli(...deployArgs('wait2'))
    const instanceId = await instanceOf('arw-wait2')
    await standIn(instanceId, 'failed', 'wait2')
    const deploy = await deploying
    expect(deploy.code, JSON.stringify(deploy.envelope)).toBe(5)
    const error = (deploy.envelope as unknown as {error: {code: string; message: string}}).error
    expect(error.code).toBe('hub-not-ready')
    expect(error.message).toContain(`The hub on ${instanceId} failed at kernels: conda could not solve the r kernel.`)
    expect(error.message).toContain(`Last 20 lines of /arw/wait2/hub ${instanceId}/bootstrap:`)
    expect(error.message).toContain('nothing provides r-sf')
  }, 180_000)

  it('destroy removes the boot-status parameter with the stack', async () => {
    expect((await cli('jupyter', 'destroy', 'ready', '--yes')).envelope.status).toBe(0)
    await expect(ssm.send(new GetParameterCommand({Name: parameter}))).rejects.toMatchObject({name: 'ParameterNotFound'})
  }, 120_000)
})
