import {CloudWatchLogsClient, GetLogEventsCommand} from '@aws-sdk/client-cloudwatch-logs'
import {GetParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'
import {failure} from '../helpers/errors.js'
import type {BootStatus} from '../../src/lib/readiness/boot-status.js'
import {HUB_NOT_READY, type HubNotReadyData, waitForHub} from '../../src/lib/readiness/wait-for-hub.js'

const ssm = mockClient(SSMClient)
const logs = mockClient(CloudWatchLogsClient)
const INSTANCE = 'i-0123456789abcdef0'

function value(status: Record<string, unknown>) {
  return {Parameter: {Name: '/arw/lab1/boot-status', Type: 'String' as const, Value: JSON.stringify(status)}}
}

function notFound() {
  return Object.assign(new Error('Parameter /arw/lab1/boot-status not found.'), {name: 'ParameterNotFound'})
}

/** A clock that moves only when the code under test sleeps. */
function fakeTime() {
  let t = 1_700_000_000_000
  const sleeps: number[] = []
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms)
      t += ms
    },
    sleeps,
  }
}

beforeEach(() => {
  ssm.reset()
  logs.reset()
})

const base = () => ({
  ssm: new SSMClient({region: 'us-east-1'}),
  logs: new CloudWatchLogsClient({region: 'us-east-1'}),
  environmentName: 'lab1',
  logGroup: '/arw/lab1/hub',
  instanceId: INSTANCE,
  timeoutMs: 30 * 60_000,
  intervalMs: 10_000,
})

