import type {EnvironmentStatus, UtilisationSeries} from '../lib/lifecycle/status.js'
import {escapeControl} from './sanitize.js'
import {formatUsd} from './table.js'

const pct = (s: UtilisationSeries) => (s.points === 0 ? 'no data' : `now ${s.latest}%, avg ${s.average}%, max ${s.maximum}% (last hour)`)

/** `52 min, stops in 8 min unless there is activity`, `busy: kernels (a kernel is executing)`. */
function idleLine(status: EnvironmentStatus): string {
  const idle = status.idle
  if (!idle) return status.idleMinutes === undefined ? 'unknown' : `${status.idleMinutes} min`
  const from = idle.source === 'agent' ? 'the hub agent' : 'CPU and GPU metrics only'
  if (idle.busy.length > 0) return `busy: ${idle.busy.join(', ')}${idle.reason ? ` (${idle.reason})` : ''}, per ${from}`
  const stops = idle.stopsInMinutes === undefined ? '' : `, stops in ${idle.stopsInMinutes} min unless there is activity`
  return `${idle.idleMinutes} min${stops}, per ${from}`
}

/** Every value here comes from AWS (stack name, tags, outputs, status reason): each line is escaped. */
export function renderStatus(status: EnvironmentStatus): string {
  const e = status.environment
  const health = !status.health.checked
    ? 'not checked'
    : status.health.healthy
      ? `healthy (${status.health.latencyMs} ms)`
      : `unhealthy (${status.health.status ?? status.health.error})`
  return [
    `Environment ${e.name} (${e.domain ?? 'unknown domain'}, ${e.region})`,
    `  Stack          ${e.stackName}: ${e.stackStatus}${e.stackStatusReason ? ` (${e.stackStatusReason})` : ''}`,
    `  Instance       ${status.instance ? `${status.instance.instanceId} ${status.instance.state}, ${status.instance.instanceType ?? '?'}${status.instance.launchTime ? `, launched ${status.instance.launchTime}` : ''}` : 'none'}`,
    `  Hub            ${status.access.url ?? '-'} (${status.access.mode}), ${health}`,
    ...(status.access.connect ? [`  Connect        ${status.access.connect}`] : []),
    `  Boot           ${status.boot.summary}`,
    ...status.boot.failedKernels.map((k) => `                 kernel ${k}`),
    `  CPU            ${pct(status.cpu)}`,
    ...(status.gpu ? [`  GPU            ${pct(status.gpu)}`] : []),
    `  Idle           ${idleLine(status)}; auto-shutdown ${status.autoShutdownMinutes ? `after ${status.autoShutdownMinutes} idle min` : 'off'}`,
    `  Cost           ${status.hourlyUsd === undefined ? 'unknown' : `${formatUsd(status.hourlyUsd)}/hour${status.cost?.basis === 'storage' ? ` (stopped: storage only, ${status.cost.storageGiB} GiB)` : ''}`}${status.estimatedCostSinceLaunchUsd === undefined ? '' : `; about ${formatUsd(status.estimatedCostSinceLaunchUsd)} since launch (${status.uptimeHours} h, estimate)`}`,
    `  Storage        /home ${status.storage.homeUsedPercent === undefined ? 'unknown' : `${status.storage.homeUsedPercent}% used`}, / ${status.storage.rootUsedPercent === undefined ? 'unknown' : `${status.storage.rootUsedPercent}% used`}`,
    `  Data           home ${e.outputs.homeVolumeId ?? '-'}, shared ${e.outputs.sharedFileSystemId ?? 'none'}, bucket ${e.outputs.notebookBucket ?? '-'}`,
  ]
    .map((line) => escapeControl(line))
    .join('\n')
}
