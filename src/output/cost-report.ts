import type {CostReportResult} from '../lib/cost/report.js'
import {escapeControl} from './sanitize.js'
import {formatUsd, renderTable} from './table.js'

const BLOCKS = '▁▂▃▄▅▆▇█'

/** A one-line chart of amounts (cents): the lowest bar for zero, the tallest for the maximum. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values)
  return values.map((v) => (max <= 0 || v <= 0 ? BLOCKS[0] : BLOCKS[Math.min(7, Math.ceil((v / max) * 7))])).join('')
}

const usd = (cents: number) => formatUsd(cents / 100)
const GROUP_TITLE = {environment: 'ENVIRONMENT', service: 'SERVICE', user: 'USER', domain: 'DOMAIN'} as const
const METRIC = {UnblendedCost: 'unblended', AmortizedCost: 'amortised'} as const

/** The human report: a table of actual spend with a daily chart, then estimate, forecast and budgets. */
export function renderCostReport(report: CostReportResult): string {
  const {actual} = report
  const lines: string[] = []
  const scope = report.environments.length > 0 ? report.environments.map((e) => escapeControl(e)).join(', ') : 'every environment'
  lines.push(
    `Actual spend (Cost Explorer, ${METRIC[report.metric]}) of ${scope}, ${report.period.start} to ${report.period.last}, ${report.granularity}:`,
  )
  if (actual.rows.length === 0) {
    lines.push('  Cost Explorer has no costs for this period and tag.')
  } else {
    const monthly = report.granularity === 'monthly'
    const head = [GROUP_TITLE[report.groupBy], ...(monthly ? actual.columns : []), 'TOTAL', 'SHARE', ...(monthly ? [] : ['DAILY'])]
    const share = (cents: number) => (actual.totalCents === 0 ? '-' : `${Math.round((cents / actual.totalCents) * 100)}%`)
    const rows = actual.rows.map((row) => [
      escapeControl(row.key || '(no tag value)'),
      ...(monthly ? row.cents.map(usd) : []),
      usd(row.totalCents),
      share(row.totalCents),
      ...(monthly ? [] : [sparkline(row.cents)]),
    ])
    rows.push([
      'TOTAL',
      ...(monthly ? actual.columnTotalsCents.map(usd) : []),
      usd(actual.totalCents),
      '',
      ...(monthly ? [] : [sparkline(actual.columnTotalsCents)]),
    ])
    lines.push(indent(renderTable(head, rows)))
    if (!monthly) lines.push(dailyChart(actual.columns, actual.columnTotalsCents))
    if (actual.includesEstimated) lines.push('  Figures of the open month are still marked estimated by Cost Explorer.')
  }
  if (report.userSplit) lines.push('', `How the split is made: ${report.userSplit}`)
  const live = report.liveEstimate
  if (live.lines.length > 0) {
    lines.push('', `Estimate since Cost Explorer's last figure (not in the table above; prices: ${live.priceSource}):`)
    lines.push(
      indent(
        renderTable(
          ['ENVIRONMENT', 'TYPE', 'SINCE', 'HOURS', 'PER HOUR', 'ESTIMATE'],
          live.lines.map((l) => [
            escapeControl(l.environment),
            l.instanceType,
            `${l.since.slice(0, 16).replace('T', ' ')} UTC`,
            l.hours.toFixed(2),
            `$${l.hourlyUsd.toFixed(3)}`,
            usd(l.cents),
          ]),
        ),
      ),
    )
    lines.push(`  Actual ${usd(actual.totalCents)} + estimate ${usd(live.totalCents)} = ${usd(actual.totalCents + live.totalCents)}`)
  }
  if (report.forecast) {
    const f = report.forecast
    lines.push(
      '',
      `Month-end forecast for ${f.month}: ${formatUsd(f.monthEndUsd)} (${formatUsd(f.monthToDateUsd)} so far + ${formatUsd(f.remainingUsd)} forecast by Cost Explorer)`,
    )
    if (f.budgetUsd !== undefined)
      lines.push(
        f.overBudget
          ? `  OVER BUDGET: the forecast passes the budget of ${formatUsd(f.budgetUsd)} by ${formatUsd(f.monthEndUsd - f.budgetUsd)}.`
          : `  Within the budget of ${formatUsd(f.budgetUsd)}.`,
      )
  }
  if (report.budgets.length > 0) {
    lines.push('', 'Budgets (AWS Budgets, this month):')
    lines.push(
      indent(
        renderTable(
          ['BUDGET', 'LIMIT', 'ACTUAL', 'FORECAST', ''],
          report.budgets.map((b) => [
            escapeControl(b.name),
            usd(b.limitCents),
            usd(b.actualCents),
            b.forecastedCents === undefined ? '-' : usd(b.forecastedCents),
            b.overBudget ? 'forecast passes the budget' : '',
          ]),
        ),
      ),
    )
  }
  if (report.tag.activatedNow.length > 0)
    lines.push('', `Activated for cost allocation: ${report.tag.activatedNow.join(', ')} (costs are tagged from now on, not before).`)
  return lines.join('\n')
}

/** The daily totals as a sparkline with its range, so a spike stands out. */
function dailyChart(columns: readonly string[], cents: readonly number[]): string {
  const max = Math.max(...cents)
  const at = columns[cents.indexOf(max)]
  return `  Daily ${columns[0]} ${sparkline(cents)} ${columns.at(-1)}  (highest ${usd(max)}${at ? ` on ${at}` : ''})`
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')

/** A CSV field: quoted when needed, and never read as a formula by a spreadsheet. */
function csvField(value: string | number): string {
  let text = String(value)
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/**
 * One line per group and period (actual), then the live estimate lines (kind=estimate).
 * The amount is our own number, written as is: the formula guard would turn a credit
 * (-1.23) into text.
 */
export function renderCostCsv(report: CostReportResult): string {
  const line = (period: string, key: string, cents: number, kind: string) =>
    [csvField(period), csvField(key), (cents / 100).toFixed(2), csvField(kind)].join(',')
  const lines = [['period', report.groupBy, 'cost_usd', 'kind'].join(',')]
  for (const row of report.actual.rows)
    row.cents.forEach((cents, i) => {
      if (cents !== 0) lines.push(line(report.actual.columns[i]!, row.key, cents, 'actual'))
    })
  for (const estimate of report.liveEstimate.lines)
    lines.push(line(estimate.since.slice(0, 10), estimate.environment, estimate.cents, 'estimate'))
  return `${lines.join('\n')}\n`
}
