import {cachedPrices} from '../pricing/prices.js'
import {SNAPSHOT_UNIT_PRICES as UNIT_PRICES, snapshotFactor} from '../pricing/snapshot.js'
import {describePriceSource, type PriceTable} from '../pricing/types.js'
import type {EnvironmentSpec} from './types.js'

export const HOURS_PER_MONTH = 730
/** A research hub used on working days: 8 h x 22 days. Auto-shutdown makes this the realistic bill. */
export const TYPICAL_ACTIVE_HOURS = 176

export interface CostLine {
  readonly item: string
  readonly detail: string
  readonly monthlyUsd: number
  /**
   * Set when the amount depends on use that is not known (e.g. a file system of unknown
   * size): the price per unit, shown instead of the $0 in monthlyUsd.
   */
  readonly unitPrice?: string
}

export interface CostEstimate {
  readonly hourlyUsd: number
  readonly lines: readonly CostLine[]
  /** Instance running 24/7. */
  readonly monthlyAlwaysOnUsd: number
  /** Instance running TYPICAL_ACTIVE_HOURS, stopped otherwise by auto-shutdown. */
  readonly monthlyTypicalUsd: number
  readonly assumptions: readonly string[]
  /** Where the prices came from: the AWS Price List (live or cached, with its date) or the bundled snapshot. */
  readonly priceSource: string
}

const round = (value: number) => Math.round(value * 100) / 100

/**
 * The monthly estimate of a spec at `prices`. Pure given the prices; by default they are
 * the Price List figures cached on this machine (dated), else the bundled snapshot, so a
 * plan never calls AWS and never waits.
 */
export function estimateCost(spec: EnvironmentSpec, prices: PriceTable = cachedPrices(spec.region, [spec.instance.type])): CostEstimate {
  const hourlyUsd = prices.instanceHourly[spec.instance.type] ?? 0
  const activeHours = spec.autoShutdown.idleMinutes > 0 ? TYPICAL_ACTIVE_HOURS : HOURS_PER_MONTH
  const fixed: CostLine[] = [
    {
      item: 'Root volume',
      detail: `${spec.instance.rootVolumeGiB} GiB gp3`,
      monthlyUsd: spec.instance.rootVolumeGiB * prices.gp3PerGiBMonth,
    },
    {
      item: 'Home volume',
      detail: `${spec.storage.homeVolumeGiB} GiB gp3, kept when stopped`,
      monthlyUsd: spec.storage.homeVolumeGiB * prices.gp3PerGiBMonth,
    },
  ]
  if (spec.storage.scratchGiB > 0)
    fixed.push({
      item: 'Scratch volume',
      detail: `${spec.storage.scratchGiB} GiB gp3`,
      monthlyUsd: spec.storage.scratchGiB * prices.gp3PerGiBMonth,
    })
  if (spec.storage.sharedFileSystem) {
    const perGiB = prices.efsStandardPerGiBMonth
    fixed.push(
      spec.storage.sharedEstimateGiB > 0
        ? {
            item: 'Shared file system',
            detail: `EFS, ${spec.storage.sharedEstimateGiB} GiB expected (pay per GiB stored)`,
            monthlyUsd: spec.storage.sharedEstimateGiB * perGiB,
          }
        : {
            item: 'Shared file system',
            detail: 'EFS, size not given (--shared-storage SIZE for an estimate)',
            monthlyUsd: 0,
            unitPrice: `$${perGiB.toFixed(2)}/GiB`,
          },
    )
  }
  if (spec.network.mode === 'new') {
    fixed.push({
      item: 'NAT gateway',
      detail: 'outbound internet for the private hub (plus $0.045/GB processed)',
      monthlyUsd: prices.natGatewayPerHour * HOURS_PER_MONTH,
    })
  }
  fixed.push({
    item: 'Monitoring',
    detail: 'detailed monitoring + idle alarm',
    monthlyUsd: UNIT_PRICES.detailedMonitoringPerInstanceMonth + UNIT_PRICES.alarmPerMonth,
  })
  const fixedTotal = fixed.reduce((sum, line) => sum + line.monthlyUsd, 0)
  const instanceLine = (hours: number): CostLine => ({
    item: 'Hub instance',
    detail: `${spec.instance.type} x ${hours} h`,
    monthlyUsd: hourlyUsd * hours,
  })
  return {
    hourlyUsd: round(hourlyUsd),
    lines: [instanceLine(activeHours), ...fixed].map((line) => ({...line, monthlyUsd: round(line.monthlyUsd)})),
    monthlyAlwaysOnUsd: round(hourlyUsd * HOURS_PER_MONTH + fixedTotal),
    monthlyTypicalUsd: round(hourlyUsd * activeHours + fixedTotal),
    assumptions: [
      prices.source === 'snapshot'
        ? `On-demand Linux prices from the bundled snapshot${snapshotFactor(spec.region) === 1 ? '' : `, x${snapshotFactor(spec.region)} for ${spec.region}`}.`
        : `On-demand Linux prices for ${spec.region} from the ${describePriceSource(prices)}.`,
      spec.autoShutdown.idleMinutes > 0
        ? `Typical use: ${TYPICAL_ACTIVE_HOURS} instance hours a month (8 h x 22 days), auto-shutdown after ${spec.autoShutdown.idleMinutes} idle minutes.`
        : 'Auto-shutdown is off: the instance runs all month.',
      spec.access === 'private'
        ? 'S3 requests and data transfer are usually a few dollars and are not included.'
        : 'CloudFront, Cognito (under 10,000 monthly users), S3 requests and data transfer are usually a few dollars and are not included.',
    ],
    priceSource: describePriceSource(prices),
  }
}
