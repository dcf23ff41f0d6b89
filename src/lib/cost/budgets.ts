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

/** The budget of each environment; environments without one are left out. */
export async function fetchBudgets(
  client: BudgetsClient,
  accountId: string,
  environments: readonly string[],
): Promise<{budgets: BudgetState[]; calls: number}> {
  const {DescribeBudgetCommand} = await import('@aws-sdk/client-budgets')
  let calls = 0
  const found = await Promise.all(
    environments.map(async (environment): Promise<BudgetState | undefined> => {
      const name = budgetNameFor(environment)
      calls++
      try {
        const {Budget} = await client.send(new DescribeBudgetCommand({AccountId: accountId, BudgetName: name}))
        if (!Budget) return undefined
        const limitCents = toCents(Budget.BudgetLimit?.Amount)
        const actualCents = toCents(Budget.CalculatedSpend?.ActualSpend?.Amount)
        const forecast = Budget.CalculatedSpend?.ForecastedSpend?.Amount
        const forecastedCents = forecast === undefined ? undefined : toCents(forecast)
        return {
          environment,
          name,
          limitCents,
          actualCents,
          ...(forecastedCents === undefined ? {} : {forecastedCents}),
          overBudget: limitCents > 0 && (forecastedCents ?? actualCents) > limitCents,
        }
      } catch (error) {
        if ((error as {name?: string}).name === 'NotFoundException') return undefined
        throw error
      }
    }),
  )
  return {budgets: found.filter((b): b is BudgetState => b !== undefined), calls}
}
