import type {InstanceState} from '../environments/discover.js'
import type {PriceTable} from '../pricing/types.js'
import {toCents} from './money.js'

/** What a running hub has cost since Cost Explorer's last figure for it: an estimate. */
export interface LiveEstimateLine {
  readonly environment: string
  readonly instanceType: string
  /** Start of the estimated span (ISO): Cost Explorer's last data point or the launch, the later. */
  readonly since: string
  readonly hours: number
  readonly hourlyUsd: number
  readonly cents: number
}

/**
 * Instance hours not yet in Cost Explorer: for each running hub, the hours from the later
 * of its launch and the end of Cost Explorer's last figure for it, times its on-demand
 * price. Stopped hubs add nothing here (their storage is in Cost Explorer's daily figures).
 */
export function liveEstimate(
  hubs: ReadonlyArray<{environment: string; instance?: InstanceState}>,
  dataEnd: (environment: string) => string,
  prices: PriceTable,
  now: Date,
): LiveEstimateLine[] {
  const lines: LiveEstimateLine[] = []
  for (const {environment, instance} of hubs) {
    if (instance?.state !== 'running' || !instance.instanceType) continue
    const hourlyUsd = prices.instanceHourly[instance.instanceType]
    if (hourlyUsd === undefined) continue
    const from = Math.max(Date.parse(dataEnd(environment)), instance.launchTime ? Date.parse(instance.launchTime) : 0)
    const hours = Math.max(0, (now.getTime() - from) / 3600_000)
    if (hours <= 0) continue
    lines.push({
      environment,
      instanceType: instance.instanceType,
      since: new Date(from).toISOString(),
      hours: Math.round(hours * 100) / 100,
      hourlyUsd,
      cents: toCents(hours * hourlyUsd),
    })
  }
  return lines
}
