import {splitCents} from './money.js'
import type {CostCell} from './cost-explorer.js'
import type {DailyUsage} from './usage.js'

/** Cost Explorer's name for instance hours; everything else is split by storage. */
export const COMPUTE_SERVICE = 'Amazon Elastic Compute Cloud - Compute'
export const UNATTRIBUTED = '(unattributed)'

/** How the per-person split is made, for the report to say. */
export const USER_SPLIT_METHOD =
  "Instance hours (EC2 compute) are split by each user's server-hours that day (by GPU-hours on days the hub recorded GPU use); " +
  "everything else (volumes, file system, bucket, network, monitoring) by each user's home-directory size. " +
  `Days without published usage (usage/<day>.json in the notebook bucket) stay ${UNATTRIBUTED}.`

function weights(usage: DailyUsage, compute: boolean): Map<string, number> {
  const entries = [...usage.users]
  if (!compute) return new Map(entries.map(([name, u]) => [name, u.homeBytes]))
  const gpu = entries.some(([, u]) => u.gpuHours > 0)
  return new Map(entries.map(([name, u]) => [name, gpu ? u.gpuHours : u.serverHours]))
}

/**
 * Turns cells grouped by [environment, service] into cells per user: each cell's cents are
 * split whole (largest remainder), so the per-user amounts add up to Cost Explorer's exactly.
 */
export function splitByUser(cells: readonly CostCell[], usage: ReadonlyMap<string, ReadonlyMap<string, DailyUsage>>): CostCell[] {
  const out: CostCell[] = []
  for (const cell of cells) {
    const [environment = '', service = ''] = cell.keys
    const day = usage.get(environment)?.get(cell.period)
    const parts = day ? splitCents(cell.cents, weights(day, service === COMPUTE_SERVICE)) : new Map<string, number>()
    if (parts.size === 0) {
      out.push({...cell, keys: [UNATTRIBUTED]})
      continue
    }
    for (const [user, cents] of parts) out.push({...cell, keys: [user], cents})
  }
  return out
}
