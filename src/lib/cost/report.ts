import type {GroupDefinition} from '@aws-sdk/client-cost-explorer'
import type {AwsClients} from '../../aws/clients.js'
import {TAG_KEYS} from '../../constructs/contract.js'
import {describeInstances, type EnvironmentRecord, listEnvironments} from '../environments/discover.js'
import {resolvePrices} from '../pricing/prices.js'
import {describePriceSource} from '../pricing/types.js'
import {type BudgetState, fetchBudgets} from './budgets.js'
import {
  activateCostAllocationTags,
  type CostCell,
  type CostMetric,
  environmentTagStatus,
  fetchActualCosts,
  fetchForecast,
  type TagActivation,
} from './cost-explorer.js'
import {type LiveEstimateLine, liveEstimate} from './live-estimate.js'
import {centsToUsd, sumCents} from './money.js'
import {isoDay, monthOf, type ReportPeriod} from './period.js'
import {splitByUser, USER_SPLIT_METHOD} from './split.js'
import {columnsOf, type CostTable, tabulate} from './table.js'
import {type DailyUsage, readDailyUsage} from './usage.js'

export type GroupBy = 'environment' | 'service' | 'user' | 'domain'

export interface CostReportOptions {
  readonly clients: AwsClients
  /** Environment names; empty reports every environment carrying the tag. */
  readonly environments: readonly string[]
  readonly period: ReportPeriod
  readonly granularity: 'daily' | 'monthly'
  readonly groupBy: GroupBy
  readonly metric: CostMetric
  readonly activateTags?: boolean
  readonly now?: Date
  readonly onProgress?: (detail: string) => void
}

export interface ForecastSummary {
  /** The month forecast: YYYY-MM. */
  readonly month: string
  readonly monthToDateUsd: number
  /** Cost Explorer's forecast for the rest of the month. */
  readonly remainingUsd: number
  /** Month to date + the rest: where the month is heading. */
  readonly monthEndUsd: number
  /** Sum of the reported environments' monthly budgets, when each has one. */
  readonly budgetUsd?: number
  readonly overBudget: boolean
}

export interface CostReportResult {
  readonly period: {readonly start: string; readonly end: string; readonly last: string}
  readonly granularity: 'daily' | 'monthly'
  readonly groupBy: GroupBy
  readonly metric: CostMetric
  readonly environments: readonly string[]
  readonly actual: CostTable
  /** The tag's cost-allocation state; costs are tagged only from activation on. */
  readonly tag: {readonly key: string; readonly status: TagActivation; readonly activatedNow: readonly string[]}
  readonly liveEstimate: {
    readonly lines: readonly LiveEstimateLine[]
    readonly totalCents: number
    readonly totalUsd: number
    readonly priceSource: string
  }
  readonly forecast?: ForecastSummary
  readonly budgets: ReadonlyArray<BudgetState & {readonly limitUsd: number; readonly actualUsd: number; readonly forecastedUsd?: number}>
  /** How the per-person split is made (group-by user only). */
  readonly userSplit?: string
  /** AWS calls made, by API: what the report cost in requests. */
  readonly calls: Readonly<Record<string, number>>
  readonly warnings: readonly string[]
}

const GROUPS: Record<Exclude<GroupBy, 'user'>, GroupDefinition[]> = {
  environment: [{Type: 'TAG', Key: TAG_KEYS.environment}],
  domain: [{Type: 'TAG', Key: TAG_KEYS.domain}],
  service: [{Type: 'DIMENSION', Key: 'SERVICE'}],
}
// Per person needs each environment's figures per service and per day: the usage is per day.
const USER_GROUPS: GroupDefinition[] = [
  {Type: 'TAG', Key: TAG_KEYS.environment},
  {Type: 'DIMENSION', Key: 'SERVICE'},
]

const reason = (error: unknown) => String((error as Error)?.message ?? error).split('\n')[0]

/**
 * The cost report: actual spend from Cost Explorer by the environment tag (every page),
 * a live estimate for the hours Cost Explorer has not caught up with, the month-end
 * forecast and each environment's budget. Forecast, budgets and the tag state are extras:
 * when one cannot be read the report says so and goes on.
 */
