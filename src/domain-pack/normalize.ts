import type {Finding} from './findings.js'

/**
 * Turns the compact authoring form into the canonical model.
 *
 * | compact key                      | canonical                                             |
 * |----------------------------------|-------------------------------------------------------|
 * | kernel_spec                      | kernels[0] (name from kernel_spec.name or pack name)  |
 * | kernel_spec.environment          | kernels[0].packages ("python-" prefixes dropped)      |
 * | data_mounts: ["/data/x"]         | {source: s3://<bucket in aws_access matching x>, mount_path: /data/x} |
 * | data_mounts: ["/data/x"], no bucket | data_directories: [/data/x] (warning: data people bring) |
 * | auto_shutdown: 60                | auto_shutdown.idle_minutes: 60                        |
 * | cost_tracking: true              | cost.tracking: true                                   |
 * | (no display_name)                | display_name from name ("genomics-research" -> "Genomics Research") |
 * | (no instance)                    | instance.default_type: m6i.xlarge                     |
 */
export interface Normalized {
  readonly data: Record<string, unknown>
  readonly findings: Omit<Finding, 'file' | 'line' | 'column'>[]
  /** Maps a canonical JSON pointer back to where the author wrote it. */
  toSourcePointer(pointer: string): string
}

export const DEFAULT_INSTANCE_TYPE = 'm6i.xlarge'

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function titleCase(name: string): string {
  return name
    .split('-')
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join(' ')
}

/** Finds the bucket a compact mount path names: exact, then prefix, then substring. */
function bucketForMountPath(mountPath: string, buckets: readonly string[]): string | undefined {
  const leaf = mountPath.split('/').filter(Boolean).pop()?.toLowerCase()
  if (!leaf) return undefined
  const names = buckets.map((bucket) => bucket.split('/')[0] ?? bucket)
  return (
    buckets[names.indexOf(leaf)] ??
    buckets.find((bucket) => bucket.toLowerCase().startsWith(`${leaf}-`)) ??
    buckets.find((bucket) => bucket.toLowerCase().includes(leaf))
  )
}

/** Expects input that already passed authoring-schema validation. */
export function normalizePack(input: Json): Normalized {
  const data: Json = structuredClone(input)
  const findings: Normalized['findings'] = []
  const renames: [canonical: string, source: string][] = []
  delete data.$schema

  if (data.display_name === undefined && typeof data.name === 'string') data.display_name = titleCase(data.name)

  if (data.instance === undefined) {
    data.instance = {default_type: DEFAULT_INSTANCE_TYPE}
    findings.push({
      code: 'default-instance',
      level: 'info',
      path: '',
      message: `No instance section: the hub will run on ${DEFAULT_INSTANCE_TYPE}.`,
      remedy: 'Add instance.default_type (and allowed_types) to choose the hardware.',
    })
    renames.push(['/instance', ''])
  }

  if (isObject(data.kernel_spec)) {
    const spec = data.kernel_spec
    if (Array.isArray(data.kernels)) {
      findings.push({
        code: 'kernel-spec-and-kernels',
        level: 'error',
        path: '/kernel_spec',
        message: 'Both kernel_spec and kernels are set; a pack uses one or the other.',
        remedy: 'Move kernel_spec into the kernels list, or remove kernels.',
      })
    } else {
      const fallbackName = (spec.language === 'python' ? 'python' : String(spec.language)).concat('-', String(data.name ?? 'kernel'))
      const packages = Array.isArray(spec.environment) ? spec.environment.map((pkg) => String(pkg).replace(/^python-/, '')) : []
      data.kernels = [
        {
          name: typeof spec.name === 'string' ? spec.name : fallbackName.slice(0, 64),
          display_name: spec.display_name,
          language: spec.language,
          ...(spec.version === undefined ? versionFromDisplayName(String(spec.display_name)) : {version: spec.version}),
          packages,
          ...(spec.channels === undefined ? {} : {channels: spec.channels}),
        },
      ]
      renames.push(['/kernels/0/packages', '/kernel_spec/environment'], ['/kernels/0', '/kernel_spec'])
    }
    delete data.kernel_spec
  } else if (!Array.isArray(data.kernels)) {
    findings.push({
      code: 'no-kernels',
      level: 'error',
      path: '',
      message: 'The pack defines no kernel.',
      remedy: 'Add a kernels list (or a compact kernel_spec) with at least one Python, R or Julia kernel.',
    })
  }

  if (Array.isArray(data.data_mounts)) {
    const buckets = isObject(data.aws_access) && Array.isArray(data.aws_access.s3_buckets) ? data.aws_access.s3_buckets.map(String) : []
    const directories: unknown[] = Array.isArray(data.data_directories) ? [...data.data_directories] : []
    const mounts: unknown[] = []
    data.data_mounts.forEach((mount, index) => {
      if (typeof mount === 'string' && !bucketForMountPath(mount, buckets)) return
      // Indexes shift when compact entries move to data_directories: locate by where they were written.
      if (mounts.length !== index) renames.push([`/data_mounts/${mounts.length}`, `/data_mounts/${index}`])
      const bucket = typeof mount === 'string' ? bucketForMountPath(mount, buckets) : undefined
      mounts.push(typeof mount === 'string' ? {source: `s3://${bucket}`, mount_path: mount} : mount)
    })
    data.data_mounts.forEach((mount, index) => {
      if (typeof mount !== 'string' || bucketForMountPath(mount, buckets)) return
      // A place for data people bring themselves (licensed data has no open bucket).
      findings.push({
        code: 'mount-without-bucket',
        level: 'warning',
        path: `/data_mounts/${index}`,
        message: `Data mount "${mount}" names no bucket listed in aws_access.s3_buckets (${buckets.join(', ') || 'none'}): it becomes an empty shared directory for data people bring themselves.`,
        remedy: `To mount a bucket there, add it to aws_access.s3_buckets or write {source: s3://BUCKET, mount_path: ${mount}}; to keep the empty directory, move it to data_directories.`,
      })
      renames.push([`/data_directories/${directories.length}`, `/data_mounts/${index}`])
      directories.push(mount)
    })
    data.data_mounts = mounts
    if (directories.length > 0) data.data_directories = directories
  }

  if (typeof data.auto_shutdown === 'number') {
    data.auto_shutdown = {idle_minutes: data.auto_shutdown}
  }

  if (typeof data.cost_tracking === 'boolean') {
    const cost = isObject(data.cost) ? data.cost : {}
    if (typeof cost.tracking === 'boolean' && cost.tracking !== data.cost_tracking) {
      findings.push({
        code: 'cost-tracking-conflict',
        level: 'error',
        path: '/cost_tracking',
        message: `cost_tracking is ${data.cost_tracking} but cost.tracking is ${cost.tracking}.`,
        remedy: 'Keep only cost.tracking.',
      })
    }
    data.cost = {...cost, tracking: cost.tracking ?? data.cost_tracking}
    renames.push(['/cost/tracking', '/cost_tracking'])
    delete data.cost_tracking
  }

  renames.sort((a, b) => b[0].length - a[0].length)
  const toSourcePointer = (pointer: string): string => {
    for (const [canonical, source] of renames) {
      if (pointer === canonical || pointer.startsWith(`${canonical}/`)) return source + pointer.slice(canonical.length)
    }
    return pointer
  }
  return {data, findings, toSourcePointer}
}

function versionFromDisplayName(displayName: string): {version?: string} {
  const match = /\b(?:python|r|julia)\s+([0-9]+(?:\.[0-9]+){0,2})\b/i.exec(displayName)
  return match?.[1] ? {version: match[1]} : {}
}
