import type {BudgetsClient} from '@aws-sdk/client-budgets'
import {toCents} from './money.js'

/** The budget the stack made for an environment (CostGuard names it arw-<name>). */
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

export const budgetNameFor = (environment: string) => `arw-${environment}`

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
  const wanted = new Map(environments.map((environment) => [budgetNameFor(environment), environment]))
  const budgets: BudgetState[] = []
  let calls = 0
  let token: string | undefined
  do {
    const page = await client.send(new DescribeBudgetsCommand({AccountId: accountId, MaxResults: 100, ...(token ? {NextToken: token} : {})}))
    calls++
    for (const budget of page.Budgets ?? []) {
      const environment = budget.BudgetName ? wanted.get(budget.BudgetName) : undefined
      if (!environment) continue
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