export async function buildCostReport(options: CostReportOptions): Promise<CostReportResult> {
  const now = options.now ?? new Date()
  const {period, clients} = options
  const calls: Record<string, number> = {}
  const count = (api: string, n = 1) => void (calls[api] = (calls[api] ?? 0) + n)
  const warnings: string[] = []
  const ce = await clients.costExplorer()

  const activatedNow: string[] = []
  if (options.activateTags) {
    options.onProgress?.('activating the cost-allocation tags')
    count('UpdateCostAllocationTagsStatus')
    const {activated, errors} = await activateCostAllocationTags(ce)
    activatedNow.push(...activated)
    for (const error of errors) warnings.push(`Could not activate ${error}`)
  }
  let tagStatus: TagActivation = 'unknown'
  try {
    count('ListCostAllocationTags')
    tagStatus = activatedNow.includes(TAG_KEYS.environment) ? 'Active' : await environmentTagStatus(ce)
  } catch (error) {
    warnings.push(`Could not read whether the ${TAG_KEYS.environment} tag is active for cost allocation: ${reason(error)}`)
  }

  options.onProgress?.('reading Cost Explorer')
  const userGrouping = options.groupBy === 'user'
  const actual = await fetchActualCosts(ce, {
    period,
    // Usage is published per day, so a per-person report reads days and sums them into months.
    granularity: options.granularity === 'monthly' && !userGrouping ? 'MONTHLY' : 'DAILY',
    metric: options.metric,
    groupBy: userGrouping ? USER_GROUPS : GROUPS[options.groupBy],
    environments: options.environments,
  })
  count('GetCostAndUsage', actual.calls)

  options.onProgress?.('finding environments')
  const found = await listEnvironments(clients)
  count('DescribeStacks')
  const wanted = options.environments.length > 0 ? new Set(options.environments) : undefined
  const environments = found.filter((e) => !wanted || wanted.has(e.name))

  let cells: CostCell[] = [...actual.cells]
  let userSplit: string | undefined
  if (userGrouping) {
    options.onProgress?.('reading published usage')
    const usage = await readUsage(clients, environments, cells, count)
    cells = splitByUser(cells, usage)
    userSplit = USER_SPLIT_METHOD
  }
  const table = tabulate(cells, columnsOf(period, options.granularity), options.granularity)

  const live = await estimateLive(clients, environments, actual.cells, options.groupBy, period, now, count, warnings)
  const names = [...new Set([...(options.environments.length > 0 ? options.environments : environments.map((e) => e.name))])].sort()
  const budgets = await readBudgets(clients, names, count, warnings)
  const forecast = await readForecast(options, cells, budgets, names, now, count, warnings)

  if (tagStatus !== 'Active' && tagStatus !== 'unknown')
    warnings.push(
      `The ${TAG_KEYS.environment} tag is ${tagStatus === 'Inactive' ? 'not activated' : 'not yet known to Billing'} for cost allocation, so Cost Explorer cannot attribute costs to environments. ` +
        'Activate it with --activate-tags (AWS tags costs only from activation on; earlier costs stay untagged).',
    )
  else if (tagStatus === 'unknown' && actual.cells.length === 0)
    warnings.push(
      `Cost Explorer returned nothing for the ${TAG_KEYS.environment} tag: it may not be activated for cost allocation (--activate-tags), or the costs are not in yet (about a day).`,
    )

  return {
    period: {start: period.start, end: period.end, last: isoDay(new Date(Date.parse(period.end) - 86_400_000))},
    granularity: options.granularity,
    groupBy: options.groupBy,
    metric: options.metric,
    environments: names,
    actual: table,
    tag: {key: TAG_KEYS.environment, status: tagStatus, activatedNow},
    liveEstimate: live,
    ...(forecast ? {forecast} : {}),
    budgets: budgets.map((b) => ({
      ...b,
      limitUsd: centsToUsd(b.limitCents),
      actualUsd: centsToUsd(b.actualCents),
      ...(b.forecastedCents === undefined ? {} : {forecastedUsd: centsToUsd(b.forecastedCents)}),
    })),
    ...(userSplit ? {userSplit} : {}),
    calls,
    warnings,
  }
}

/** Each environment's published usage for the days Cost Explorer has figures for. */
async function readUsage(
  clients: AwsClients,
  environments: readonly EnvironmentRecord[],
  cells: readonly CostCell[],
  count: (api: string, n?: number) => void,
): Promise<Map<string, Map<string, DailyUsage>>> {
  const s3 = await clients.s3()
  const usage = new Map<string, Map<string, DailyUsage>>()
  await Promise.all(
    environments.map(async (environment) => {
      const bucket = environment.outputs.notebookBucket
      if (!bucket) return
      const days = [...new Set(cells.filter((c) => c.keys[0] === environment.name).map((c) => c.period))].sort()
      const read = await readDailyUsage(s3, bucket, days)
      count('GetObject', read.calls)
      usage.set(environment.name, read.usage)
    }),
  )
  return usage
}

