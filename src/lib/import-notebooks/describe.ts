import {escapeControl} from '../../output/sanitize.js'
import {formatBytes} from '../../output/table.js'
import type {SyncPlan} from './sync.js'

const SHOWN = 20

/** The plan in words, before anything changes: what is copied, kept, removed and left out. */
export function describeSyncPlan(plan: SyncPlan, dryRun: boolean, environmentBucket: boolean): string {
  const lines: string[] = []
  const verb = dryRun ? 'Would' : 'Will'
  lines.push(
    `${verb} upload ${plan.uploads.length} file(s) (${formatBytes(plan.uploadBytes)}); ${plan.unchanged} unchanged; ${plan.deletions.length} to remove; ${plan.skipped.length} left out.`,
  )
  for (const item of plan.uploads.slice(0, SHOWN)) lines.push(`  + ${escapeControl(item.key)} (${item.reason}, ${formatBytes(item.size)})`)
  if (plan.uploads.length > SHOWN) lines.push(`  ... and ${plan.uploads.length - SHOWN} more`)
  for (const item of plan.deletions.slice(0, SHOWN)) lines.push(`  - ${escapeControl(item.key)} (no local file)`)
  if (plan.deletions.length > SHOWN) lines.push(`  ... and ${plan.deletions.length - SHOWN} more`)
  if (plan.staleUploads.length > 0)
    lines.push(
      `  ${plan.staleUploads.length} unfinished upload(s) from an interrupted run ${dryRun ? 'would be' : 'will be'} aborted and the files sent again.`,
    )
  const outside = plan.skipped.filter((s) => s.reason !== 'hidden')
  for (const item of outside.slice(0, SHOWN)) lines.push(`  ! ${escapeControl(item.path)} left out: ${item.reason}`)
  if (plan.deletions.length > 0 && environmentBucket)
    lines.push("  The environment's bucket keeps earlier versions of removed objects for 90 days.")
  return lines.join('\n')
}
