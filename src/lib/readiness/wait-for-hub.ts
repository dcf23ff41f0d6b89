import type {CloudWatchLogsClient} from '@aws-sdk/client-cloudwatch-logs'
import type {SSMClient} from '@aws-sdk/client-ssm'
import {toAwsError} from '../../aws/errors.js'
import {bootStatusParameterName} from '../../constructs/contract.js'
import {ExitCode, WizardError} from '../../errors.js'
import {type BootStatus, failedKernels, formatBootStatus, parseBootStatus, sanitizeText} from './boot-status.js'

/** Error code of a hub that reported a failure or did not become ready in time (exit 5). */
export const HUB_NOT_READY = 'hub-not-ready'

export interface WaitForHubOptions {
  readonly ssm: Pick<SSMClient, 'send'>
  readonly logs: Pick<CloudWatchLogsClient, 'send'>
  /** The environment name: the status is read from `/arw/<name>/boot-status`. */
  readonly environmentName: string
  /** The stack's `LogGroup` output; the log tail comes from its `<instance>/bootstrap` stream. */
  readonly logGroup: string
  /**
   * The instance being waited for. Statuses written by another instance (the one an
   * update replaced) are ignored, so its old `ready` cannot end the wait early.
   * @default - any instance; the log tail uses the instance the status names
   */
  readonly instanceId?: string
  /** Give up after this long (use bootTimeoutMinutes(spec), the stack's signal timeout). */
  readonly timeoutMs: number
  /** @default 10_000 */
  readonly intervalMs?: number
  /** Called once for each status that differs from the last one reported. */
  readonly onProgress?: (status: BootStatus) => void
  /** Lines of the bootstrap log quoted in a failure. @default 20 */
  readonly logLines?: number
  /** Stops the wait (e.g. CloudFormation already failed); rejects with the signal's reason. */
  readonly signal?: AbortSignal
  /** Injectable for tests. @default Date.now */
  readonly now?: () => number
  /** Injectable for tests. @default a timer that honours `signal` */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export interface HubNotReadyData {
  readonly reason: 'failed' | 'timeout'
  readonly status?: BootStatus
  readonly instanceId?: string
  /** Last lines of `<instance>/bootstrap`, sanitized; empty when unavailable. */
  readonly logTail: readonly string[]
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/

/**
 * Waits until the hub reports `ready` in its boot-status parameter and returns that
 * status. Polls every `intervalMs` until `timeoutMs`, calling `onProgress` with each new
 * status. A parameter that does not exist yet, or still holds the placeholder, means
 * "keep waiting". Throws `hub-not-ready` (exit 5) when the hub reports `failed` or the
 * deadline passes, naming the step and quoting the end of the bootstrap log; an
 * access-denied error on the parameter is reported at once (exit 4).
 */
export async function waitForHub(options: WaitForHubOptions): Promise<BootStatus> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? defaultSleep
  const interval = options.intervalMs ?? 10_000
  const deadline = now() + options.timeoutMs
  const parameter = bootStatusParameterName(options.environmentName)
  const {GetParameterCommand} = await import('@aws-sdk/client-ssm')
  let last: BootStatus | undefined
  let lastKey = ''

  for (;;) {
    options.signal?.throwIfAborted()
    let raw: string | undefined
    try {
      const {Parameter} = await options.ssm.send(new GetParameterCommand({Name: parameter}))
      raw = Parameter?.Value
    } catch (error) {
      if ((error as {name?: string}).name !== 'ParameterNotFound') throw readError(error, parameter)
    }
    const status = raw === undefined ? undefined : parseBootStatus(raw)
    // Another instance's status (an update replaced the hub) says nothing about this one.
    const current = status && options.instanceId && status.instanceId && status.instanceId !== options.instanceId ? undefined : status
    if (current) {
      const key = JSON.stringify(current)
      if (key !== lastKey) {
        lastKey = key
        last = current
        options.onProgress?.(current)
      }
      if (current.phase === 'ready') return current
      if (current.phase === 'failed') throw await notReady(options, 'failed', current)
    }
    const remaining = deadline - now()
    if (remaining <= 0) throw await notReady(options, 'timeout', last)
    await sleep(Math.min(interval, remaining), options.signal)
  }
}

function readError(error: unknown, parameter: string): unknown {
  const name = (error as {name?: string}).name ?? ''
  if (['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation'].includes(name)) {
    return new WizardError({
      code: 'access-denied',
      message: `Access denied reading the hub's boot status ${parameter} (ssm:GetParameter): ${sanitizeText((error as Error).message ?? name, 300)}`,
      actions: [
        `Ask your AWS administrator to allow ssm:GetParameter on arn:aws:ssm:<region>:<account>:parameter${parameter} for your role or user.`,
      ],
      exitCode: ExitCode.credentials,
      cause: error,
      data: {action: 'ssm:GetParameter', parameter},
    })
  }
  return toAwsError(error)
}

async function notReady(options: WaitForHubOptions, reason: 'failed' | 'timeout', status: BootStatus | undefined): Promise<WizardError> {
  const instanceId = options.instanceId ?? status?.instanceId
  const stream = instanceId && INSTANCE_ID.test(instanceId) ? `${instanceId}/bootstrap` : undefined
  const tail = stream ? await logTail(options, stream) : {lines: [], note: 'no instance id: the hub never reported one'}
  const minutes = Math.round(options.timeoutMs / 60_000)
  const headline =
    reason === 'failed'
      ? `The hub${instanceId ? ` on ${instanceId}` : ''} ${formatBootStatus(status!)}.`
      : `The hub${instanceId ? ` on ${instanceId}` : ''} was not ready after ${minutes} minutes (last status: ${
          status ? formatBootStatus(status) : 'none reported'
        }).`
  const kernels = status ? failedKernels(status) : []
  const body = [
    headline,
    ...(kernels.length > 0 ? ['Kernels that failed:', ...kernels.map((k) => `  ${k}`)] : []),
    tail.lines.length > 0
      ? `Last ${tail.lines.length} lines of ${options.logGroup} ${stream}:\n${tail.lines.map((l) => `  ${l}`).join('\n')}`
      : `(bootstrap log: ${tail.note})`,
  ]
  const envName = options.environmentName
  return new WizardError({
    code: HUB_NOT_READY,
    message: body.join('\n'),
    actions: [
      `Read the whole log: aws-research-wizard jupyter logs ${envName} --component bootstrap`,
      reason === 'failed'
        ? 'Fix the step named above (often a package that does not resolve in the pack) and deploy again.'
        : `If the install is only slow, check progress with: aws-research-wizard jupyter status ${envName}`,
    ],
    exitCode: ExitCode.deployFailed,
    data: {reason, status, instanceId, logTail: tail.lines} satisfies HubNotReadyData,
  })
}

/** The newest `limit` events of a stream, oldest first, sanitized. Never throws: the failure matters more. */
async function logTail(options: WaitForHubOptions, stream: string): Promise<{lines: string[]; note: string}> {
  const limit = options.logLines ?? 20
  try {
    const {GetLogEventsCommand} = await import('@aws-sdk/client-cloudwatch-logs')
    const {events = []} = await options.logs.send(
      new GetLogEventsCommand({logGroupName: options.logGroup, logStreamName: stream, startFromHead: false, limit}),
    )
    const lines = events
      .slice(-limit)
      .flatMap((e) => (e.message ?? '').replace(/\n$/, '').split('\n'))
      .slice(-limit)
      .map((line) => sanitizeText(line, 500))
    return {lines, note: lines.length === 0 ? 'the stream is empty' : ''}
  } catch (error) {
    const name = (error as {name?: string}).name ?? 'Error'
    if (name === 'ResourceNotFoundException') return {lines: [], note: `no stream ${stream} yet`}
    return {lines: [], note: `unavailable (${sanitizeText(name, 80)}: ${sanitizeText((error as Error).message ?? '', 200)})`}
  }
}

/** A sleep that an AbortSignal cuts short, rejecting with the signal's reason. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, {once: true})
  })
}
