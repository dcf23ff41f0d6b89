import type {Stack} from '@aws-sdk/client-cloudformation'
import type {Instance} from '@aws-sdk/client-ec2'
import type {AwsClients} from '../../aws/clients.js'
import {OUTPUTS, TAG_KEYS} from '../../constructs/contract.js'
import {ExitCode, WizardError} from '../../errors.js'

/** An environment as CloudFormation knows it: the stack is the only record. */
export interface EnvironmentRecord {
  readonly name: string
  readonly stackName: string
  readonly stackId?: string
  readonly stackStatus: string
  readonly stackStatusReason?: string
  readonly domain?: string
  readonly owner?: string
  readonly region: string
  readonly createdAt?: string
  readonly updatedAt?: string
  readonly outputs: Readonly<Partial<Record<keyof typeof OUTPUTS, string>>>
}

export interface InstanceState {
  readonly instanceId: string
  readonly state: string
  readonly instanceType?: string
  readonly launchTime?: string
}

export const stackNameFor = (name: string) => `arw-${name}`

const OUTPUT_BY_KEY = Object.fromEntries(Object.entries(OUTPUTS).map(([field, key]) => [key, field])) as Record<
  string,
  keyof typeof OUTPUTS
>

export function recordFromStack(stack: Stack, region: string): EnvironmentRecord | undefined {
  const tags = Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key, t.Value]))
  const name = tags[TAG_KEYS.environment]
  if (!name) return undefined
  const outputs: Partial<Record<keyof typeof OUTPUTS, string>> = {}
  for (const output of stack.Outputs ?? []) {
    const field = output.OutputKey ? OUTPUT_BY_KEY[output.OutputKey] : undefined
    if (field && output.OutputValue !== undefined) outputs[field] = output.OutputValue
  }
  return {
    name,
    stackName: stack.StackName ?? stackNameFor(name),
    stackId: stack.StackId,
    stackStatus: stack.StackStatus ?? 'UNKNOWN',
    ...(stack.StackStatusReason ? {stackStatusReason: stack.StackStatusReason} : {}),
    domain: tags[TAG_KEYS.domain],
    owner: tags[TAG_KEYS.owner],
    region,
    createdAt: stack.CreationTime?.toISOString(),
    updatedAt: stack.LastUpdatedTime?.toISOString(),
    outputs,
  }
}

/** Every environment in the client's region: one paginated DescribeStacks, filtered by our tag. */
export async function listEnvironments(clients: AwsClients): Promise<EnvironmentRecord[]> {
  const {paginateDescribeStacks} = await import('@aws-sdk/client-cloudformation')
  const client = await clients.cloudFormation()
  const region = await client.config.region()
  const records: EnvironmentRecord[] = []
  for await (const page of paginateDescribeStacks({client}, {})) {
    for (const stack of page.Stacks ?? []) {
      const record = recordFromStack(stack, region)
      if (record) records.push(record)
    }
  }
  return records.sort((a, b) => a.name.localeCompare(b.name))
}

/** One environment by name, or a coded "not found" error listing what exists. */
export async function getEnvironment(clients: AwsClients, name: string): Promise<EnvironmentRecord> {
  const {DescribeStacksCommand} = await import('@aws-sdk/client-cloudformation')
  const client = await clients.cloudFormation()
  const region = await client.config.region()
  try {
    const {Stacks = []} = await client.send(new DescribeStacksCommand({StackName: stackNameFor(name)}))
    const record = Stacks[0] ? recordFromStack(Stacks[0], region) : undefined
    if (record) return record
  } catch (error) {
    if (!/does not exist/i.test((error as Error).message)) throw error
  }
  throw new WizardError({
    code: 'environment-not-found',
    message: `No environment named "${name}" in ${region}.`,
    actions: [
      `List environments with: aws-research-wizard jupyter list --region ${region} (or --all-regions).`,
      'Check --region and --profile.',
    ],
    exitCode: ExitCode.failure,
  })
}

/** Instance states for many environments in as few DescribeInstances calls as possible. */
export async function describeInstances(clients: AwsClients, instanceIds: readonly string[]): Promise<Map<string, InstanceState>> {
  const states = new Map<string, InstanceState>()
  const ids = [...new Set(instanceIds.filter(Boolean))]
  if (ids.length === 0) return states
  const {paginateDescribeInstances} = await import('@aws-sdk/client-ec2')
  const client = await clients.ec2()
  // Filtering by instance-id (rather than InstanceIds) tolerates ids that no longer exist.
  for (let i = 0; i < ids.length; i += 199) {
    const batch = ids.slice(i, i + 199)
    for await (const page of paginateDescribeInstances({client, pageSize: 1000}, {Filters: [{Name: 'instance-id', Values: batch}]})) {
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) states.set(instance.InstanceId ?? '', toInstanceState(instance))
      }
    }
  }
  return states
}

function toInstanceState(instance: Instance): InstanceState {
  return {
    instanceId: instance.InstanceId ?? '',
    state: instance.State?.Name ?? 'unknown',
    instanceType: instance.InstanceType,
    launchTime: instance.LaunchTime?.toISOString(),
  }
}
