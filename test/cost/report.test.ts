import {BudgetsClient, DescribeBudgetsCommand} from '@aws-sdk/client-budgets'
import {CloudFormationClient, DescribeStacksCommand} from '@aws-sdk/client-cloudformation'
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  ListCostAllocationTagsCommand,
  UpdateCostAllocationTagsStatusCommand,
} from '@aws-sdk/client-cost-explorer'
import {DescribeInstancesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {GetProductsCommand, PricingClient} from '@aws-sdk/client-pricing'
import {GetObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {mockClient} from 'aws-sdk-client-mock'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeEach, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {buildCostReport} from '../../src/lib/cost/report.js'
import {renderCostCsv, renderCostReport} from '../../src/output/cost-report.js'
import {stackFor} from '../lifecycle/fixtures.js'
import {day, group, priceListItem} from './fixtures.js'

const ce = mockClient(CostExplorerClient)
const budgets = mockClient(BudgetsClient)
const cfn = mockClient(CloudFormationClient)
const ec2 = mockClient(EC2Client)
const pricing = mockClient(PricingClient)
const s3 = mockClient(S3Client)
const sts = mockClient(STSClient)
const mocks = [ce, budgets, cfn, ec2, pricing, s3, sts]
afterAll(() => mocks.forEach((m) => m.restore()))

const now = new Date('2026-11-23T18:00:00Z')
const period = {start: '2026-11-20', end: '2026-11-24'}

beforeEach(() => {
  mocks.forEach((m) => m.reset())
  // Each test its own price cache: nothing from the machine's own cache leaks in.
  process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), 'arw-cost-cache-'))
  sts.on(GetCallerIdentityCommand).resolves({Account: '123456789012'})
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      stackFor('lab1', {outputs: {InstanceId: 'i-0lab1', InstanceType: 'r6i.2xlarge', NotebookBucket: 'arw-lab1-notebooks'}}),
      stackFor('lab2', {outputs: {InstanceId: 'i-0lab2', InstanceType: 'm6i.xlarge', NotebookBucket: 'arw-lab2-notebooks'}}),
    ],
  })
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        Instances: [
          {InstanceId: 'i-0lab1', State: {Name: 'running'}, InstanceType: 'r6i.2xlarge', LaunchTime: new Date('2026-11-22T00:00:00Z')},
          {InstanceId: 'i-0lab2', State: {Name: 'stopped'}, InstanceType: 'm6i.xlarge', LaunchTime: new Date('2026-11-20T00:00:00Z')},
        ],
      },
    ],
  })
  pricing.on(GetProductsCommand).callsFake((input: {ServiceCode: string; Filters: {Field: string; Value: string}[]}) => {
    const filter = (field: string) => input.Filters.find((f) => f.Field === field)?.Value
    if (filter('instanceType') === 'r6i.2xlarge') return {PriceList: [priceListItem('0.5040000000', 'Hrs')]}
    if (filter('volumeApiName') === 'gp3') return {PriceList: [priceListItem('0.08', 'GB-Mo')]}
    if (input.ServiceCode === 'AmazonEFS') return {PriceList: [priceListItem('0.30', 'GB-Mo')]}
    if (filter('productFamily') === 'NAT Gateway') return {PriceList: [priceListItem('0.045', 'Hrs')]}
    return {PriceList: []}
  })
  budgets.on(DescribeBudgetsCommand).resolves({Budgets: []})
})

const clients = () => new AwsClients({region: 'us-east-1'})
const report = (overrides: Partial<Parameters<typeof buildCostReport>[0]> = {}) =>
  buildCostReport({
    clients: clients(),
    environments: [],
    period,
    granularity: 'daily',
    groupBy: 'environment',
    metric: 'UnblendedCost',
    now,
    ...overrides,
  })

