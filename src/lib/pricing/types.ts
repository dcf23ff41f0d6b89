/** Where a price came from, said in every plan and report that uses it. */
export type PriceSourceKind = 'price-list' | 'cache' | 'snapshot'

/** On-demand USD prices for one region: what an environment is billed by the hour and the GiB. */
export interface PriceTable {
  readonly region: string
  /** Linux on-demand USD/hour by instance type (only the types asked for). */
  readonly instanceHourly: Readonly<Record<string, number>>
  readonly gp3PerGiBMonth: number
  readonly efsStandardPerGiBMonth: number
  readonly natGatewayPerHour: number
  /** The source of the figures; a mix (some live, some from the snapshot) is named by the weakest one. */
  readonly source: PriceSourceKind
  /** When the AWS figures were read (ISO date); absent for the snapshot. */
  readonly fetchedAt?: string
}

/** One line for plans and reports: "AWS Price List (2026-11-24)", "bundled price snapshot". */
export function describePriceSource(table: Pick<PriceTable, 'source' | 'fetchedAt' | 'region'>): string {
  if (table.source === 'snapshot') return `bundled price snapshot (${table.region}, may differ from today's AWS prices)`
  const day = table.fetchedAt?.slice(0, 10) ?? 'unknown date'
  return table.source === 'price-list' ? `AWS Price List, read ${day}` : `AWS Price List, cached ${day}`
}
