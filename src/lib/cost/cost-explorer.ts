import type {CostExplorerClient, Expression, GroupDefinition} from '@aws-sdk/client-cost-explorer'
import {TAG_KEYS} from '../../constructs/contract.js'
import {toCents} from './money.js'
import type {ReportPeriod} from './period.js'

export type CostMetric = 'UnblendedCost' | 'AmortizedCost'
export type Granularity = 'DAILY' | 'MONTHLY'

/** One amount of a Cost Explorer answer: a time period and the group keys it is for. */
export interface CostCell {
  /** Start day of the period (YYYY-MM-DD). */
  readonly period: string
  /** End day (exclusive) of the period. */
  readonly periodEnd: string
  /** One value per GroupBy (tag values without their "key$" prefix), empty without grouping. */
  readonly keys: readonly string[]
  readonly cents: number
  /** Cost Explorer marks recent figures as estimated until the month closes. */
  readonly estimated: boolean
}

export interface ActualQuery {
  readonly period: ReportPeriod
  readonly granularity: Granularity
  readonly metric: CostMetric
  readonly groupBy: readonly GroupDefinition[]
  /** Environment names to keep; empty means every environment that carries the tag. */
  readonly environments: readonly string[]
}

export interface ActualCosts {
  readonly cells: readonly CostCell[]
  /** GetCostAndUsage calls made (one per page). */
  readonly calls: number
}

/** The Cost Explorer filter for "costs of these environments" (or of any environment). */
export function environmentFilter(environments: readonly string[]): Expression {
  return environments.length > 0
    ? {Tags: {Key: TAG_KEYS.environment, Values: [...environments], MatchOptions: ['EQUALS']}}
    : {Not: {Tags: {Key: TAG_KEYS.environment, MatchOptions: ['ABSENT']}}}
}

/** Tag group keys come back as "key$value"; the value alone is the name (empty: untagged). */
const groupValue = (key: string, definition: GroupDefinition | undefined) =>
  definition?.Type === 'TAG' && key.includes('$') ? key.slice(key.indexOf('$') + 1) : key

// A runaway NextPageToken loop would bill a call each; real answers need a few pages.
const MAX_PAGES = 500

/** Every page of GetCostAndUsage (NextPageToken) for the query, as cents per period and group. */
export async function fetchActualCosts(client: CostExplorerClient, query: ActualQuery): Promise<ActualCosts> {
  const {GetCostAndUsageCommand} = await import('@aws-sdk/client-cost-explorer')
  const cells: CostCell[] = []
  let token: string | undefined
  let calls = 0
  do {
    const response = await client.send(
      new GetCostAndUsageCommand({
        TimePeriod: {Start: query.period.start, End: query.period.end},
        Granularity: query.granularity,
        Metrics: [query.metric],
        Filter: environmentFilter(query.environments),
        ...(query.groupBy.length > 0 ? {GroupBy: [...query.groupBy]} : {}),
        ...(token ? {NextPageToken: token} : {}),
      }),
    )
    calls++
    for (const result of response.ResultsByTime ?? []) {
      const period = result.TimePeriod?.Start ?? ''
      const periodEnd = result.TimePeriod?.End ?? ''
      const estimated = Boolean(result.Estimated)
      if (query.groupBy.length === 0) {
        cells.push({period, periodEnd, keys: [], cents: toCents(result.Total?.[query.metric]?.Amount), estimated})
        continue
      }
      for (const group of result.Groups ?? []) {
        const keys = (group.Keys ?? []).map((key, i) => groupValue(key, query.groupBy[i]))
        cells.push({period, periodEnd, keys, cents: toCents(group.Metrics?.[query.metric]?.Amount), estimated})
      }
    }
    token = response.NextPageToken || undefined
  } while (token && calls < MAX_PAGES)
  return {cells, calls}
}

/** Activation state of the environment tag for cost allocation. */
export type TagActivation = 'Active' | 'Inactive' | 'not-seen' | 'unknown'

/**
 * Whether Cost Explorer may group by the environment tag. `not-seen`: Billing has never
 * seen the tag (no tagged resource has been billed yet); `unknown`: the call failed.
 */
export async function environmentTagStatus(client: CostExplorerClient): Promise<TagActivation> {
  const {ListCostAllocationTagsCommand} = await import('@aws-sdk/client-cost-explorer')
  const {CostAllocationTags = []} = await client.send(
    new ListCostAllocationTagsCommand({TagKeys: [TAG_KEYS.environment], Type: 'UserDefined'}),
  )
  const tag = CostAllocationTags.find((t) => t.TagKey === TAG_KEYS.environment)
  return tag?.Status === 'Active' ? 'Active' : tag?.Status === 'Inactive' ? 'Inactive' : 'not-seen'
}

/** Activates the product's tags for cost allocation; returns the keys activated. */
export async function activateCostAllocationTags(client: CostExplorerClient): Promise<{activated: string[]; errors: string[]}> {
  const {UpdateCostAllocationTagsStatusCommand} = await import('@aws-sdk/client-cost-explorer')
  const keys = Object.values(TAG_KEYS)
  const {Errors = []} = await client.send(
    new UpdateCostAllocationTagsStatusCommand({CostAllocationTagsStatus: keys.map((TagKey) => ({TagKey, Status: 'Active'}))}),
  )
  const failed = new Set(Errors.map((e) => e.TagKey))
  return {
    activated: keys.filter((key) => !failed.has(key)),
    errors: Errors.map((e) => `${e.TagKey}: ${e.Code ?? 'error'} ${e.Message ?? ''}`.trim()),
  }
}

/** Cost Explorer's forecast for the rest of `period` (from `from`), in cents. */
export async function fetchForecast(
  client: CostExplorerClient,
  from: string,
  period: ReportPeriod,
  metric: CostMetric,
  environments: readonly string[],
): Promise<number> {
  const {GetCostForecastCommand} = await import('@aws-sdk/client-cost-explorer')
  const response = await client.send(
    new GetCostForecastCommand({
      TimePeriod: {Start: from, End: period.end},
      Granularity: 'MONTHLY',
      Metric: metric === 'AmortizedCost' ? 'AMORTIZED_COST' : 'UNBLENDED_COST',
      Filter: environmentFilter(environments),
    }),
  )
  return toCents(response.Total?.Amount)
}
