import {ExitCode, WizardError} from '../../errors.js'

/** A Cost Explorer time period: Start inclusive, End exclusive, both YYYY-MM-DD (UTC). */
export interface ReportPeriod {
  readonly start: string
  readonly end: string
}

const DAY_MS = 86_400_000
// Cost Explorer answers for the last 14 months (without the opt-in to 38).
const MAX_DAYS = 14 * 31

export const isoDay = (date: Date) => date.toISOString().slice(0, 10)
const today = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))

function parseDay(flag: string, value: string, now: Date): Date {
  const relative = /^(\d{1,3})d$/.exec(value)
  if (relative) return new Date(today(now).getTime() - Number(relative[1]) * DAY_MS)
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined
  if (!date || isoDay(date) !== value) {
    throw new WizardError({
      code: 'invalid-period',
      message: `${flag} "${value}" is not a date: expected a number of days back (30d) or a day (2026-11-01).`,
      actions: [`Pass ${flag} 30d or ${flag} 2026-11-01.`],
      exitCode: ExitCode.usage,
    })
  }
  return date
}

/**
 * The period of a report from --since (default 30 days back) and --until (a day,
 * inclusive; default today, whose costs so far Cost Explorer may already have).
 */
export function reportPeriod(since: string | undefined, until: string | undefined, now = new Date()): ReportPeriod {
  const start = parseDay('--since', since ?? '30d', now)
  const last = until === undefined ? today(now) : parseDay('--until', until, now)
  // Cost Explorer has nothing after today: a later --until reads to today.
  const end = new Date(Math.min(last.getTime(), today(now).getTime()) + DAY_MS)
  const problem =
    start.getTime() > today(now).getTime()
      ? `--since ${isoDay(start)} is in the future`
      : start.getTime() >= end.getTime()
        ? `--since ${isoDay(start)} is after --until ${isoDay(last)}`
        : (end.getTime() - start.getTime()) / DAY_MS > MAX_DAYS
          ? `the period from ${isoDay(start)} to ${isoDay(last)} is longer than the 14 months Cost Explorer keeps`
          : undefined
  if (problem) {
    throw new WizardError({
      code: 'invalid-period',
      message: `Cannot report on this period: ${problem}.`,
      actions: ['Choose --since before --until, within the last 14 months (e.g. --since 90d).'],
      exitCode: ExitCode.usage,
    })
  }
  return {start: isoDay(start), end: isoDay(end)}
}

/** Every day of a period (YYYY-MM-DD), for the daily chart and the per-day usage files. */
export function daysOf(period: ReportPeriod): string[] {
  const days: string[] = []
  for (let t = Date.parse(period.start); t < Date.parse(period.end); t += DAY_MS) days.push(isoDay(new Date(t)))
  return days
}

/** The month `now` is in: [first day, first day of next month). */
export function monthOf(now: Date): ReportPeriod {
  return {
    start: isoDay(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))),
    end: isoDay(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))),
  }
}