describe('waitForHub', () => {
  it('reports each new status once and resolves on ready', async () => {
    const install = {phase: 'install', step: 'kernels', detail: 'installing kernels 2/3', instanceId: INSTANCE}
    ssm
      .on(GetParameterCommand)
      .resolvesOnce(value({phase: 'pending'}))
      .resolvesOnce(value(install))
      .resolvesOnce(value(install))
      .resolvesOnce(value({phase: 'configure', step: 'hub', instanceId: INSTANCE}))
      .resolves(value({phase: 'ready', step: 'hub', instanceId: INSTANCE}))
    const seen: BootStatus[] = []
    const time = fakeTime()
    const ready = await waitForHub({...base(), ...time, onProgress: (s) => seen.push(s)})
    expect(ready).toMatchObject({phase: 'ready', instanceId: INSTANCE})
    expect(seen.map((s) => s.detail ?? s.phase)).toEqual(['pending', 'installing kernels 2/3', 'configure', 'ready'])
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(5)
    expect(ssm.commandCalls(GetParameterCommand)[0]!.args[0].input).toEqual({Name: '/arw/lab1/boot-status'})
    expect(time.sleeps).toEqual([10_000, 10_000, 10_000, 10_000])
    expect(logs.calls()).toHaveLength(0)
  })

  it('keeps waiting while the parameter does not exist yet', async () => {
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(notFound())
      .rejectsOnce(notFound())
      .resolves(value({phase: 'ready', instanceId: INSTANCE}))
    const seen: string[] = []
    await waitForHub({...base(), ...fakeTime(), onProgress: (s) => seen.push(s.phase)})
    expect(seen).toEqual(['ready'])
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(3)
  })

  it("ignores the status of the instance an update replaced (its old 'ready')", async () => {
    ssm
      .on(GetParameterCommand)
      .resolvesOnce(value({phase: 'ready', instanceId: 'i-0aaaaaaaaaaaaaaaa'}))
      .resolves(value({phase: 'ready', instanceId: INSTANCE}))
    const seen: (string | undefined)[] = []
    await waitForHub({...base(), ...fakeTime(), onProgress: (s) => seen.push(s.instanceId)})
    expect(seen).toEqual([INSTANCE])
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2)
  })

  it('fails with the step, the failed kernels and the sanitized tail of the bootstrap log', async () => {
    ssm
      .on(GetParameterCommand)
      .resolvesOnce(value({phase: 'install', step: 'kernels', detail: 'installing kernels 1/2', instanceId: INSTANCE}))
      .resolves(
        value({
          phase: 'failed',
          step: 'kernels',
          failedStep: 'kernels',
          message: 'conda could not solve r-sf',
          instanceId: INSTANCE,
          kernels: {python: 'ok', r: 'failed: unsatisfiable r-sf'},
        }),
      )
    const events = Array.from({length: 20}, (_, i) => ({timestamp: i, message: `line ${i + 1}\n`}))
    events[19] = {timestamp: 19, message: 'LibMambaUnsatisfiableError \u001b[31mr-sf\u001b[0m\n'}
    logs.on(GetLogEventsCommand).resolves({events})
    const error = await failure(waitForHub({...base(), ...fakeTime()}))
    expect(error.code).toBe(HUB_NOT_READY)
    expect(error.exitCode).toBe(5)
    expect(error.message).toMatch(/^The hub on i-0123456789abcdef0 failed at kernels: conda could not solve r-sf\./)
    expect(error.message).toContain('r: unsatisfiable r-sf')
    expect(error.message).not.toContain('python:')
    expect(error.message).toContain('Last 20 lines of /arw/lab1/hub i-0123456789abcdef0/bootstrap:')
    expect(error.message).toContain('  line 1\n')
    expect(error.message).toContain('LibMambaUnsatisfiableError \\x1b[31mr-sf\\x1b[0m')
    expect(error.message).not.toContain('\u001b')
    expect(error.actions[0]).toBe('Read the whole log: aws-research-wizard jupyter logs lab1 --component bootstrap')
    const data = error.data as HubNotReadyData
    expect(data).toMatchObject({reason: 'failed', instanceId: INSTANCE, status: {phase: 'failed', failedStep: 'kernels'}})
    expect(data.logTail).toHaveLength(20)
    expect(logs.commandCalls(GetLogEventsCommand)[0]!.args[0].input).toEqual({
      logGroupName: '/arw/lab1/hub',
      logStreamName: `${INSTANCE}/bootstrap`,
      startFromHead: false,
      limit: 20,
    })
  })

  it('gives up at the deadline with the last status and the log tail', async () => {
    ssm
      .on(GetParameterCommand)
      .resolves(value({phase: 'configure', step: 'mounts', detail: 'mounting /data/1000genomes', instanceId: INSTANCE}))
    logs.on(GetLogEventsCommand).resolves({events: [{timestamp: 1, message: 'mount-s3: waiting for credentials'}]})
    const time = fakeTime()
    const start = time.now()
    const error = await failure(waitForHub({...base(), ...time, timeoutMs: 25_000}))
    expect(error.code).toBe(HUB_NOT_READY)
    expect(error.message).toContain('was not ready after 0 minutes (last status: mounting /data/1000genomes)')
    expect(error.message).toContain('  mount-s3: waiting for credentials')
    expect((error.data as HubNotReadyData).reason).toBe('timeout')
    // Bounded: it never sleeps past the deadline.
    expect(time.sleeps).toEqual([10_000, 10_000, 5_000])
    expect(time.now() - start).toBe(25_000)
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(4)
  })

  it('times out even if the parameter never appears, and says the log stream is missing', async () => {
    ssm.on(GetParameterCommand).rejects(notFound())
    logs
      .on(GetLogEventsCommand)
      .rejects(Object.assign(new Error('The specified log stream does not exist.'), {name: 'ResourceNotFoundException'}))
    const error = await failure(waitForHub({...base(), ...fakeTime(), timeoutMs: 60_000}))
    expect(error.message).toContain('last status: none reported')
    expect(error.message).toContain(`(bootstrap log: no stream ${INSTANCE}/bootstrap yet)`)
  })

  it('still reports the failure when the log tail cannot be read', async () => {
    ssm.on(GetParameterCommand).resolves(value({phase: 'failed', failedStep: 'users', message: 'home volume busy', instanceId: INSTANCE}))
    logs
      .on(GetLogEventsCommand)
      .rejects(Object.assign(new Error('not authorized to perform logs:GetLogEvents'), {name: 'AccessDeniedException'}))
    const error = await failure(waitForHub({...base(), ...fakeTime()}))
    expect(error.code).toBe(HUB_NOT_READY)
    expect(error.message).toContain('failed at users: home volume busy')
    expect(error.message).toContain('(bootstrap log: unavailable (AccessDeniedException: not authorized to perform logs:GetLogEvents))')
  })

  it('takes the log stream from the status when no instance id was given, and only a well-formed one', async () => {
    ssm.on(GetParameterCommand).resolves(value({phase: 'failed', failedStep: 'hub', message: 'x', instanceId: INSTANCE}))
    logs.on(GetLogEventsCommand).resolves({events: []})
    await failure(waitForHub({...base(), instanceId: undefined, ...fakeTime()}))
    expect(logs.commandCalls(GetLogEventsCommand)[0]!.args[0].input.logStreamName).toBe(`${INSTANCE}/bootstrap`)

    logs.reset()
    ssm.on(GetParameterCommand).resolves(value({phase: 'failed', failedStep: 'hub', message: 'x', instanceId: '../../other-stream'}))
    const error = await failure(waitForHub({...base(), instanceId: undefined, ...fakeTime()}))
    expect(logs.calls()).toHaveLength(0)
    expect(error.message).toContain('no instance id')
  })

  it('reports access denied on the parameter at once, with the permission to ask for', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(
        Object.assign(
          new Error('User: arn:aws:iam::123456789012:user/ada is not authorized to perform: ssm:GetParameter on resource: ...'),
          {name: 'AccessDeniedException'},
        ),
      )
    const time = fakeTime()
    const error = await failure(waitForHub({...base(), ...time}))
    expect(error.code).toBe('access-denied')
    expect(error.exitCode).toBe(4)
    expect(error.message).toContain("Access denied reading the hub's boot status /arw/lab1/boot-status (ssm:GetParameter)")
    expect(error.actions[0]).toContain('allow ssm:GetParameter on arn:aws:ssm:<region>:<account>:parameter/arw/lab1/boot-status')
    expect(time.sleeps).toEqual([])
    expect(ssm.calls()).toHaveLength(1)
  })

  it('maps other AWS errors through the shared catalogue (expired credentials, exit 4)', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('The security token included in the request is expired'), {name: 'ExpiredToken'}))
    const error = await failure(waitForHub({...base(), ...fakeTime()}))
    expect(error.code).toBe('credentials-expired')
  })

  it('stops when aborted (CloudFormation already failed the stack)', async () => {
    ssm.on(GetParameterCommand).resolves(value({phase: 'install', step: 'apt', instanceId: INSTANCE}))
    const controller = new AbortController()
    const promise = waitForHub({...base(), intervalMs: 5, signal: controller.signal})
    setTimeout(() => controller.abort(new Error('stack rolled back')), 20)
    await expect(promise).rejects.toThrow('stack rolled back')
  })
})
