import type {RestoreIds} from './types.js'

/**
 * The shapes of the kept-data ids a restore may carry. They come from AWS answers and
 * from deploy records, and reach the template and the instance's config: anything else
 * is refused.
 */
export const RESTORE_ID_SHAPES = {
  homeVolumeId: /^vol-[0-9a-f]{8,17}$/,
  homeSnapshotId: /^snap-[0-9a-f]{8,17}$/,
  availabilityZone: /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/,
  sharedFileSystemId: /^fs-[0-9a-f]{8,40}$/,
  notebookBucket: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
} as const

/** The fields of a restore whose value does not have its shape (empty when all do). */
export function invalidRestoreFields(restore: RestoreIds): string[] {
  const bad = Object.entries(RESTORE_ID_SHAPES)
    .filter(([field, shape]) => {
      const value = restore[field as keyof typeof RESTORE_ID_SHAPES]
      return value !== undefined && !(typeof value === 'string' && shape.test(value))
    })
    .map(([field]) => field)
  if (restore.homeVolumeId && restore.homeSnapshotId) bad.push('homeSnapshotId')
  if (
    restore.homeSizeGiB !== undefined &&
    !(Number.isInteger(restore.homeSizeGiB) && restore.homeSizeGiB > 0 && restore.homeSizeGiB <= 16384)
  )
    bad.push('homeSizeGiB')
  return bad
}
