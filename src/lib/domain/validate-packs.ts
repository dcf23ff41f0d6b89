import {countByLevel, type Finding, hasFailures} from '../../domain-pack/findings.js'
import {loadPackFile} from '../../domain-pack/load.js'
import {resolvePack} from '../../domain-pack/resolve.js'

export interface ValidatedFile {
  file: string
  valid: boolean
  findings: readonly Finding[]
}

export interface ValidationReport {
  files: ValidatedFile[]
  counts: {error: number; warning: number; info: number}
  failed: boolean
  failOn: 'error' | 'warning'
}

/** Validates every pack (names or paths), collecting all findings of all files. */
export async function validatePacks(
  targets: readonly string[],
  options: {failOn: 'error' | 'warning'; region?: string; packDirs?: readonly string[]; allowedChannels?: readonly string[]},
): Promise<ValidationReport> {
  const files = await Promise.all(
    targets.map(async (target): Promise<ValidatedFile> => {
      const location = resolvePack(target, {packDirs: options.packDirs})
      const loaded = await loadPackFile(location.file, {region: options.region, allowedChannels: options.allowedChannels})
      return {file: loaded.file, valid: !hasFailures(loaded.findings, options.failOn), findings: loaded.findings}
    }),
  )
  const all = files.flatMap((file) => file.findings)
  return {files, counts: countByLevel(all), failed: files.some((file) => !file.valid), failOn: options.failOn}
}
