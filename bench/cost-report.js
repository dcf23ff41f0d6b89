// Times `jupyter cost-report`'s work (buildCostReport + the table) over 100 environments
// x 90 days against aws-sdk-client-mock, and counts the AWS calls (bench/run.js section 4b).
// Cost Explorer pages are 20 days of 100 groups here; every hub runs, so prices and the
// live estimate are exercised; --group-by user reads one usage object per environment-day.
import {BudgetsClient, DescribeBudgetsCommand} from '@aws-sdk/client-budgets'
import {CloudFormationClient, DescribeStacksCommand} from '@aws-sdk/client-cloudformation'
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  ListCostAllocationTagsCommand,
} from '@aws-sdk/client-cost-explorer'
import {DescribeInstancesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {GetProductsCommand, PricingClient} from '@aws-sdk/client-pricing'
import {GetObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {mockClient} from 'aws-sdk-client-mock'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {AwsClients} from '../dist/aws/clients.js'
import {reportPeriod} from '../dist/lib/cost/period.js'
import {buildCostReport} from '../dist/lib/cost/report.js'
import {renderCostReport} from '../dist/output/cost-report.js'
import {median} from './measure.js'

const ENVIRONMENTS = 100
const DAYS = 90
const DAYS_PER_PAGE = 20
const runs = Number(process.env.BENCH_RUNS ?? 7)
process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), 'bench-cost-'))

const now = new Date()
const period = reportPeriod(`${DAYS - 1}d`, undefined, now)
const day = (i) => new Date(Date.parse(period.start) + i * 86_400_000).toISOString().slice(0, 10)
const names = Array.from({length: ENVIRONMENTS}, (_, i) => `env${i}`)
const SERVICES = ['Amazon Elastic Compute Cloud - Compute', 'EC2 - Other']

const mocks = {
  ce: mockClient(CostExplorerClient),
  budgets: mockClient(BudgetsClient),
  cfn: mockClient(CloudFormationClient),
  ec2: mockClient(EC2Client),
  pricing: mockClient(PricingClient),
  s3: mockClient(S3Client),
  sts: mockClient(STSClient),
}

function answer() {
  for (const m of Object.values(mocks)) m.reset()
  mocks.ce.on(GetCostAndUsageCommand).callsFake((input) => {
    const first = input.NextPageToken ? Number(input.NextPageToken) : 0
    const byService = input.GroupBy?.length === 2
    const serviceOnly = input.GroupBy?.[0]?.Type === 'DIMENSION'
    const results = []
    for (let d = first; d < Math.min(DAYS, first + DAYS_PER_PAGE); d++) {
      const groups = (serviceOnly ? SERVICES : names).flatMap((name, i) =>
        (byService ? SERVICES : [undefined]).map((service) => ({
          Keys: serviceOnly ? [name] : [`aws-research-wizard:environment$${name}`, ...(service ? [service] : [])],
          Metrics: {[input.Metrics[0]]: {Amount: String(((i + 1) * 0.37 + d * 0.011).toFixed(10)), Unit: 'USD'}},
        })),
      )
      results.push({TimePeriod: {Start: day(d), End: day(d + 1)}, Groups: groups, Estimated: false})
    }
    return {ResultsByTime: results, ...(first + DAYS_PER_PAGE < DAYS ? {NextPageToken: String(first + DAYS_PER_PAGE)} : {})}
  })
  mocks.ce.on(ListCostAllocationTagsCommand).resolves({CostAllocationTags: [{TagKey: 'aws-research-wizard:environment', Status: 'Active'}]})
  mocks.ce.on(GetCostForecastCommand).resolves({Total: {Amount: '1234.5', Unit: 'USD'}})
  mocks.budgets.on(DescribeBudgetsCommand).callsFake((input) => {
    const start = input.NextToken ? Number(input.NextToken) : 0
    const budgets = names.slice(start, start + 100).map((name) => ({
      BudgetName: `arw-${name}-0a1b2c3d`,
      CostFilters: {TagKeyValue: [`user:aws-research-wizard:environment$${name}`]},
      BudgetLimit: {Amount: '500', Unit: 'USD'},
      CalculatedSpend: {ActualSpend: {Amount: '100', Unit: 'USD'}},
    }))
    return {Budgets: budgets, ...(start + 100 < names.length ? {NextToken: String(start + 100)} : {})}
  })
  mocks.cfn.on(DescribeStacksCommand).callsFake((input) => {
    const start = input.NextToken ? Number(input.NextToken) : 0
    const stacks = names.slice(start, start + 100).map((name) => ({
      StackName: `arw-${name}`,
      StackStatus: 'CREATE_COMPLETE',
      CreationTime: now,
      Tags: [{Key: 'aws-research-wizard:environment', Value: name}],
      Outputs: [
        {OutputKey: 'InstanceId', OutputValue: `i-${name.padStart(17, '0')}`},
        {OutputKey: 'NotebookBucket', OutputValue: `arw-${name}-notebooks`},
      ],
    }))
    return {Stacks: stacks, ...(start + 100 < names.length ? {NextToken: String(start + 100)} : {})}
  })
  mocks.ec2.on(DescribeInstancesCommand).callsFake((input) => ({
    Reservations: [
      {
        Instances: (input.Filters?.[0]?.Values ?? []).map((id) => ({
          InstanceId: id,
          State: {Name: 'running'},
          InstanceType: 'r6i.2xlarge',
          LaunchTime: new Date(now.getTime() - 3 * 86_400_000),
        })),
      },
    ],
  }))
  mocks.pricing.on(GetProductsCommand).callsFake((input) => {
    const unit = input.Filters.some((f) => f.Field === 'productFamily' && f.Value === 'Storage') ? 'GB-Mo' : 'Hrs'
    return {PriceList: [JSON.stringify({terms: {OnDemand: {t: {priceDimensions: {d: {unit, pricePerUnit: {USD: '0.504'}}}}}}})]}
  })
  mocks.s3.on(GetObjectCommand).callsFake((input) => {
    const date = input.Key.slice('usage/'.length, -'.json'.length)
    const body = JSON.stringify({
      date,
      users: {ada: {server_hours: 5, gpu_hours: 0, home_bytes: 2e9}, bo: {server_hours: 3, gpu_hours: 0, home_bytes: 1e9}},
    })
    return {Body: {transformToString: async () => body}}
  })
  mocks.sts.on(GetCallerIdentityCommand).resolves({Account: '123456789012'})
}

async function time(groupBy) {
  const walls = []
  let report
  for (let i = 0; i < runs + 1; i++) {
    answer()
    const started = process.hrtime.bigint()
    report = await buildCostReport({
      clients: new AwsClients({region: 'us-east-1'}),
      environments: [],
      period,
      granularity: 'daily',
      groupBy,
      metric: 'UnblendedCost',
      now,
    })
    renderCostReport(report)
    if (i > 0) walls.push(Number(process.hrtime.bigint() - started) / 1e6)
  }
  const calls = Object.fromEntries(Object.entries(mocks).map(([name, m]) => [name, m.calls().length]))
  return {
    groupBy,
    medianMs: Math.round(median(walls)),
    calls,
    apiCalls: report.calls,
    rows: report.actual.rows.length,
    totalUsd: report.actual.totalUsd,
  }
}

const results = []
for (const groupBy of ['environment', 'service', 'user']) results.push(await time(groupBy))
process.stdout.write(JSON.stringify({environments: ENVIRONMENTS, days: DAYS, runs, results}))
