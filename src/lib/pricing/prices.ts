import {AwsClients} from '../../aws/clients.js'
import {type CachedPrices, isFresh, priceCacheDirectory, readPriceCache, writePriceCache} from './cache.js'
import {efsQuery, gp3Query, instanceQuery, natQuery, type ProductQuery, queryPrice} from './price-list.js'
import {snapshotPrices} from './snapshot.js'
import type {PriceSourceKind, PriceTable} from './types.js'

export interface PriceOptions {
  readonly region: string
  readonly instanceTypes: readonly string[]
  /**
   * Clients to ask the Price List with; absent means never touch the network (cache, then
   * snapshot): what `deploy --dry-run` does, so a plan without credentials stays instant.
   */
  readonly clients?: AwsClients
  /** Bound on the whole Price List read; past it the snapshot answers. @default 8000 */
  readonly timeoutMs?: number
  readonly now?: Date
  readonly cacheDirectory?: string
  /** Told when the Price List could not be read (the reason), so the caller can say so. */
  readonly onFallback?: (reason: string) => void
}

type UnitKey = keyof CachedPrices['units']
const UNIT_QUERIES: Record<UnitKey, (region: string) => ProductQuery> = {
  gp3PerGiBMonth: gp3Query,
  efsStandardPerGiBMonth: efsQuery,
  natGatewayPerHour: natQuery,
}

/**
 * Prices for a region, best source first: a fresh cache entry (a week), the AWS Price
 * List (GetProducts, cached with its date), the bundled snapshot. Each figure falls back
 * on its own; the table is labelled by the weakest source it used. Never throws and
 * never waits longer than timeoutMs.
 */
export async function resolvePrices(options: PriceOptions): Promise<PriceTable> {
  const now = options.now ?? new Date()
  const directory = options.cacheDirectory ?? priceCacheDirectory()
  const cached = readPriceCache(options.region, directory)
  const types = [...new Set(options.instanceTypes)]
  const staleTypes = types.filter((type) => !isFresh(cached.instanceHourly[type], now))
  const staleUnits = (Object.keys(UNIT_QUERIES) as UnitKey[]).filter((key) => !isFresh(cached.units[key], now))
  const fetched = {instanceHourly: {} as Record<string, number>, units: {} as Partial<Record<UnitKey, number>>}
  if (options.clients && (staleTypes.length > 0 || staleUnits.length > 0)) {
    try {
      await withDeadline(fetchMissing(options.clients, options.region, staleTypes, staleUnits, fetched), options.timeoutMs ?? 8000)
    } catch (error) {
      options.onFallback?.((error as Error).message.split('\n')[0] ?? 'unknown error')
    }
    const stamp = now.toISOString()
    writePriceCache(
      {
        region: options.region,
        instanceHourly: {
          ...cached.instanceHourly,
          ...Object.fromEntries(Object.entries(fetched.instanceHourly).map(([type, usd]) => [type, {usd, fetchedAt: stamp}])),
        },
        units: {
          ...cached.units,
          ...Object.fromEntries(Object.entries(fetched.units).map(([key, usd]) => [key, {usd, fetchedAt: stamp}])),
        },
      },
      directory,
    )
  }
  return combine(options.region, types, cached, fetched, now)
}

/** Reads what is missing, in parallel (one GetProducts chain per figure). */
async function fetchMissing(
  clients: AwsClients,
  region: string,
  types: readonly string[],
  units: readonly UnitKey[],
  into: {instanceHourly: Record<string, number>; units: Partial<Record<UnitKey, number>>},
): Promise<void> {
  // Short bounds of its own: a price is never worth a long wait, the snapshot is there.
  const quick = new AwsClients({...clients.options, timeouts: {connectionMs: 2000, socketIdleMs: 5000, operationMs: 7000}})
  const client = await quick.pricing()
  await Promise.all([
    ...types.map(async (type) => {
      const usd = await queryPrice(client, instanceQuery(region, type))
      if (usd !== undefined) into.instanceHourly[type] = usd
    }),
    ...units.map(async (key) => {
      const usd = await queryPrice(client, UNIT_QUERIES[key](region))
      if (usd !== undefined) into.units[key] = usd
    }),
  ])
}

function combine(
  region: string,
  types: readonly string[],
  cached: CachedPrices,
  fetched: {instanceHourly: Record<string, number>; units: Partial<Record<UnitKey, number>>},
  now: Date,
): PriceTable {
  const snapshot = snapshotPrices(region, types)
  const sources = new Set<PriceSourceKind>()
  const dates: string[] = []
  const pick = (live: number | undefined, entry: {usd: number; fetchedAt: string} | undefined, fallback: number | undefined) => {
    if (live !== undefined) {
      sources.add('price-list')
      dates.push(now.toISOString())
      return live
    }
    if (isFresh(entry, now)) {
      sources.add('cache')
      dates.push(entry.fetchedAt)
      return entry.usd
    }
    if (fallback !== undefined) sources.add('snapshot')
    return fallback
  }
  const instanceHourly: Record<string, number> = {}
  for (const type of types) {
    const usd = pick(fetched.instanceHourly[type], cached.instanceHourly[type], snapshot.instanceHourly[type])
    if (usd !== undefined) instanceHourly[type] = usd
  }
  const unit = (key: UnitKey) => pick(fetched.units[key], cached.units[key], snapshot[key])!
  const table = {
    region,
    instanceHourly,
    gp3PerGiBMonth: unit('gp3PerGiBMonth'),
    efsStandardPerGiBMonth: unit('efsStandardPerGiBMonth'),
    natGatewayPerHour: unit('natGatewayPerHour'),
  }
  const source: PriceSourceKind = sources.has('snapshot') ? 'snapshot' : sources.has('cache') ? 'cache' : 'price-list'
  // The oldest date a figure carries is the honest date of the whole table.
  const fetchedAt = source === 'snapshot' ? undefined : dates.sort()[0]
  return {...table, source, ...(fetchedAt ? {fetchedAt} : {})}
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the AWS Price List did not answer within ${ms / 1000} s`)), ms)
        timer.unref()
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Prices without any network call: the dated cache where it is fresh (filled by the
 * commands that call AWS anyway: cost-report, list, status), else the bundled snapshot.
 * What plans use (`deploy --dry-run`, `scale`, `diff`), so a plan never waits on AWS.
 */
export function cachedPrices(
  region: string,
  instanceTypes: readonly string[],
  now = new Date(),
  cacheDirectory = priceCacheDirectory(),
): PriceTable {
  return combine(region, [...new Set(instanceTypes)], readPriceCache(region, cacheDirectory), {instanceHourly: {}, units: {}}, now)
}
