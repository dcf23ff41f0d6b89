import type {AwsClients} from '../../aws/clients.js'
import {ExitCode, WizardError} from '../../errors.js'

export interface LogLine {
  readonly timestamp: string
  readonly stream: string
  readonly message: string
}

/** "15m", "2h", "1d" or an ISO time -> epoch milliseconds. */
export function parseSince(since: string, now = Date.now()): number {
  const relative = /^(\d+)\s*(s|m|h|d)$/.exec(since.trim())
  if (relative) {
    const unit = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}[relative[2] as 's' | 'm' | 'h' | 'd']
    return now - Number(relative[1]) * unit
  }
  const absolute = Date.parse(since)
  if (Number.isNaN(absolute)) {
    throw new WizardError({
      code: 'invalid-since',
      message: `--since "${since}" is not a duration or a time.`,
      actions: ['Use e.g. 15m, 2h, 1d or 2026-11-23T10:00:00Z.'],
      exitCode: ExitCode.usage,
    })
  }
  return absolute
}

/** Log events after `startTime`, oldest first, all pages; `component` filters bootstrap or hub streams. */
export async function readLogs(
  clients: AwsClients,
  logGroup: string,
  startTime: number,
  component?: 'hub' | 'bootstrap',
): Promise<{lines: LogLine[]; lastTimestamp: number}> {
  const {paginateFilterLogEvents} = await import('@aws-sdk/client-cloudwatch-logs')
  const client = await clients.logs()
  const lines: LogLine[] = []
  let lastTimestamp = startTime
  try {
    for await (const page of paginateFilterLogEvents({client}, {logGroupName: logGroup, startTime})) {
      for (const event of page.events ?? []) {
        const stream = event.logStreamName ?? ''
        if (component === 'hub' && !stream.endsWith('/jupyterhub')) continue
        if (component === 'bootstrap' && !stream.endsWith('/bootstrap')) continue
        lines.push({timestamp: new Date(event.timestamp ?? 0).toISOString(), stream, message: (event.message ?? '').replace(/\n$/, '')})
        lastTimestamp = Math.max(lastTimestamp, (event.timestamp ?? 0) + 1)
      }
    }
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') {
      throw new WizardError({
        code: 'no-logs',
        message: `Log group ${logGroup} does not exist yet.`,
        actions: ['The hub writes logs once its bootstrap starts; try again in a few minutes.'],
        exitCode: ExitCode.failure,
      })
    }
    throw error
  }
  return {lines, lastTimestamp}
}
