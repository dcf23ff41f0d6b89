import {SNAPSHOT_UNIT_PRICES as UNIT_PRICES, snapshotFactor} from '../pricing/snapshot.js'

/** The kinds of kept data that bill by the GiB-month. */
export type StorageKind = 'home-volume' | 'home-volume-snapshot' | 'shared-file-system' | 'notebook-bucket' | 'user-pool'

/** us-east-1 S3 Standard list price; the bundled snapshot has no object storage line. */
const S3_STANDARD_PER_GIB_MONTH = 0.023

/**
 * Monthly storage price of one kept piece, from the bundled price snapshot. The one
 * place data prices come from, so a live price source can replace it alone.
 * A user pool bills per active user, not for being kept: 0.
 */
export function monthlyStorageUsd(kind: StorageKind, sizeGiB: number, region: string): number {
  const factor = snapshotFactor(region)
  const perGiB: Record<StorageKind, number> = {
    'home-volume': UNIT_PRICES.gp3PerGiBMonth,
    'home-volume-snapshot': UNIT_PRICES.snapshotPerGiBMonth,
    'shared-file-system': UNIT_PRICES.efsStandardPerGiBMonth,
    'notebook-bucket': S3_STANDARD_PER_GIB_MONTH,
    'user-pool': 0,
  }
  return Math.round(perGiB[kind] * sizeGiB * factor * 100) / 100
}
