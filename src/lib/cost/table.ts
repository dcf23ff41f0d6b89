import type {CostCell} from './cost-explorer.js'
import {centsToUsd, sumCents} from './money.js'
import {daysOf, type ReportPeriod} from './period.js'

/** One row of the report: a group (environment, service, user or domain) and its amount per column. */
export interface CostRow {
  readonly key: string
  readonly cents: readonly number[]
  readonly totalCents: number
  readonly totalUsd: number
}

export interface CostTable {
  /** Column labels: days (YYYY-MM-DD) or months (YYYY-MM). */
  readonly columns: readonly string[]
  /** Largest total first. */
  readonly rows: readonly CostRow[]
  /** Per column, the sum of the rows' cents (so every column adds up exactly). */
  readonly columnTotalsCents: readonly number[]
  readonly totalCents: number
  readonly totalUsd: number
  /** Some figure in the table is still marked estimated by Cost Explorer (the month is open). */
  readonly includesEstimated: boolean
}

/** The columns of a period: every day, or every month it touches. */
export function columnsOf(period: ReportPeriod, granularity: 'daily' | 'monthly'): string[] {
  const days = daysOf(period)
  return granularity === 'daily' ? days : [...new Set(days.map((day) => day.slice(0, 7)))]
}

/**
 * Lays cells out as rows x columns in integer cents. Row totals are sums of their cells
 * and the grand total is the sum of the row totals: nothing is rounded after the cells.
 */
export function tabulate(cells: readonly CostCell[], columns: readonly string[], granularity: 'daily' | 'monthly'): CostTable {
  const index = new Map(columns.map((column, i) => [column, i]))
  const byKey = new Map<string, number[]>()
  let includesEstimated = false
  for (const cell of cells) {
    const column = index.get(granularity === 'daily' ? cell.period : cell.period.slice(0, 7))
    if (column === undefined) continue
    const key = cell.keys.join(' / ') || 'total'
    const row = byKey.get(key) ?? columns.map(() => 0)
    row[column]! += cell.cents
    byKey.set(key, row)
    includesEstimated ||= cell.estimated
  }
  const rows = [...byKey]
    .map(([key, cents]) => {
      const totalCents = sumCents(cents)
      return {key, cents, totalCents, totalUsd: centsToUsd(totalCents)}
    })
    .filter((row) => row.cents.some((c) => c !== 0))
    .sort((a, b) => b.totalCents - a.totalCents || a.key.localeCompare(b.key))
  const columnTotalsCents = columns.map((_, i) => sumCents(rows.map((row) => row.cents[i]!)))
  const totalCents = sumCents(rows.map((row) => row.totalCents))
  return {columns, rows, columnTotalsCents, totalCents, totalUsd: centsToUsd(totalCents), includesEstimated}
}
