import {createHash} from 'node:crypto'
import {Aws, Validations} from 'aws-cdk-lib'
import {CfnBudget, CfnBudgetsAction} from 'aws-cdk-lib/aws-budgets'
import * as iam from 'aws-cdk-lib/aws-iam'
import {Construct} from 'constructs'

export interface CostGuardProps {
  readonly environmentName: string
  /** Cost-allocation tag every resource carries (activate it in Billing for budgets to see it). */
  readonly tagKey: string
  readonly monthlyBudgetUsd: number
  readonly alertEmails: readonly string[]
  /**
   * Percentages of the budget at which actual spend alerts; a forecast alert at 100% is always added.
   * @default - 80 and 100
   */
  readonly alertPercents?: readonly number[]
  /**
   * Stop this instance when actual spend reaches the budget (a Budgets action running the
   * AWS-owned stop-instance automation). Needs at least one alert e-mail (AWS requires a subscriber).
   * @default - no action: alerts only
   */
  readonly stopInstance?: {readonly instanceId: string; readonly region: string}
}

/**
 * A monthly AWS Budget filtered to this environment's cost-allocation tag, with e-mail
 * alerts. `jupyter cost-report` finds it by that filter (its name is arw-<env>-<digest>).
 */
export class CostGuard extends Construct {
  readonly budget: CfnBudget
  readonly stopAction?: CfnBudgetsAction

  constructor(scope: Construct, id: string, props: CostGuardProps) {
    super(scope, id)
    const subscribers = props.alertEmails.map((address) => ({subscriptionType: 'EMAIL', address}))
    const notify = (notificationType: 'ACTUAL' | 'FORECASTED', threshold: number) => ({
      notification: {notificationType, comparisonOperator: 'GREATER_THAN', threshold, thresholdType: 'PERCENTAGE'},
      subscribers,
    })
    const percents = [...new Set(props.alertPercents ?? [80, 100])].sort((a, b) => a - b)
    // AWS Budgets keeps at most five notifications a budget, the forecast alert being one.
    if (percents.length > 4) throw new Error(`CostGuard: at most 4 alert percentages, got ${percents.length}`)
    const notifications = subscribers.length > 0 ? [...percents.map((p) => notify('ACTUAL', p)), notify('FORECASTED', 100)] : undefined
    // CloudFormation replaces a budget whose notifications change, and cannot replace a
    // resource of a fixed name: the name carries a digest of the notifications, so new
    // alerts or addresses make a budget of a new name (created, then the old one deleted).
    const digest = createHash('sha256')
      .update(JSON.stringify(notifications ?? []))
      .digest('hex')
      .slice(0, 8)
    const budgetName = `arw-${props.environmentName}-${digest}`
    this.budget = new CfnBudget(this, 'Resource', {
      budget: {
        budgetName,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: {amount: props.monthlyBudgetUsd, unit: 'USD'},
        costFilters: {TagKeyValue: [`user:${props.tagKey}$${props.environmentName}`]},
      },
      notificationsWithSubscribers: notifications,
    })
    if (props.stopInstance) {
      if (subscribers.length === 0) throw new Error('CostGuard: stopInstance needs at least one alert e-mail')
      this.stopAction = this.addStopAction(props.stopInstance, props.alertEmails)
    }
  }

  /** The budget action: at 100% of actual spend, Budgets stops the hub (data stays; `jupyter start` resumes). */
  private addStopAction(target: {readonly instanceId: string; readonly region: string}, emails: readonly string[]): CfnBudgetsAction {
    const role = new iam.Role(this, 'StopRole', {
      assumedBy: new iam.ServicePrincipal('budgets.amazonaws.com'),
      description: "Lets AWS Budgets stop this environment's hub when the budget is spent.",
    })
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:StopInstances', 'ec2:DescribeInstanceStatus'],
        resources: [`arn:${Aws.PARTITION}:ec2:${target.region}:${Aws.ACCOUNT_ID}:instance/${target.instanceId}`],
      }),
    )
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:StartAutomationExecution'],
        resources: [`arn:${Aws.PARTITION}:ssm:${target.region}::automation-definition/AWS-StopEC2Instance:*`],
      }),
    )
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${target.region}::automation-definition/AWS-StopEC2Instance:*]`,
      reason: 'The AWS-owned stop automation is addressed by version; only that document, in this region.',
    })
    const action = new CfnBudgetsAction(this, 'StopAtLimit', {
      // The budget's Ref is its name: the action follows the budget when it is replaced.
      budgetName: this.budget.ref,
      actionType: 'RUN_SSM_DOCUMENTS',
      actionThreshold: {type: 'PERCENTAGE', value: 100},
      notificationType: 'ACTUAL',
      approvalModel: 'AUTOMATIC',
      executionRoleArn: role.roleArn,
      definition: {ssmActionDefinition: {subtype: 'STOP_EC2_INSTANCES', region: target.region, instanceIds: [target.instanceId]}},
      subscribers: emails.map((address) => ({type: 'EMAIL', address})),
    })
    return action
  }
}
