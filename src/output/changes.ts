import type {ResourceChange} from '../lib/diff/data-safety.js'
import {type ChangeSummary, resourceKind} from '../lib/diff/describe.js'
import type {HubDisruption} from '../lib/readiness/replacement.js'
import {formatUsd, renderTable} from './table.js'

const IMPACT_LABEL: Record<ResourceChange['impact'], string> = {
  update: 'update in place / restart',
  replace: 'REPLACE',
  'may-replace': 'may replace',
  destroy: 'DELETE',
  add: 'add',
  'no-change': 'no change',
  orphan: 'orphan (kept)',
}

/** "+$44.00/month", "-$12.50/month", "no change in cost". */
export function formatCostChange(usd: number | undefined): string {
  if (usd === undefined) return 'cost change unknown'
  if (Math.abs(usd) < 0.005) return 'no change in monthly cost'
  return `${usd > 0 ? '+' : '-'}${formatUsd(Math.abs(usd))}/month`
}

/**
 * A change in words: what changes, what it does to the monthly bill and whether the
 * hub restarts. `verbose` adds the per-resource table (CloudFormation ids included).
 */
export function renderChanges(
  summary: ChangeSummary,
  changes: readonly ResourceChange[],
  options: {verbose?: boolean; hub?: readonly HubDisruption[]} = {},
): string {
  if (changes.length === 0) return 'No changes.'
  const lines = summary.lines.map((line) => `  ${line}`)
  lines.push(
    `  cost: ${formatCostChange(summary.monthlyCostChangeUsd)} at typical use (${formatUsd(summary.monthlyTypicalUsd)}/month after)`,
    summary.hubRestarts
      ? '  the hub stops and starts: running notebooks stop; /home, /shared and the bucket are kept'
      : '  the hub keeps running',
    ...(options.hub ?? []).map((h) => `  ${h.kind === 'replace' ? '!!' : '!'} ${h.message}`),
  )
  if (options.verbose) lines.push('', renderChangeTable(changes))
  return lines.join('\n')
}

/** Every resource change, for --verbose. */
export function renderChangeTable(changes: readonly ResourceChange[]): string {
  return renderTable(
    ['RESOURCE', 'KIND', 'TYPE', 'ACTION', 'PROPERTIES'],
    changes.map((c) => [
      `${c.dataBearing && c.impact !== 'update' && c.impact !== 'add' ? '!! ' : ''}${c.logicalId}`,
      resourceKind(c.type),
      c.type,
      IMPACT_LABEL[c.impact],
      c.properties.slice(0, 4).join(', ') + (c.properties.length > 4 ? ', ...' : ''),
    ]),
  )
}
