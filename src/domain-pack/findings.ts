import {escapeControl} from '../output/sanitize.js'

/** One problem (or note) about a domain pack, located as precisely as we can. */
export interface Finding {
  readonly code: string
  readonly level: FindingLevel
  /** JSON pointer into the pack as written, e.g. /kernels/0/packages. */
  readonly path: string
  readonly file?: string
  readonly line?: number
  readonly column?: number
  readonly message: string
  readonly remedy: string
}

export type FindingLevel = 'error' | 'warning' | 'info'

const severity: Record<FindingLevel, number> = {error: 2, warning: 1, info: 0}

/** True when any finding is at or above the level that should fail the run. */
export function hasFailures(findings: readonly Finding[], failOn: 'error' | 'warning'): boolean {
  return findings.some((finding) => severity[finding.level] >= severity[failOn])
}

export function countByLevel(findings: readonly Finding[]): Record<FindingLevel, number> {
  const counts: Record<FindingLevel, number> = {error: 0, warning: 0, info: 0}
  for (const finding of findings) counts[finding.level]++
  return counts
}

/**
 * `file:line:col CODE message` - the shape editors and CI annotators parse. Escaped for
 * a terminal: file names and messages can carry pack text.
 */
export function formatFindingLine(finding: Finding): string {
  const where = [finding.file ?? '<pack>', finding.line, finding.column].filter((part) => part !== undefined).join(':')
  return escapeControl(`${where} ${finding.level} ${finding.code} ${finding.message}`)
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.code.localeCompare(b.code),
  )
}
