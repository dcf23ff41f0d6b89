import {CfnBudget} from 'aws-cdk-lib/aws-budgets'
import {Construct} from 'constructs'

export interface CostGuardProps {
  readonly environmentName: string
  /** Cost-allocation tag every resource carries (activate it in Billing for budgets to see it). */
  readonly tagKey: string
  readonly monthlyBudgetUsd: number
  readonly alertEmails: readonly string[]
}

/** A monthly AWS Budget filtered to this environment's cost-allocation tag, with e-mail alerts. */
export class CostGuard extends Construct {
  readonly budget: CfnBudget

  constructor(scope: Construct, id: string, props: CostGuardProps) {
    super(scope, id)
    const subscribers = props.alertEmails.map((address) => ({subscriptionType: 'EMAIL', address}))
    const notify = (notificationType: 'ACTUAL' | 'FORECASTED', threshold: number) => ({
      notification: {notificationType, comparisonOperator: 'GREATER_THAN', threshold, thresholdType: 'PERCENTAGE'},
      subscribers,
    })
    this.budget = new CfnBudget(this, 'Resource', {
      budget: {
        budgetName: `arw-${props.environmentName}`,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: {amount: props.monthlyBudgetUsd, unit: 'USD'},
        costFilters: {TagKeyValue: [`user:${props.tagKey}$${props.environmentName}`]},
      },
      notificationsWithSubscribers:
        subscribers.length > 0 ? [notify('ACTUAL', 80), notify('ACTUAL', 100), notify('FORECASTED', 100)] : undefined,
    })
  }
}
