import type {AwsClients} from '../../aws/clients.js'
import {hourlyPrice, lookupInstanceType} from '../../catalogue/instance-types.js'
import {describeInstances, type EnvironmentRecord, listEnvironments} from '../environments/discover.js'

export interface EnvironmentSummary {
  readonly name: string
  readonly region: string
  readonly domain?: string
  readonly owner?: string
  readonly stackStatus: string
  readonly instanceState?: string
  readonly instanceType?: string
  readonly users?: number
  readonly uptimeHours?: number
  readonly url?: string
  readonly hourlyUsd?: number
}

/**
 * Environments in one region: one paginated DescribeStacks and one batched
 * DescribeInstances, however many environments there are.
 */
export async function listRegion(clients: AwsClients, now = new Date()): Promise<EnvironmentSummary[]> {
  const environments = await listEnvironments(clients)
  const instances = await describeInstances(clients, environments.map((e) => e.outputs.instanceId ?? '').filter(Boolean))
  return environments.map((environment) => summarize(environment, instances.get(environment.outputs.instanceId ?? ''), now))
}

function summarize(
  environment: EnvironmentRecord,
  instance: {state: string; instanceType?: string; launchTime?: string} | undefined,
  now: Date,
): EnvironmentSummary {
  const type = instance?.instanceType ?? environment.outputs.instanceType
  const info = type ? lookupInstanceType(type) : undefined
  return {
    name: environment.name,
    region: environment.region,
    domain: environment.domain,
    owner: environment.owner,
    stackStatus: environment.stackStatus,
    ...(instance ? {instanceState: instance.state} : {}),
    ...(type ? {instanceType: type} : {}),
    ...(environment.outputs.users ? {users: Number(environment.outputs.users)} : {}),
    ...(instance?.state === 'running' && instance.launchTime
      ? {uptimeHours: Math.round(((now.getTime() - new Date(instance.launchTime).getTime()) / 3600_000) * 10) / 10}
      : {}),
    ...(environment.outputs.hubUrl ? {url: environment.outputs.hubUrl} : {}),
    ...(info ? {hourlyUsd: Math.round(hourlyPrice(info, environment.region) * 100) / 100} : {}),
  }
}

/** Regions enabled for the account (one DescribeRegions call). */
export async function enabledRegions(clients: AwsClients): Promise<string[]> {
  const {DescribeRegionsCommand} = await import('@aws-sdk/client-ec2')
  const {Regions = []} = await (await clients.ec2()).send(new DescribeRegionsCommand({}))
  return Regions.map((r) => r.RegionName ?? '')
    .filter(Boolean)
    .sort()
}
