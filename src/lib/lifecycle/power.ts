import type {EC2Client} from '@aws-sdk/client-ec2'
import type {AwsClients} from '../../aws/clients.js'
import {ExitCode, WizardError} from '../../errors.js'
import {hourlyPrice, lookupInstanceType} from '../../catalogue/instance-types.js'
import {describeInstances, type EnvironmentRecord, getEnvironment} from '../environments/discover.js'

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

type Settled = 'stopped' | 'running'

/** The instance of an environment and its current state; fails if there is none to act on. */
async function currentInstance(clients: AwsClients, environment: EnvironmentRecord): Promise<{instanceId: string; state: string}> {
  const instanceId = environment.outputs.instanceId
  if (!instanceId) {
    throw new WizardError({
      code: 'no-instance',
      message: `Environment ${environment.name} has no hub instance (stack status ${environment.stackStatus}).`,
      actions: [`Check it with: aws-research-wizard jupyter status ${environment.name}`],
      exitCode: ExitCode.failure,
    })
  }
  const state = (await describeInstances(clients, [instanceId])).get(instanceId)?.state ?? 'unknown'
  if (state === 'terminated' || state === 'shutting-down' || state === 'unknown') {
    throw new WizardError({
      code: 'instance-gone',
      message: `The hub instance ${instanceId} is ${state}.`,
      actions: ['Redeploy the environment to get a new hub instance; /home is kept on its own volume.'],
      exitCode: ExitCode.failure,
    })
  }
  return {instanceId, state}
}

async function waitUntil(client: EC2Client, target: Settled, instanceId: string, options: PowerOptions): Promise<void> {
  const {waitUntilInstanceRunning, waitUntilInstanceStopped} = await import('@aws-sdk/client-ec2')
  const waiter = target === 'stopped' ? waitUntilInstanceStopped : waitUntilInstanceRunning
  const poll = options.pollSeconds ?? 5
  const maxWaitTime = options.maxWaitSeconds ?? 600
  options.onProgress?.(`waiting for ${instanceId} to be ${target}`)
  const result = await waiter({client, maxWaitTime, minDelay: poll, maxDelay: Math.max(poll, 15)}, {InstanceIds: [instanceId]}).catch(
    (error: Error) => ({
      state: error.name === 'TimeoutError' || /timed? ?out/i.test(error.message) ? 'TIMEOUT' : 'FAILURE',
      reason: error,
    }),
  )
  if (result.state === 'SUCCESS') return
  if (result.state === 'TIMEOUT' || result.state === 'RETRY') {
    throw new WizardError({
      code: 'instance-stuck',
      message: `Instance ${instanceId} did not become ${target} within ${maxWaitTime} seconds.`,
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

/** Stops the hub instance; volumes, file systems and buckets are untouched. Idempotent. */
export async function stopEnvironment(
  clients: AwsClients,
  environment: EnvironmentRecord,
  options: PowerOptions = {},
): Promise<PowerResult> {
  const {instanceId, state: before} = await currentInstance(clients, environment)
  if (before === 'stopped') return {name: environment.name, instanceId, previousState: before, state: before, changed: false}
  const {StopInstancesCommand} = await import('@aws-sdk/client-ec2')
  const client = await clients.ec2()
  if (before !== 'stopping') {
    options.onProgress?.(`stopping ${instanceId}`)
    await client.send(new StopInstancesCommand({InstanceIds: [instanceId]}))
  }
  await waitUntil(client, 'stopped', instanceId, options)
  return {name: environment.name, instanceId, previousState: before, state: 'stopped', changed: true}
}

/** Starts the hub instance. Idempotent. */
export async function startEnvironment(
  clients: AwsClients,
  environment: EnvironmentRecord,
  options: PowerOptions = {},
): Promise<PowerResult> {
  const {instanceId, state: before} = await currentInstance(clients, environment)
  if (before === 'running') return {name: environment.name, instanceId, previousState: before, state: before, changed: false}
  const {StartInstancesCommand} = await import('@aws-sdk/client-ec2')
  const client = await clients.ec2()
  // EC2 refuses to start an instance that is still stopping.
  if (before === 'stopping') await waitUntil(client, 'stopped', instanceId, options)
  if (before !== 'pending') {
    options.onProgress?.(`starting ${instanceId}`)
    await client.send(new StartInstancesCommand({InstanceIds: [instanceId]}))
  }
  await waitUntil(client, 'running', instanceId, options)
  return {name: environment.name, instanceId, previousState: before, state: 'running', changed: true}
}

/** Brings an environment (by name) to `target`; the shared body of `jupyter stop` and `start`. */
export async function setPower(clients: AwsClients, name: string, target: Settled, options: PowerOptions = {}): Promise<PowerResult> {
  const environment = await getEnvironment(clients, name)
  return target === 'stopped' ? stopEnvironment(clients, environment, options) : startEnvironment(clients, environment, options)
}

/** What starting an environment bills: its instance type and hourly price (from the stack outputs). */
export function runningCost(environment: EnvironmentRecord): string {
  const type = environment.outputs.instanceType
  const info = type ? lookupInstanceType(type) : undefined
  const price = info ? `about $${hourlyPrice(info, environment.region).toFixed(2)}/hour while it runs` : 'billed per hour while it runs'
  return `${environment.name}: ${type ?? 'hub instance'}, ${price}`
}

/** The environments named, all looked up before any is changed (a typo fails the whole command). */
export async function findEnvironments(clients: AwsClients, names: readonly string[]): Promise<EnvironmentRecord[]> {
  const unique = [...new Set(names)]
  return Promise.all(unique.map((name) => getEnvironment(clients, name)))
}
