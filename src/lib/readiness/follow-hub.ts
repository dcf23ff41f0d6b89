import type {CloudWatchLogsClient} from '@aws-sdk/client-cloudwatch-logs'
import type {CloudFormationClient} from '@aws-sdk/client-cloudformation'
import type {SSMClient} from '@aws-sdk/client-ssm'
import {hubLogGroupName} from '../../constructs/contract.js'
import {isWizardError} from '../../errors.js'
import type {BootStatus} from './boot-status.js'
import {defaultSleep as sleep, HUB_NOT_READY, type HubNotReadyData, waitForHub} from './wait-for-hub.js'

/** The clients following a hub needs (AwsClients provides them; tests pass mocks). */
export interface HubClients {
  readonly cloudFormation: Pick<CloudFormationClient, 'send'>
  readonly ssm: Pick<SSMClient, 'send'>
  readonly logs: Pick<CloudWatchLogsClient, 'send'>
}

export interface FollowHubOptions {
  readonly clients: HubClients
  readonly environmentName: string
  readonly stackName: string
  /** Logical id of the stack's AWS::EC2::Instance. */
  readonly instanceLogicalId: string
  /**
   * The instance the stack ran before this deploy. Its status says nothing about the new
   * one, so the watch starts only once the stack names another instance (a replacement).
   * @default - none: a create, any instance counts
   */
  readonly previousInstanceId?: string
  readonly timeoutMs: number
  readonly onStatus?: (status: BootStatus) => void
  readonly signal?: AbortSignal
  /** @default 10_000 */
  readonly intervalMs?: number
}

/** A watch on the hub's boot running alongside a deploy. */
export interface HubWatch {
  /** The instance being followed, once the stack names it. */
  readonly instanceId: () => string | undefined
  /** Settles with the ready status, or the hub-not-ready error; never rejects unobserved. */
  readonly result: Promise<{status?: BootStatus; error?: unknown}>
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/

/**
 * Follows the hub's boot while CloudFormation deploys: waits until the stack names the
 * hub instance (DescribeStackResource), then reads its boot status with waitForHub,
 * passing each new status to onStatus. Stops when `signal` aborts (the deploy failed).
 */
export function followHub(options: FollowHubOptions): HubWatch {
  let instanceId: string | undefined
  const interval = options.intervalMs ?? 10_000
  const deadline = Date.now() + options.timeoutMs
  const run = async (): Promise<BootStatus> => {
    const {DescribeStackResourceCommand} = await import('@aws-sdk/client-cloudformation')
    for (;;) {
      options.signal?.throwIfAborted()
      try {
        const {StackResourceDetail} = await options.clients.cloudFormation.send(
          new DescribeStackResourceCommand({StackName: options.stackName, LogicalResourceId: options.instanceLogicalId}),
        )
        const id = StackResourceDetail?.PhysicalResourceId
        if (id && INSTANCE_ID.test(id) && id !== options.previousInstanceId) {
          instanceId = id
          break
        }
      } catch {
        // The stack or the instance does not exist yet: keep looking until the deploy ends.
      }
      if (Date.now() >= deadline) throw new Error(`the stack named no new hub instance within ${options.timeoutMs} ms`)
      await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), options.signal)
    }
    return waitForHub({
      ssm: options.clients.ssm,
      logs: options.clients.logs,
      environmentName: options.environmentName,
      logGroup: hubLogGroupName(options.environmentName),
      instanceId,
      timeoutMs: Math.max(0, deadline - Date.now()),
      intervalMs: interval,
      ...(options.onStatus ? {onProgress: options.onStatus} : {}),
      ...(options.signal ? {signal: options.signal} : {}),
    })
  }
  return {
    instanceId: () => instanceId,
    result: run().then(
      (status) => ({status}),
      (error: unknown) => ({error}),
    ),
  }
}

/** True for the hub-not-ready error of a hub that reported `failed` (not a timeout). */
export function isHubFailure(error: unknown): boolean {
  return isWizardError(error) && error.code === HUB_NOT_READY && (error.data as HubNotReadyData | undefined)?.reason === 'failed'
}

/**
 * After CloudFormation failed: the hub's own report, when it says `failed`, explains the
 * failure better than the stack events (a CreationPolicy FAILURE signal). Reads the status
 * once; returns the hub-not-ready error to throw instead, or undefined.
 */
export async function hubFailureAfterDeployFailure(
  options: Pick<FollowHubOptions, 'clients' | 'environmentName'> & {readonly instanceId?: string; readonly previousInstanceId?: string},
): Promise<unknown> {
  try {
    const status = await waitForHub({
      ssm: options.clients.ssm,
      logs: options.clients.logs,
      environmentName: options.environmentName,
      logGroup: hubLogGroupName(options.environmentName),
      ...(options.instanceId ? {instanceId: options.instanceId} : {}),
      timeoutMs: 0,
    })
    void status
    return undefined
  } catch (error) {
    if (!isHubFailure(error)) return undefined
    // The old instance's failure (an update that never replaced it) is not this deploy's.
    const reported = (error as {data?: HubNotReadyData}).data?.status?.instanceId
    if (!options.instanceId && reported && reported === options.previousInstanceId) return undefined
    return error
  }
}
