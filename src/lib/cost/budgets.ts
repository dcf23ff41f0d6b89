import type {BudgetsClient} from '@aws-sdk/client-budgets'
import {TAG_KEYS} from '../../constructs/contract.js'
import {toCents} from './money.js'

/** The budget the stack made for an environment (CostGuard: arw-<name>-<digest>, filtered by the environment tag). */
export interface BudgetState {
  readonly environment: string
  readonly name: string
  readonly limitCents: number
  readonly actualCents: number
  /** AWS Budgets' own month-end forecast; absent early in the month or on a new account. */
  readonly forecastedCents?: number
  /** The forecast (or, without one, the actual spend) passes the limit. */
  readonly overBudget: boolean
}

/** The cost filter CostGuard gives an environment's budget: how the budget is found, whatever its name. */
export const budgetFilterFor = (environment: string) => `user:${TAG_KEYS.environment}$${environment}`

/**
 * The budget of each environment, from DescribeBudgets (100 a page): one call for an
 * account's budgets however many environments are reported. Environments without a
 * budget are left out.
 */
export async function fetchBudgets(
  client: BudgetsClient,
  accountId: string,
  environments: readonly string[],
): Promise<{budgets: BudgetState[]; calls: number}> {
  const {DescribeBudgetsCommand} = await import('@aws-sdk/client-budgets')
  const wanted = new Map(environments.map((environment) => [budgetFilterFor(environment), environment]))
  const budgets: BudgetState[] = []
  let calls = 0
  let token: string | undefined
  do {
    const page = await client.send(
      new DescribeBudgetsCommand({AccountId: accountId, MaxResults: 100, ...(token ? {NextToken: token} : {})}),
    )
    calls++
    for (const budget of page.Budgets ?? []) {
      // Ours: a budget filtered to exactly one environment's tag value, the filter CostGuard sets.
      const filter = budget.CostFilters?.TagKeyValue
      const environment = filter?.length === 1 ? wanted.get(filter[0]!) : undefined
      if (!environment || !budget.BudgetName?.startsWith('arw-')) continue
      const limitCents = toCents(budget.BudgetLimit?.Amount)
      const actualCents = toCents(budget.CalculatedSpend?.ActualSpend?.Amount)
      const forecast = budget.CalculatedSpend?.ForecastedSpend?.Amount
      const forecastedCents = forecast === undefined ? undefined : toCents(forecast)
      budgets.push({
        environment,
        name: budget.BudgetName!,
        limitCents,
        actualCents,
        ...(forecastedCents === undefined ? {} : {forecastedCents}),
        overBudget: limitCents > 0 && (forecastedCents ?? actualCents) > limitCents,
      })
    }
    token = page.NextToken || undefined
  } while (token && calls < 100)
  return {budgets: budgets.sort((a, b) => a.name.localeCompare(b.name)), calls}
}
