import {ExitCode, WizardError} from '../../errors.js'
import type {ResourceChange} from '../diff/data-safety.js'
import type {EnvironmentSpec, SpecOverrides} from '../spec/types.js'

/** What `jupyter budget` may change; absent values keep what the environment has. */
export interface BudgetChange {
  readonly monthlyUsd?: number
  readonly alertPercents?: readonly number[]
  readonly emails?: readonly string[]
  readonly stopAtLimit?: boolean
}

/** The spec overrides of a budget change: recorded in the deploy record, so later updates keep them. */
export function budgetOverrides(change: BudgetChange): Partial<SpecOverrides> {
  return {
    ...(change.monthlyUsd === undefined ? {} : {monthlyBudgetUsd: change.monthlyUsd}),
    ...(change.alertPercents === undefined ? {} : {budgetAlertPercents: [...change.alertPercents]}),
    ...(change.emails === undefined ? {} : {budgetEmails: [...change.emails]}),
    ...(change.stopAtLimit === undefined ? {} : {budgetStopAtLimit: change.stopAtLimit}),
  }
}

/** "50,80,100" -> [50, 80, 100]; anything else is a usage error naming the value. */
export function parsePercents(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim())
  if (parts.length === 0 || parts.some((p) => !/^\d{1,4}$/.test(p))) {
    throw new WizardError({
      code: 'invalid-alert-percent',
      message: `--alert-at "${text.slice(0, 60)}" is not a list of percentages: expected whole numbers separated by commas, e.g. 50,80,100.`,
      actions: ['Pass --alert-at 50,80,100.'],
      exitCode: ExitCode.usage,
    })
  }
  return parts.map(Number)
}

// The budget, its stop action and that action's role; nothing else may move.
const BUDGET_TYPES = new Set(['AWS::Budgets::Budget', 'AWS::Budgets::BudgetsAction', 'AWS::IAM::Role', 'AWS::IAM::Policy'])

/**
 * Refuses a budget update that would change anything but the budget (a pack or CLI
 * version change since the last deploy would otherwise ride along unseen).
 */
export function assertBudgetOnly(changes: readonly ResourceChange[]): void {
  const others = changes.filter((c) => !(BUDGET_TYPES.has(c.type) && c.logicalId.startsWith('CostGuard')))
  if (others.length === 0) return
  throw new WizardError({
    code: 'budget-change-not-alone',
    message: `Updating the budget would also change other resources:\n${others.map((c) => `  ${c.logicalId} (${c.type}, ${c.impact})`).join('\n')}`,
    actions: [
      'See what a redeploy would change with: aws-research-wizard jupyter diff <name>',
      'Apply those changes first (jupyter deploy or scale), then set the budget.',
    ],
    exitCode: ExitCode.usage,
    data: {changes: others},
  })
}

/** One line for people: "$500 a month; alerts at 50%, 80%, 100% to a@b.org; stops the hub at 100%". */
export function describeBudget(spec: EnvironmentSpec): string {
  const cost = spec.cost
  if (cost.monthlyBudgetUsd === undefined) return 'no budget'
  const alerts =
    cost.alertEmails.length > 0
      ? `alerts at ${cost.alertPercents.map((p) => `${p}%`).join(', ')} (and at a forecast of 100%) to ${cost.alertEmails.join(', ')}`
      : 'no alerts (no e-mail)'
  return `$${cost.monthlyBudgetUsd} a month; ${alerts}; ${cost.stopAtLimit ? 'stops the hub when actual spend reaches 100%' : 'never stops the hub'}`
}
