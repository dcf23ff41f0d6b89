import type {AwsClients} from '../../aws/clients.js'
import {HOURS_PER_MONTH} from '../spec/estimate.js'
import type {InstanceState} from '../environments/discover.js'
import {resolvePrices} from './prices.js'
import {describePriceSource, type PriceTable} from './types.js'

/** What an environment costs now: the instance's price while it runs, its volumes' while it is stopped. */
export interface CurrentCost {
  /** USD per hour now: instance on-demand price when running, storage only when stopped. */
  readonly hourlyUsd?: number
  /** `instance`: the instance's price (running or starting); `storage`: stopped, volumes only. */
  readonly basis: 'instance' | 'storage'
  /** EBS volumes attached to the hub (root, home, scratch), when stopped. */
  readonly storageGiB?: number
  readonly storageMonthlyUsd?: number
  readonly priceSource: string
}

/** GiB of the EBS volumes attached to each instance: one DescribeVolumes for all of them. */
export async function attachedStorageGiB(clients: AwsClients, instanceIds: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>()
  const ids = [...new Set(instanceIds.filter(Boolean))]
  if (ids.length === 0) return sizes
  const {paginateDescribeVolumes} = await import('@aws-sdk/client-ec2')
  const client = await clients.ec2()
  for (let i = 0; i < ids.length; i += 199) {
    for await (const page of paginateDescribeVolumes(
      {client},
      {Filters: [{Name: 'attachment.instance-id', Values: ids.slice(i, i + 199)}]},
    )) {
      for (const volume of page?.Volumes ?? []) {
        const owner = volume.Attachments?.[0]?.InstanceId
        if (owner) sizes.set(owner, (sizes.get(owner) ?? 0) + (volume.Size ?? 0))
      }
    }
  }
  return sizes
}

/** Prices for the types a listing shows: the Price List (bounded, cached), else the snapshot. */
export function listingPrices(
  clients: AwsClients,
  region: string,
  types: readonly string[],
  onFallback?: (reason: string) => void,
): Promise<PriceTable> {
  return resolvePrices({region, instanceTypes: types, clients, timeoutMs: 5000, ...(onFallback ? {onFallback} : {})})
}

const cents = (usd: number) => Math.round(usd * 100) / 100

/** The cost now of one environment from its instance state, attached storage and prices. */
export function currentCost(
  instance: InstanceState | undefined,
  type: string | undefined,
  storageGiB: number | undefined,
  prices: PriceTable,
): CurrentCost {
  const priceSource = describePriceSource(prices)
  if (instance && (instance.state === 'stopped' || instance.state === 'stopping')) {
    if (storageGiB === undefined) return {basis: 'storage', priceSource}
    const monthly = storageGiB * prices.gp3PerGiBMonth
    return {
      basis: 'storage',
      storageGiB,
      storageMonthlyUsd: cents(monthly),
      hourlyUsd: Math.round((monthly / HOURS_PER_MONTH) * 1000) / 1000,
      priceSource,
    }
  }
  const hourly = type ? prices.instanceHourly[type] : undefined
  return {basis: 'instance', ...(hourly === undefined ? {} : {hourlyUsd: cents(hourly)}), priceSource}
}
