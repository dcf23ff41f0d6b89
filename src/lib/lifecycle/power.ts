import type {AwsClients} from '../../aws/clients.js'
import {ExitCode, WizardError} from '../../errors.js'
import {describeInstances, type EnvironmentRecord} from '../environments/discover.js'

export interface PowerResult {
  readonly name: string
  readonly instanceId: string
  readonly previousState: string
  readonly state: string
  readonly changed: boolean
}

export interface PowerOptions {
  /** Longest wait for the instance to settle. */
  readonly maxWaitSeconds?: number
  /** Shortest pause between state checks. */
  readonly pollSeconds?: number
  readonly onProgress?: (line: string) => void
}

function instanceIdOf(environment: EnvironmentRecord): string {
  const id = environment.outputs.instanceId
  if (!id) {
    throw new WizardError({
      code: 'no-instance',
      message: `Environment ${environment.name} has no hub instance (stack status ${environment.stackStatus}).`,
      actions: [`Check it with: aws-research-wizard jupyter status ${environment.name}`],
      exitCode: ExitCode.failure,
    })
  }
  return id
}

/** Stops the hub instance; volumes, file systems and buckets are untouched. Idempotent. */
export async function stopEnvironment(
  clients: AwsClients,
  environment: EnvironmentRecord,
  options: PowerOptions = {},
): Promise<PowerResult> {
  const instanceId = instanceIdOf(environment)
  const before = (await describeInstances(clients, [instanceId])).get(instanceId)?.state ?? 'unknown'
  if (before === 'stopped') return {name: environment.name, instanceId, previousState: before, state: before, changed: false}
  if (before === 'terminated' || before === 'shutting-down' || before === 'unknown') {
    throw new WizardError({
      code: 'instance-gone',
      message: `The hub instance ${instanceId} is ${before}.`,
      actions: ['Redeploy the environment to get a new hub instance; /home is kept on its own volume.'],
      exitCode: ExitCode.failure,
    })
  }
  const {StopInstancesCommand, waitUntilInstanceStopped} = await import('@aws-sdk/client-ec2')
  const client = await clients.ec2()
  if (before !== 'stopping') {
    options.onProgress?.(`stopping ${instanceId}`)
    await client.send(new StopInstancesCommand({InstanceIds: [instanceId]}))
  }
  await waitFor(
    'stopped',
    () =>
      waitUntilInstanceStopped(
        {
          client,
          maxWaitTime: options.maxWaitSeconds ?? 600,
          minDelay: options.pollSeconds ?? 5,
          maxDelay: Math.max(options.pollSeconds ?? 5, 15),
        },
        {InstanceIds: [instanceId]},
      ),
    instanceId,
    options,
  )
  return {name: environment.name, instanceId, previousState: before, state: 'stopped', changed: true}
}

/** Starts the hub instance. Idempotent. */
export async function startEnvironment(
  clients: AwsClients,
  environment: EnvironmentRecord,
  options: PowerOptions = {},
): Promise<PowerResult> {
  const instanceId = instanceIdOf(environment)
  const before = (await describeInstances(clients, [instanceId])).get(instanceId)?.state ?? 'unknown'
  if (before === 'running') return {name: environment.name, instanceId, previousState: before, state: before, changed: false}
  if (before === 'terminated' || before === 'shutting-down' || before === 'unknown') {
    throw new WizardError({
      code: 'instance-gone',
      message: `The hub instance ${instanceId} is ${before}.`,
      actions: ['Redeploy the environment to get a new hub instance; /home is kept on its own volume.'],
      exitCode: ExitCode.failure,
    })
  }
  const {StartInstancesCommand, waitUntilInstanceStopped, waitUntilInstanceRunning} = await import('@aws-sdk/client-ec2')
  const client = await clients.ec2()
  if (before === 'stopping') {
    // EC2 refuses to start an instance that is still stopping.
    options.onProgress?.(`waiting for ${instanceId} to finish stopping`)
    await waitFor(
      'stopped',
      () =>
        waitUntilInstanceStopped(
          {
            client,
            maxWaitTime: options.maxWaitSeconds ?? 600,
            minDelay: options.pollSeconds ?? 5,
            maxDelay: Math.max(options.pollSeconds ?? 5, 15),
          },
          {InstanceIds: [instanceId]},
        ),
      instanceId,
      options,
    )
  }
  if (before !== 'pending') {
    options.onProgress?.(`starting ${instanceId}`)
    await client.send(new StartInstancesCommand({InstanceIds: [instanceId]}))
  }
  await waitFor(
    'running',
    () =>
      waitUntilInstanceRunning(
        {
          client,
          maxWaitTime: options.maxWaitSeconds ?? 600,
          minDelay: options.pollSeconds ?? 5,
          maxDelay: Math.max(options.pollSeconds ?? 5, 15),
        },
        {InstanceIds: [instanceId]},
      ),
    instanceId,
    options,
  )
  return {name: environment.name, instanceId, previousState: before, state: 'running', changed: true}
}

async function waitFor(
  target: string,
  wait: () => Promise<{state: string; reason?: unknown}>,
  instanceId: string,
  options: PowerOptions,
): Promise<void> {
  options.onProgress?.(`waiting for ${instanceId} to be ${target}`)
  const result = await wait().catch((error: Error) => ({
    state: error.name === 'TimeoutError' || /timed? ?out/i.test(error.message) ? 'TIMEOUT' : 'FAILURE',
    reason: error,
  }))
  if (result.state === 'SUCCESS') return
  if (result.state === 'TIMEOUT' || result.state === 'RETRY') {
    throw new WizardError({
      code: 'instance-stuck',
      message: `Instance ${instanceId} did not become ${target} within ${options.maxWaitSeconds ?? 600} seconds.`,
      actions: [
        `Check it in the EC2 console or with: aws ec2 describe-instances --instance-ids ${instanceId}`,
        target === 'stopped'
          ? `If it stays stopping, force it: aws ec2 stop-instances --force --instance-ids ${instanceId}`
          : 'Retry the command; capacity problems show in the instance state reason.',
      ],
      exitCode: ExitCode.failure,
    })
  }
  throw new WizardError({
    code: 'instance-state-failed',
    message: `Instance ${instanceId} could not reach ${target}: ${String((result.reason as Error | undefined)?.message ?? result.reason ?? result.state)}`,
    actions: ['Check the instance state reason in the EC2 console.'],
    exitCode: ExitCode.failure,
  })
}
