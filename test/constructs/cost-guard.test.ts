import {Match, Template} from 'aws-cdk-lib/assertions'
import {describe, expect, it} from 'vitest'
import {assertBudgetOnly, budgetOverrides, describeBudget, parsePercents} from '../../src/lib/cost/budget-change.js'
import type {EnvironmentSpec} from '../../src/lib/spec/types.js'
import {resolveSpec} from '../../src/lib/spec/resolve-spec.js'
import {buildApp} from '../../src/lib/synth/build-app.js'
import {specFor} from '../helpers/specs.js'

function templateOf(spec: EnvironmentSpec): Template {
  const {app, stacks} = buildApp([spec])
  app.synth()
  return Template.fromStack(stacks[0]!)
}

describe('CostGuard: the budget jupyter budget changes', () => {
  it('alerts at the chosen percentages to every address, plus a forecast alert at 100%, and stops nothing by default', async () => {
    const spec = await specFor('genomics', {
      monthlyBudgetUsd: 500,
      ...budgetOverrides({alertPercents: [100, 50, 80], emails: ['pi@example.org']}),
    })
    expect(describeBudget(spec)).toBe(
      '$500 a month; alerts at 50%, 80%, 100% (and at a forecast of 100%) to ada@example.org, pi@example.org; never stops the hub',
    )
    const template = templateOf(spec)
    const budget = Object.values(template.findResources('AWS::Budgets::Budget'))[0] as {
      Properties: {NotificationsWithSubscribers: unknown[]}
    }
    expect(budget.Properties.NotificationsWithSubscribers).toEqual(
      [
        ['ACTUAL', 50],
        ['ACTUAL', 80],
        ['ACTUAL', 100],
        ['FORECASTED', 100],
      ].map(([type, threshold]) => ({
        Notification: {NotificationType: type, ComparisonOperator: 'GREATER_THAN', Threshold: threshold, ThresholdType: 'PERCENTAGE'},
        Subscribers: [
          {SubscriptionType: 'EMAIL', Address: 'ada@example.org'},
          {SubscriptionType: 'EMAIL', Address: 'pi@example.org'},
        ],
      })),
    )
    template.resourceCountIs('AWS::Budgets::BudgetsAction', 0)
  })

  it('--stop-at-100 adds a Budgets action that stops only this hub, with a role only Budgets can assume', async () => {
    const spec = await specFor('genomics', {monthlyBudgetUsd: 500, ...budgetOverrides({stopAtLimit: true})})
    const template = templateOf(spec)
    template.hasResourceProperties('AWS::Budgets::BudgetsAction', {
      BudgetName: {Ref: Match.stringLikeRegexp('^CostGuard')},
      ActionType: 'RUN_SSM_DOCUMENTS',
      ActionThreshold: {Type: 'PERCENTAGE', Value: 100},
      NotificationType: 'ACTUAL',
      ApprovalModel: 'AUTOMATIC',
      Definition: {
        SsmActionDefinition: {Subtype: 'STOP_EC2_INSTANCES', Region: 'us-east-1', InstanceIds: [{Ref: Match.stringLikeRegexp('^Hub')}]},
      },
      Subscribers: [{Type: 'EMAIL', Address: 'ada@example.org'}],
    })
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {Statement: [Match.objectLike({Principal: {Service: 'budgets.amazonaws.com'}})]},
    })
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: {Roles: [{Ref: Match.stringLikeRegexp('^CostGuardStopRole')}]},
    })
    const statements = (Object.values(policies)[0] as {Properties: {PolicyDocument: {Statement: {Action: unknown}[]}}}).Properties
      .PolicyDocument.Statement
    expect(statements.map((s) => s.Action)).toEqual([['ec2:DescribeInstanceStatus', 'ec2:StopInstances'], 'ssm:StartAutomationExecution'])
  })

  it('refuses more than four alert thresholds, bad percentages and addresses, and a stop without a budget', async () => {
    const base = await specFor('genomics')
    // Without the pack's own budget, so that a stop without --monthly has no budget to act on.
    const pack = {...base.pack, cost: {...base.pack.cost, monthly_budget_usd: undefined}}
    const findings = (overrides: object) =>
      resolveSpec('genomics', pack, {...base.overrides, ...overrides})
        .findings.filter((f) => f.level === 'error')
        .map((f) => f.code)
    expect(findings(budgetOverrides({alertPercents: [10, 20, 30, 40, 50]}))).toContain('too-many-alerts')
    expect(findings(budgetOverrides({alertPercents: [0]}))).toContain('out-of-range')
    expect(findings(budgetOverrides({emails: ['not an address']}))).toContain('invalid-email')
    expect(findings(budgetOverrides({stopAtLimit: true}))).toContain('stop-without-budget')
    expect(() => parsePercents('50,eighty')).toThrow(/not a list of percentages/)
    expect(parsePercents('50, 80,100')).toEqual([50, 80, 100])
  })

  it('a budget update that would change anything else is refused, naming what', () => {
    const change = (logicalId: string, type: string) => ({logicalId, type, impact: 'update' as const, dataBearing: false, properties: []})
    expect(() =>
      assertBudgetOnly([change('CostGuard1A2B3C4D', 'AWS::Budgets::Budget'), change('CostGuardStopRole5E6F', 'AWS::IAM::Role')]),
    ).not.toThrow()
    expect(() =>
      assertBudgetOnly([change('CostGuard1A2B3C4D', 'AWS::Budgets::Budget'), change('HubInstance1234', 'AWS::EC2::Instance')]),
    ).toThrow(/would also change other resources:\n {2}HubInstance1234 \(AWS::EC2::Instance, update\)/)
  })
})
