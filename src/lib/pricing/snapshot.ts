import {hourlyPrice, lookupInstanceType, REGION_PRICE_FACTOR} from '../../catalogue/instance-types.js'
import type {PriceTable} from './types.js'

/**
 * us-east-1 list prices (USD) of the bundled snapshot for the non-instance parts of an
 * environment: the one copy plans, `data list` and the offline fallback all read.
 */
export const SNAPSHOT_UNIT_PRICES = {
  gp3PerGiBMonth: 0.08,
  efsStandardPerGiBMonth: 0.3,
  natGatewayPerHour: 0.045,
  detailedMonitoringPerInstanceMonth: 2.1,
  alarmPerMonth: 0.1,
  snapshotPerGiBMonth: 0.05,
} as const

/** The regional factor the snapshot applies outside us-east-1. */
export function snapshotFactor(region: string): number {
  return REGION_PRICE_FACTOR[region] ?? 1.15
}

/** Prices from the bundled snapshot: no network, always available. Unknown types are left out. */
export function snapshotPrices(region: string, instanceTypes: readonly string[] = []): PriceTable {
  const factor = snapshotFactor(region)
  const instanceHourly: Record<string, number> = {}
  for (const type of instanceTypes) {
    const info = lookupInstanceType(type)
    if (info) instanceHourly[type] = hourlyPrice(info, region)
  }
  return {
    region,
    instanceHourly,
    gp3PerGiBMonth: SNAPSHOT_UNIT_PRICES.gp3PerGiBMonth * factor,
    efsStandardPerGiBMonth: SNAPSHOT_UNIT_PRICES.efsStandardPerGiBMonth * factor,
    natGatewayPerHour: SNAPSHOT_UNIT_PRICES.natGatewayPerHour * factor,
    source: 'snapshot',
  }
}