describe('cost-report against Cost Explorer, Budgets and the Price List (mocked)', () => {
  it('reads every page, sums in cents to hand-computed totals, estimates the hours not yet billed and flags a forecast over budget', async () => {
    ce.on(ListCostAllocationTagsCommand).resolves({
      CostAllocationTags: [{TagKey: 'aws-research-wizard:environment', Type: 'UserDefined', Status: 'Active'}],
    })
    ce.on(GetCostAndUsageCommand, {Granularity: 'DAILY'}).resolves({
      ResultsByTime: [day('2026-11-20', '2026-11-21', [group('lab1', '10.005'), group('lab2', '3.333')])],
      NextPageToken: 'page-2',
    })
    ce.on(GetCostAndUsageCommand, {Granularity: 'DAILY', NextPageToken: 'page-2'}).resolves({
      ResultsByTime: [
        day('2026-11-21', '2026-11-22', [group('lab1', '12.10'), group('lab2', '0.004')]),
        day('2026-11-22', '2026-11-23', [group('lab1', '8.996')]),
      ],
    })
    ce.on(GetCostAndUsageCommand, {Granularity: 'MONTHLY'}).resolves({
      ResultsByTime: [{TimePeriod: {Start: '2026-11-01', End: '2026-11-24'}, Total: {UnblendedCost: {Amount: '400.00', Unit: 'USD'}}}],
    })
    ce.on(GetCostForecastCommand).resolves({Total: {Amount: '250.504', Unit: 'USD'}})
    budgets.on(DescribeBudgetsCommand).resolves({
      Budgets: [
        {
          BudgetName: 'arw-lab2-0a1b2c3d',
          CostFilters: {TagKeyValue: ['user:aws-research-wizard:environment$lab2']},
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: {Amount: '100', Unit: 'USD'},
          CalculatedSpend: {ActualSpend: {Amount: '20', Unit: 'USD'}, ForecastedSpend: {Amount: '30', Unit: 'USD'}},
        },
        {BudgetName: 'someone-elses', BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: {Amount: '1', Unit: 'USD'}},
        {
          BudgetName: 'arw-lab1-both',
          CostFilters: {TagKeyValue: ['user:aws-research-wizard:environment$lab1', 'user:aws-research-wizard:environment$lab2']},
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: {Amount: '1', Unit: 'USD'},
        },
        {
          BudgetName: 'arw-lab1-9f8e7d6c',
          CostFilters: {TagKeyValue: ['user:aws-research-wizard:environment$lab1']},
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: {Amount: '500', Unit: 'USD'},
          CalculatedSpend: {ActualSpend: {Amount: '380', Unit: 'USD'}, ForecastedSpend: {Amount: '640.00', Unit: 'USD'}},
        },
      ],
    })

    const result = await report()

    // Hand-computed: lab1 10.005 -> 10.01, 12.10, 8.996 -> 9.00 = 31.11; lab2 3.333 -> 3.33, 0.004 -> 0.00.
    expect(result.actual.rows.map((r) => [r.key, r.totalCents])).toEqual([
      ['lab1', 3111],
      ['lab2', 333],
    ])
    expect(result.actual.rows[0]!.cents).toEqual([1001, 1210, 900, 0])
    expect(result.actual.columnTotalsCents).toEqual([1334, 1210, 900, 0])
    expect(result.actual.totalCents).toBe(3444)
    expect(result.actual.totalUsd).toBe(34.44)
    // Both pages were read, the second with the token of the first.
    const daily = ce.commandCalls(GetCostAndUsageCommand).filter((c) => c.args[0].input.Granularity === 'DAILY')
    expect(daily.map((c) => c.args[0].input.NextPageToken)).toEqual([undefined, 'page-2'])
    expect(daily[0]!.args[0].input).toMatchObject({
      TimePeriod: {Start: '2026-11-20', End: '2026-11-24'},
      Metrics: ['UnblendedCost'],
      GroupBy: [{Type: 'TAG', Key: 'aws-research-wizard:environment'}],
      Filter: {Not: {Tags: {Key: 'aws-research-wizard:environment', MatchOptions: ['ABSENT']}}},
    })
    // lab1 runs since Cost Explorer's last figure for it (end of 2026-11-22): 18 h x $0.504 = $9.072 -> $9.07.
    expect(result.liveEstimate).toMatchObject({
      lines: [
        {environment: 'lab1', instanceType: 'r6i.2xlarge', since: '2026-11-23T00:00:00.000Z', hours: 18, hourlyUsd: 0.504, cents: 907},
      ],
      totalCents: 907,
      priceSource: 'AWS Price List, read 2026-11-23',
    })
    // Month to date 400.00 + forecast 250.50 = 650.50, over the two budgets' 600.00.
    expect(result.forecast).toEqual({
      month: '2026-11',
      monthToDateUsd: 400,
      remainingUsd: 250.5,
      monthEndUsd: 650.5,
      budgetUsd: 600,
      overBudget: true,
    })
    expect(ce.commandCalls(GetCostForecastCommand)[0]!.args[0].input).toMatchObject({
      TimePeriod: {Start: '2026-11-23', End: '2026-12-01'},
      Metric: 'UNBLENDED_COST',
    })
    expect(result.budgets.map((b) => [b.name, b.limitUsd, b.forecastedUsd, b.overBudget])).toEqual([
      ['arw-lab1-9f8e7d6c', 500, 640, true],
      ['arw-lab2-0a1b2c3d', 100, 30, false],
    ])
    expect(result.calls).toMatchObject({GetCostAndUsage: 3, GetCostForecast: 1, DescribeBudgets: 1})
    expect(budgets.commandCalls(DescribeBudgetsCommand)[0]!.args[0].input).toMatchObject({AccountId: '123456789012'})
    expect(result.warnings).toEqual([])

    const text = renderCostReport(result)
    expect(text).toContain('lab1         $31.11  90%')
    expect(text).toMatch(/TOTAL\s+\$34\.44/)
    expect(text).toContain('OVER BUDGET: the forecast passes the budget of $600.00 by $50.50.')
    expect(text).toContain('Actual $34.44 + estimate $9.07 = $43.51')
    expect(text).toMatch(/Daily 2026-11-20 [▁-█]{4} 2026-11-23/)
    expect(renderCostCsv(result).trim().split('\n')).toEqual([
      'period,environment,cost_usd,kind',
      '2026-11-20,lab1,10.01,actual',
      '2026-11-21,lab1,12.10,actual',
      '2026-11-22,lab1,9.00,actual',
      '2026-11-20,lab2,3.33,actual',
      '2026-11-23,lab1,9.07,estimate',
    ])
  })

  it('says the tag is not activated when nothing comes back, and offers --activate-tags', async () => {
    ce.on(ListCostAllocationTagsCommand).resolves({
      CostAllocationTags: [{TagKey: 'aws-research-wizard:environment', Type: 'UserDefined', Status: 'Inactive'}],
    })
    ce.on(GetCostAndUsageCommand).resolves({ResultsByTime: [day('2026-11-20', '2026-11-21', [])]})
    ce.on(GetCostForecastCommand).rejects(
      Object.assign(new Error('Insufficient amount of historical data'), {name: 'DataUnavailableException'}),
    )
    const result = await report({environments: ['lab2']})
    expect(result.actual.rows).toEqual([])
    expect(result.actual.totalCents).toBe(0)
    expect(result.tag.status).toBe('Inactive')
    expect(result.forecast).toBeUndefined()
    expect(result.warnings).toEqual([
      'No month-end forecast: Insufficient amount of historical data',
      expect.stringMatching(/not activated for cost allocation.*--activate-tags \(AWS tags costs only from activation on/),
    ])
    // A named environment is filtered by its tag value, not by the tag's presence.
    expect(ce.commandCalls(GetCostAndUsageCommand)[0]!.args[0].input.Filter).toEqual({
      Tags: {Key: 'aws-research-wizard:environment', Values: ['lab2'], MatchOptions: ['EQUALS']},
    })
    expect(renderCostReport(result)).toContain('Cost Explorer has no costs for this period and tag.')
  })

  it('--activate-tags activates the three tags and does not warn about them afterwards', async () => {
    ce.on(UpdateCostAllocationTagsStatusCommand).resolves({Errors: []})
    ce.on(GetCostAndUsageCommand).resolves({ResultsByTime: []})
    ce.on(GetCostForecastCommand).resolves({Total: {Amount: '0', Unit: 'USD'}})
    const result = await report({activateTags: true})
    expect(ce.commandCalls(UpdateCostAllocationTagsStatusCommand)[0]!.args[0].input.CostAllocationTagsStatus).toEqual([
      {TagKey: 'aws-research-wizard:environment', Status: 'Active'},
      {TagKey: 'aws-research-wizard:domain', Status: 'Active'},
      {TagKey: 'aws-research-wizard:owner', Status: 'Active'},
    ])
    expect(ce.commandCalls(ListCostAllocationTagsCommand)).toHaveLength(0)
    expect(result.tag).toEqual({
      key: 'aws-research-wizard:environment',
      status: 'Active',
      activatedNow: expect.arrayContaining(['aws-research-wizard:environment']),
    })
    expect(result.warnings.join('\n')).not.toMatch(/activate/)
    expect(renderCostReport(result)).toContain('costs are tagged from now on, not before')
  })

  it('splits instance cost by server-hours and the rest by home size, to the cent, and says how', async () => {
    ce.on(ListCostAllocationTagsCommand).resolves({
      CostAllocationTags: [{TagKey: 'aws-research-wizard:environment', Type: 'UserDefined', Status: 'Active'}],
    })
    const cell = (service: string, amount: string) => ({
      Keys: ['aws-research-wizard:environment$lab1', service],
      Metrics: {UnblendedCost: {Amount: amount, Unit: 'USD'}},
    })
    ce.on(GetCostAndUsageCommand).resolves({
      ResultsByTime: [
        {
          TimePeriod: {Start: '2026-11-20', End: '2026-11-21'},
          Groups: [cell('Amazon Elastic Compute Cloud - Compute', '10.00'), cell('EC2 - Other', '1.01')],
        },
        {TimePeriod: {Start: '2026-11-21', End: '2026-11-22'}, Groups: [cell('Amazon Elastic Compute Cloud - Compute', '5.00')]},
      ],
    })
    ce.on(GetCostForecastCommand).resolves({Total: {Amount: '0', Unit: 'USD'}})
    const usage = JSON.stringify({
      date: '2026-11-20',
      users: {alice: {server_hours: 6, gpu_hours: 0, home_bytes: 3e9}, bob: {server_hours: 2, gpu_hours: 0, home_bytes: 1e9}},
    })
    s3.on(GetObjectCommand, {Bucket: 'arw-lab1-notebooks', Key: 'usage/2026-11-20.json'}).resolves({
      Body: {transformToString: async () => usage} as never,
    })
    s3.on(GetObjectCommand, {Bucket: 'arw-lab1-notebooks', Key: 'usage/2026-11-21.json'}).rejects(
      Object.assign(new Error('The specified key does not exist.'), {name: 'NoSuchKey'}),
    )
    const result = await report({environments: ['lab1'], groupBy: 'user'})
    expect(ce.commandCalls(GetCostAndUsageCommand)[0]!.args[0].input.GroupBy).toEqual([
      {Type: 'TAG', Key: 'aws-research-wizard:environment'},
      {Type: 'DIMENSION', Key: 'SERVICE'},
    ])
    // Compute $10.00 by 6:2 h -> 7.50 / 2.50; other $1.01 by 3:1 GB -> 0.7575 / 0.2525 -> 0.76 / 0.25
    // (the leftover cent to the larger remainder); 2026-11-21 has no usage: $5.00 unattributed.
    expect(Object.fromEntries(result.actual.rows.map((r) => [r.key, r.totalCents]))).toEqual({alice: 826, bob: 275, '(unattributed)': 500})
    expect(result.actual.totalCents).toBe(1000 + 101 + 500)
    expect(result.userSplit).toMatch(/server-hours.*home-directory size/)
    expect(renderCostReport(result)).toContain('How the split is made:')
  })
})
