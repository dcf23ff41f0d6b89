import type {S3Client} from '@aws-sdk/client-s3'

/**
 * What the hub publishes per day at usage/<YYYY-MM-DD>.json in the environment's notebook
 * bucket: each user's server-hours, GPU-hours and home-directory size that day.
 */
export interface DailyUsage {
  readonly date: string
  readonly users: ReadonlyMap<string, {serverHours: number; gpuHours: number; homeBytes: number}>
}

export const usageKey = (day: string) => `usage/${day}.json`

// A hub of 500 users writes a few tens of kB; anything far larger is not ours.
const MAX_USAGE_BYTES = 1_000_000
// Hub user names (JupyterHub normalises them to lower case); others are ignored, never shown.
const USER_NAME = /^[a-z0-9][a-z0-9._@+-]{0,63}$/
const MAX_HOURS_PER_DAY = 24 * 8 // up to 8 GPUs a day

const amount = (value: unknown, max: number) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max ? value : 0

/** Parses a usage object; anything malformed is dropped (the day is then unattributed). */
export function parseUsage(text: string, day: string): DailyUsage | undefined {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return undefined
  }
  const data = raw as {date?: unknown; users?: unknown}
  if (data?.date !== day || typeof data.users !== 'object' || data.users === null) return undefined
  const users = new Map<string, {serverHours: number; gpuHours: number; homeBytes: number}>()
  for (const [name, value] of Object.entries(data.users as Record<string, unknown>)) {
    if (!USER_NAME.test(name) || typeof value !== 'object' || value === null) continue
    const entry = value as Record<string, unknown>
    users.set(name, {
      serverHours: amount(entry.server_hours, 24),
      gpuHours: amount(entry.gpu_hours, MAX_HOURS_PER_DAY),
      homeBytes: amount(entry.home_bytes, 1e15),
    })
  }
  return {date: day, users}
}

/** The usage of each day that has a published object (missing days are left out). */
export async function readDailyUsage(
  client: S3Client,
  bucket: string,
  days: readonly string[],
  concurrency = 8,
): Promise<{usage: Map<string, DailyUsage>; calls: number}> {
  const {GetObjectCommand} = await import('@aws-sdk/client-s3')
  const usage = new Map<string, DailyUsage>()
  let calls = 0
  const queue = [...days]
  const worker = async () => {
    for (let day = queue.shift(); day !== undefined; day = queue.shift()) {
      calls++
      try {
        const response = await client.send(new GetObjectCommand({Bucket: bucket, Key: usageKey(day)}))
        if ((response.ContentLength ?? 0) > MAX_USAGE_BYTES) continue
        const text = (await response.Body?.transformToString()) ?? ''
        const parsed = text.length <= MAX_USAGE_BYTES ? parseUsage(text, day) : undefined
        if (parsed) usage.set(day, parsed)
      } catch (error) {
        const name = (error as {name?: string}).name
        if (name !== 'NoSuchKey' && name !== 'NotFound') throw error
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(concurrency, days.length)}, worker))
  return {usage, calls}
}
