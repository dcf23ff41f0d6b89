import type {KeptPiece} from '../lib/data/find-kept.js'
import {escapeControl} from './sanitize.js'
import {formatUsd, renderTable} from './table.js'

/**
 * Kept data as a table: what, which, whose, how big, whether its stack exists, what it costs.
 * Names, ids and details come from AWS (a tag anyone with tagging rights sets): escaped.
 */
export function renderKeptData(pieces: readonly KeptPiece[], region: string, environment?: string): string {
  if (pieces.length === 0) return `No kept data${environment ? ` of ${escapeControl(environment)}` : ''} in ${escapeControl(region)}.`
  const rows = pieces.map((p) => [
    escapeControl(p.environment),
    p.kind,
    escapeControl(p.id),
    escapeControl(p.detail && p.kind === 'user-pool' ? p.detail : `${p.sizeGiB} GiB${p.detail ? ` (${p.detail})` : ''}`),
    p.stackExists ? 'yes' : 'gone',
    formatUsd(p.monthlyUsd),
  ])
  const total = pieces.reduce((sum, p) => sum + p.monthlyUsd, 0)
  const orphaned = [...new Set(pieces.filter((p) => !p.stackExists).map((p) => escapeControl(p.environment)))]
  return [
    renderTable(['ENVIRONMENT', 'KIND', 'ID', 'SIZE', 'STACK', 'USD/MONTH'], rows),
    '',
    `Storage: ${formatUsd(total)}/month in ${escapeControl(region)} at list prices${pieces.some((p) => p.kind === 'home-volume-snapshot') ? ' (a snapshot bills only the blocks it holds, so it often costs less than shown)' : ''}.`,
    ...orphaned.map(
      (name) =>
        `${name}: stack gone. Restore with \`jupyter deploy --restore-from ${name} ...\`, or delete with \`jupyter destroy ${name} --delete-data\`.`,
    ),
  ].join('\n')
}