/** The live estimate: running hubs' hours since Cost Explorer's last figure for them. */
async function estimateLive(
  clients: AwsClients,
  environments: readonly EnvironmentRecord[],
  cells: readonly CostCell[],
  groupBy: GroupBy,
  period: ReportPeriod,
  now: Date,
  count: (api: string, n?: number) => void,
  warnings: string[],
): Promise<CostReportResult['liveEstimate']> {
  const instances = await describeInstances(clients, environments.map((e) => e.outputs.instanceId ?? '').filter(Boolean))
  if (environments.some((e) => e.outputs.instanceId)) count('DescribeInstances')
  const hubs = environments.map((e) => ({environment: e.name, instance: instances.get(e.outputs.instanceId ?? '')}))
  const types = hubs.flatMap((h) => (h.instance?.state === 'running' && h.instance.instanceType ? [h.instance.instanceType] : []))
  const region = clients.region ?? 'us-east-1'
  const prices = await resolvePrices({
    region,
    instanceTypes: types,
    ...(types.length > 0 ? {clients} : {}),
    now,
    onFallback: (why) => warnings.push(`Live prices unavailable (${why}); the estimate uses the bundled snapshot.`),
  })
  // The end of Cost Explorer's last non-zero figure, per environment when the report is by environment.
  const lastEnd = (environment?: string) =>
    cells
      .filter((c) => c.cents !== 0 && (environment === undefined || c.keys[0] === environment))
      .reduce((latest, c) => (c.periodEnd > latest ? c.periodEnd : latest), period.start)
  const global = lastEnd()
  const perEnvironment = groupBy === 'environment' || groupBy === 'user'
  const lines = liveEstimate(hubs, (name) => (perEnvironment ? lastEnd(name) : global), prices, now)
  const totalCents = sumCents(lines.map((l) => l.cents))
  return {lines, totalCents, totalUsd: centsToUsd(totalCents), priceSource: describePriceSource(prices)}
}

async function readBudgets(
  clients: AwsClients,
  names: readonly string[],
  count: (api: string, n?: number) => void,
  warnings: string[],
): Promise<BudgetState[]> {
  if (names.length === 0) return []
  try {
    const {GetCallerIdentityCommand} = await import('@aws-sdk/client-sts')
    count('GetCallerIdentity')
    const {Account} = await (await clients.sts()).send(new GetCallerIdentityCommand({}))
    const {budgets, calls} = await fetchBudgets(await clients.budgets(), Account ?? '', names)
    count('DescribeBudgets', calls)
    return budgets
  } catch (error) {
    warnings.push(`Could not read the budgets: ${reason(error)}`)
    return []
  }
}

/** Month-end: month to date (from the report's figures when it covers the month) + Cost Explorer's forecast. */
async function readForecast(
  options: CostReportOptions,
  cells: readonly CostCell[],
  budgets: readonly BudgetState[],
  names: readonly string[],
  now: Date,
  count: (api: string, n?: number) => void,
  warnings: string[],
): Promise<ForecastSummary | undefined> {
  const month = monthOf(now)
  const today = isoDay(now)
  try {
    const ce = await options.clients.costExplorer()
    let monthToDate: number
    if (options.period.start <= month.start && options.period.end > today) {
      monthToDate = sumCents(cells.filter((c) => c.period >= month.start && c.period < month.end).map((c) => c.cents))
    } else {
      const mtd = await fetchActualCosts(ce, {
        period: {start: month.start, end: isoDay(new Date(Date.parse(today) + 86_400_000))},
        granularity: 'MONTHLY',
        metric: options.metric,
        groupBy: [],
        environments: options.environments,
      })
      count('GetCostAndUsage', mtd.calls)
      monthToDate = sumCents(mtd.cells.map((c) => c.cents))
    }
    count('GetCostForecast')
    const remaining = await fetchForecast(ce, today, month, options.metric, options.environments)
    const monthEnd = monthToDate + remaining
    const everyBudget = names.length > 0 && names.every((name) => budgets.some((b) => b.environment === name))
    const budgetCents = everyBudget ? sumCents(budgets.map((b) => b.limitCents)) : undefined
    return {
      month: month.start.slice(0, 7),
      monthToDateUsd: centsToUsd(monthToDate),
      remainingUsd: centsToUsd(remaining),
      monthEndUsd: centsToUsd(monthEnd),
      ...(budgetCents === undefined ? {} : {budgetUsd: centsToUsd(budgetCents)}),
      overBudget: budgetCents !== undefined && budgetCents > 0 && monthEnd > budgetCents,
    }
  } catch (error) {
    warnings.push(`No month-end forecast: ${reason(error)}`)
    return undefined
  }
}
