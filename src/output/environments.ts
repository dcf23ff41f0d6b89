import type {EnvironmentSummary} from '../lib/lifecycle/list.js'
import {escapeControl} from './sanitize.js'
import {formatUsd, renderTable} from './table.js'

/** Every environment on one line each (`jupyter list`, `jupyter status` without a name). */
export function renderEnvironmentList(environments: readonly EnvironmentSummary[], regions: readonly string[], bin: string): string {
  if (environments.length === 0)
    return `No environments in ${regions.join(', ')}. Create one with: ${bin} jupyter deploy --domain genomics --name lab1`
  return renderTable(
    ['NAME', 'DOMAIN', 'REGION', 'STACK', 'INSTANCE', 'TYPE', 'USERS', 'UPTIME', 'URL', '$/HOUR'],
    // Names, tags and outputs come from AWS, where anyone with access may have put an escape sequence.
    environments.map((e) =>
      [
        e.name,
        e.domain ?? '-',
        e.region,
        e.stackStatus,
        e.instanceState ?? '-',
        e.instanceType ?? '-',
        e.users ?? '-',
        e.uptimeHours === undefined ? '-' : `${e.uptimeHours} h`,
        e.url ?? '-',
        // A stopped hub costs only its volumes: said, so nobody reads it as the instance's price.
        e.hourlyUsd === undefined ? '-' : `${formatUsd(e.hourlyUsd)}${e.cost?.basis === 'storage' ? ' (storage only)' : ''}`,
      ].map((cell) => escapeControl(String(cell))),
    ),
  )
}
