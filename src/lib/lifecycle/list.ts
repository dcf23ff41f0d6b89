import type {AwsClients} from '../../aws/clients.js'
import {describeInstances, type EnvironmentRecord, type InstanceState, listEnvironments} from '../environments/discover.js'
import {attachedStorageGiB, type CurrentCost, currentCost, listingPrices} from '../pricing/current-cost.js'
import type {PriceTable} from '../pricing/types.js'

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
  /** What it costs an hour now: the instance while running, its volumes only while stopped (see cost.basis). */
  readonly hourlyUsd?: number
  readonly cost?: CurrentCost
}

/**
 * Environments in one region: one paginated DescribeStacks, one batched DescribeInstances
 * and, for stopped hubs, one DescribeVolumes, however many environments there are. Prices
 * come from the Price List (cached a week, bounded wait) or the bundled snapshot.
 */
export async function listRegion(
  clients: AwsClients,
  now = new Date(),
  onPriceFallback?: (reason: string) => void,
): Promise<EnvironmentSummary[]> {
  const environments = await listEnvironments(clients)
  const instances = await describeInstances(clients, environments.map((e) => e.outputs.instanceId ?? '').filter(Boolean))
  const stopped = [...instances.values()].filter((i) => i.state === 'stopped' || i.state === 'stopping').map((i) => i.instanceId)
  const storage = await attachedStorageGiB(clients, stopped)
  const types = environments.flatMap((e) => {
    const type = instances.get(e.outputs.instanceId ?? '')?.instanceType ?? e.outputs.instanceType
    return type ? [type] : []
  })
  const region = environments[0]?.region ?? clients.region ?? 'us-east-1'
  const prices = environments.length > 0 ? await listingPrices(clients, region, types, onPriceFallback) : undefined
  return environments.map((environment) => {
    const instance = instances.get(environment.outputs.instanceId ?? '')
    return summarize(environment, instance, instance ? storage.get(instance.instanceId) : undefined, prices, now)
  })
}

function summarize(
  environment: EnvironmentRecord,
  instance: InstanceState | undefined,
  storageGiB: number | undefined,
  prices: PriceTable | undefined,
  now: Date,
): EnvironmentSummary {
  const type = instance?.instanceType ?? environment.outputs.instanceType
  const cost = prices ? currentCost(instance, type, storageGiB, prices) : undefined
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
    ...(cost?.hourlyUsd === undefined ? {} : {hourlyUsd: cost.hourlyUsd}),
    ...(cost ? {cost} : {}),
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
