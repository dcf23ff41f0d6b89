import {escapeControl} from '../../output/sanitize.js'
import {MAX_UNIT_NAME_BYTES, mountUnitName} from '../systemd-escape.js'
import type {Rule, RuleFinding} from './types.js'

/** S3 general-purpose bucket naming rules (docs: "Bucket naming rules"). */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long'
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
    return 'may only contain lower-case letters, digits, dots and hyphens, and must start and end with a letter or digit'
  if (name.includes('..')) return 'must not contain two adjacent dots'
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'must not look like an IP address'
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return 'must not start with xn--, sthree- or amzn-s3-demo-'
  if (/(-s3alias|--ol-s3|--x-s3|\.mrap)$/.test(name)) return 'must not end with -s3alias, --ol-s3, --x-s3 or .mrap'
  return undefined
}

function bucketOf(source: string): string {
  return source.replace(/^s3:\/\//, '').split('/')[0] ?? ''
}

export const invalidBucketName: Rule = {
  code: 'invalid-bucket-name',
  description: 'Bucket names must follow the S3 naming rules.',
  check(pack) {
    const findings: RuleFinding[] = []
    const report = (bucket: string, path: string) => {
      const problem = bucketNameProblem(bucket)
      if (problem) {
        findings.push({
          code: this.code,
          level: 'error',
          path,
          message: `"${escapeControl(bucket)}" is not a valid S3 bucket name: it ${problem}.`,
          remedy: 'Use the bucket name exactly as S3 shows it (e.g. 1000genomes, noaa-gfs-bdp-pds).',
        })
      }
    }
    for (const [index, entry] of (pack.aws_access.s3_buckets ?? []).entries())
      report(entry.split('/')[0] ?? '', `/aws_access/s3_buckets/${index}`)
    for (const [index, mount] of (pack.data_mounts ?? []).entries()) {
      report(bucketOf(mount.source), `/data_mounts/${index}/source`)
    }
    return findings
  },
}

function normalizePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '')
  return trimmed === '' ? '/' : trimmed.replace(/\/+/g, '/')
}

export const mountPathCollision: Rule = {
  code: 'mount-path-collision',
  description: 'Two data mounts may not share a path or nest inside each other.',
  check(pack) {
    const mounts = (pack.data_mounts ?? []).map((mount) => normalizePath(mount.mount_path))
    // Each mount becomes one systemd unit named after its path: two paths with one unit
    // name would silently lose a mount (systemd escaping is injective on normalised
    // paths, so this guards the instance side's naming as much as the pack).
    const units = mounts.map((path) => mountUnitName(path))
    const findings: RuleFinding[] = []
    for (let i = 0; i < mounts.length; i++) {
      for (let j = 0; j < i; j++) {
        const a = mounts[j] as string
        const b = mounts[i] as string
        const clash =
          a === b
            ? 'is the same path as'
            : b.startsWith(`${a}/`)
              ? 'is inside'
              : a.startsWith(`${b}/`)
                ? 'contains'
                : units[i] === units[j]
                  ? `has the same systemd unit name (${units[i]}) as`
                  : undefined
        if (clash) {
          findings.push({
            code: this.code,
            level: 'error',
            path: `/data_mounts/${i}/mount_path`,
            message: `Mount path ${b} ${clash} ${a} (data_mounts[${j}]).`,
            remedy: 'Give every data mount its own directory, e.g. /data/<bucket>.',
          })
        }
      }
    }
    return findings
  },
}

/**
 * Where a mount may go is the schema's job (MOUNT_PATH_PATTERN: under /data, /mnt,
 * /shared/<dir>, /scratch/<dir>, normalised). What the schema cannot see is the systemd
 * unit the path becomes: escaping turns each "-" into four bytes, so a 200-byte path can
 * still exceed the 255-byte unit name limit.
 */
export const mountUnitNameTooLong: Rule = {
  code: 'mount-unit-name-too-long',
  description: 'The systemd mount unit named after a data mount path must fit in 255 bytes.',
  check(pack) {
    return (pack.data_mounts ?? []).flatMap((mount, index): RuleFinding[] => {
      const unit = mountUnitName(mount.mount_path)
      if (Buffer.byteLength(unit) <= MAX_UNIT_NAME_BYTES) return []
      return [
        {
          code: this.code,
          level: 'error',
          path: `/data_mounts/${index}/mount_path`,
          message: `Mount path ${escapeControl(mount.mount_path.slice(0, 60))}... becomes a systemd unit name of ${Buffer.byteLength(unit)} bytes; systemd accepts at most ${MAX_UNIT_NAME_BYTES} (each "-" counts 4).`,
          remedy: 'Use a shorter mount path with fewer hyphens, e.g. /data/<bucket>.',
        },
      ]
    })
  },
}

export const writableOpenData: Rule = {
  code: 'writable-open-data',
  description: 'Registry of Open Data buckets are public and read-only.',
  check(pack) {
    if (!pack.aws_access.open_data) return []
    const listed = new Set((pack.aws_access.s3_buckets ?? []).map((b) => b.split('/')[0]))
    return (pack.data_mounts ?? []).flatMap((mount, index): RuleFinding[] =>
      mount.access === 'read-write' && listed.has(bucketOf(mount.source))
        ? [
            {
              code: this.code,
              level: 'warning',
              path: `/data_mounts/${index}/access`,
              message: `${mount.source} is listed as open data but mounted read-write; writes will be denied by the bucket owner.`,
              remedy: 'Mount open data read-only and write results to the notebook bucket or /shared.',
            },
          ]
        : [],
    )
  },
}
