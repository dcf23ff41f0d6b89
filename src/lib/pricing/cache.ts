import {mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

/** What is kept per region: each figure with the time it was read from the Price List. */
export interface CachedPrices {
  readonly region: string
  readonly instanceHourly: Record<string, {usd: number; fetchedAt: string}>
  readonly units: Partial<Record<'gp3PerGiBMonth' | 'efsStandardPerGiBMonth' | 'natGatewayPerHour', {usd: number; fetchedAt: string}>>
}

/** AWS changes list prices rarely; a week keeps plans fast and still current. */
export const PRICE_CACHE_MAX_AGE_MS = 7 * 24 * 3600_000

/** $XDG_CACHE_HOME/aws-research-wizard/prices (default ~/.cache/...). */
export function priceCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache')
  return join(base, 'aws-research-wizard', 'prices')
}

// Region names are checked before they name a file: nothing from a flag reaches the path otherwise.
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/

function cacheFile(region: string, directory: string): string | undefined {
  return REGION.test(region) ? join(directory, `${region}.json`) : undefined
}

const isEntry = (value: unknown): value is {usd: number; fetchedAt: string} =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as {usd?: unknown}).usd === 'number' &&
  Number.isFinite((value as {usd: number}).usd) &&
  (value as {usd: number}).usd > 0 &&
  typeof (value as {fetchedAt?: unknown}).fetchedAt === 'string' &&
  !Number.isNaN(Date.parse((value as {fetchedAt: string}).fetchedAt))

/** The cached prices of a region; an absent, unreadable or malformed file is an empty cache. */
export function readPriceCache(region: string, directory = priceCacheDirectory()): CachedPrices {
  const empty: CachedPrices = {region, instanceHourly: {}, units: {}}
  const file = cacheFile(region, directory)
  if (!file) return empty
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return empty
  }
  const data = raw as Partial<CachedPrices>
  const instanceHourly = Object.fromEntries(Object.entries(data.instanceHourly ?? {}).filter(([, v]) => isEntry(v)))
  const units = Object.fromEntries(Object.entries(data.units ?? {}).filter(([, v]) => isEntry(v)))
  return {region, instanceHourly, units} as CachedPrices
}

/** Writes atomically (temporary file and rename) so a concurrent reader never sees half a file. */
export function writePriceCache(prices: CachedPrices, directory = priceCacheDirectory()): void {
  const file = cacheFile(prices.region, directory)
  if (!file) return
  try {
    mkdirSync(directory, {recursive: true})
    const temporary = `${file}.${process.pid}.tmp`
    writeFileSync(temporary, `${JSON.stringify(prices, null, 2)}\n`)
    renameSync(temporary, file)
  } catch {
    // A read-only home only costs the next run a Price List call.
  }
}

export const isFresh = (entry: {fetchedAt: string} | undefined, now: Date): entry is {usd: number; fetchedAt: string} =>
  entry !== undefined && now.getTime() - Date.parse(entry.fetchedAt) < PRICE_CACHE_MAX_AGE_MS
