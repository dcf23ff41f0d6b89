import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {BudgetsClient, CreateBudgetCommand} from '@aws-sdk/client-budgets'
import {CloudFormationClient, CreateStackCommand} from '@aws-sdk/client-cloudformation'
import {CreateBucketCommand, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import type {CostReportResult} from '../../src/lib/cost/report.js'
import {type Envelope, runBuilt, runBuiltJson} from '../helpers/built-cli.js'
import {cliEnvironment, type MotoServer, startMoto} from '../helpers/moto.js'

/**
 * The built CLI's cost report against moto, whose Cost Explorer answers what the test
 * queues at /moto-api/static/ce/cost-and-usage-results: one queued result per distinct
 * request, so page 2 (a request with the token) takes the second. moto has no forecast
 * or tag-status API: the report must carry on without them and say so.
 */
describe.sequential('cost-report against moto', () => {
  let moto: MotoServer
  let env: NodeJS.ProcessEnv
  const work = mkdtempSync(join(tmpdir(), 'e2e-cost-'))
  const day = (back: number) => new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10)

  const cli = (...argv: string[]) => runBuilt(argv, {cwd: work, env})
  const json = <R>(...argv: string[]) => runBuiltJson<R>(argv, {cwd: work, env})
  const seed = async (results: unknown[]) => {
    const response = await fetch(`${moto.url}/moto-api/static/ce/cost-and-usage-results`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({results}),
    })
    expect(response.status).toBe(201)
  }
  const group = (environment: string, amount: string) => ({
    Keys: [`aws-research-wizard:environment$${environment}`],
    Metrics: {UnblendedCost: {Amount: amount, Unit: 'USD'}},
  })
  const result = (start: number, groups: unknown[]) => ({
    TimePeriod: {Start: day(start), End: day(start - 1)},
    Total: {},
    Groups: groups,
    Estimated: true,
  })

  beforeAll(async () => {
    moto = await startMoto()
    env = {...cliEnvironment(moto.url, work), XDG_CACHE_HOME: join(work, 'cache')}
  }, 60_000)
  afterAll(async () => moto?.stop())
  beforeEach(async () => moto.reset())

  it('reads both pages and adds up to the hand-computed totals, in JSON, table and CSV', async () => {
    await seed([
      {ResultsByTime: [result(3, [group('lab1', '10.005'), group('lab2', '3.333')])], NextPageToken: 'page-2'},
      {ResultsByTime: [result(2, [group('lab1', '12.10'), group('lab2', '0.004')]), result(1, [group('lab1', '8.996')])]},
    ])
    const budgets = new BudgetsClient({
      region: 'us-east-1',
      endpoint: moto.url,
      credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
    })
    await budgets.send(
      new CreateBudgetCommand({
        AccountId: '123456789012',
        Budget: {
          BudgetName: 'arw-lab1-0a1b2c3d',
          BudgetType: 'COST',
          TimeUnit: 'MONTHLY',
          BudgetLimit: {Amount: '500', Unit: 'USD'},
          CostFilters: {TagKeyValue: ['user:aws-research-wizard:environment$lab1']},
        },
      }),
    )
    const first = await json<CostReportResult>('jupyter', 'cost-report', 'lab1', 'lab2', '--since', '5d')
    expect(first.code, first.stderr).toBe(0)
    const {result: report, warnings} = first.envelope as Required<Envelope<CostReportResult>>
    expect(report.actual.rows.map((r: {key: string; totalCents: number}) => [r.key, r.totalCents])).toEqual([
      ['lab1', 3111],
      ['lab2', 333],
    ])
    expect(report.actual.totalUsd).toBe(34.44)
    expect(report.calls.GetCostAndUsage).toBeGreaterThanOrEqual(2)
    expect(report.budgets).toMatchObject([{name: 'arw-lab1-0a1b2c3d', environment: 'lab1', limitUsd: 500}])
    // moto has no GetCostForecast / ListCostAllocationTags: said, not fatal.
    expect(warnings.join('\n')).toMatch(/No month-end forecast/)

    const table = await cli('jupyter', 'cost-report', 'lab1', 'lab2', '--since', '5d')
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toMatch(/lab1\s+\$31\.11\s+90%\s+[▁-█]{6}/)
    expect(table.stdout).toMatch(/TOTAL\s+\$34\.44/)
    expect(table.stdout).toMatch(/Daily .* \(highest \$13\.34 on /)
    expect(table.stdout).toMatch(/arw-lab1-0a1b2c3d\s+\$500\.00/)

    const csv = await cli('jupyter', 'cost-report', 'lab1', 'lab2', '--since', '5d', '--format', 'csv')
    expect(csv.code, csv.stderr).toBe(0)
    const lines = csv.stdout.trim().split('\n')
    expect(lines[0]).toBe('period,environment,cost_usd,kind')
    const sum = lines.slice(1).reduce((s, line) => s + Math.round(Number(line.split(',')[2]) * 100), 0)
    expect(sum).toBe(3444)
  })

  it('an empty answer is an empty report that says the tag may not be activated', async () => {
    const run = await json<CostReportResult>('jupyter', 'cost-report', '--since', '5d')
    expect(run.code, run.stderr).toBe(0)
    const {result: report, warnings} = run.envelope as Required<Envelope<CostReportResult>>
    expect(report.actual).toMatchObject({rows: [], totalCents: 0})
    expect(warnings.join('\n')).toMatch(/returned nothing .* may not be activated for cost allocation \(--activate-tags\)/)
    const human = await cli('jupyter', 'cost-report', '--since', '5d')
    expect(human.stdout).toContain('Cost Explorer has no costs for this period and tag.')
  })

  it('--group-by user splits by the usage the hub published in its bucket, to the cent', async () => {
    const aws = {region: 'us-east-1', endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}}
    // An environment as list finds it: the stack's tags and its notebook bucket output.
    await new CloudFormationClient(aws).send(
      new CreateStackCommand({
        StackName: 'arw-lab1',
        TemplateBody: JSON.stringify({
          Resources: {Topic: {Type: 'AWS::SNS::Topic'}},
          Outputs: {NotebookBucket: {Value: 'arw-lab1-nb'}},
        }),
        Tags: [{Key: 'aws-research-wizard:environment', Value: 'lab1'}],
      }),
    )
    const s3 = new S3Client({...aws, forcePathStyle: true})
    await s3.send(new CreateBucketCommand({Bucket: 'arw-lab1-nb'}))
    const users = {ada: {server_hours: 6, gpu_hours: 0, home_bytes: 3e9}, bo: {server_hours: 2, gpu_hours: 0, home_bytes: 1e9}}
    await s3.send(new PutObjectCommand({Bucket: 'arw-lab1-nb', Key: `usage/${day(2)}.json`, Body: JSON.stringify({date: day(2), users})}))
    const cell = (service: string, amount: string) => ({
      Keys: ['aws-research-wizard:environment$lab1', service],
      Metrics: {UnblendedCost: {Amount: amount, Unit: 'USD'}},
    })
    await seed([
      {
        ResultsByTime: [
          {
            TimePeriod: {Start: day(2), End: day(1)},
            Groups: [cell('Amazon Elastic Compute Cloud - Compute', '10.00'), cell('EC2 - Other', '1.01')],
          },
          {TimePeriod: {Start: day(1), End: day(0)}, Groups: [cell('Amazon Elastic Compute Cloud - Compute', '5.00')]},
        ],
      },
    ])
    const run = await json<CostReportResult>('jupyter', 'cost-report', 'lab1', '--since', '5d', '--group-by', 'user')
    expect(run.code, run.stderr).toBe(0)
    const report = run.envelope.result!
    // Compute 10.00 by 6:2 h; the rest 1.01 by 3:1 GB (0.76 / 0.25); the day without usage stays unattributed.
    expect(Object.fromEntries(report.actual.rows.map((r: {key: string; totalCents: number}) => [r.key, r.totalCents]))).toEqual({
      ada: 826,
      bo: 275,
      '(unattributed)': 500,
    })
    expect(report.actual.totalCents).toBe(1601)
    expect(report.calls.GetObject).toBe(2)
    const human = await cli('jupyter', 'cost-report', 'lab1', '--since', '5d', '--group-by', 'user')
    expect(human.stdout).toMatch(/How the split is made: Instance hours \(EC2 compute\) are split by each user's server-hours/)
  })

  it('jupyter budget: a bad threshold is a usage error, an unknown environment is named', async () => {
    const bad = await json('jupyter', 'budget', 'lab1', '--alert-at', '50,eighty')
    expect(bad.code).toBe(2)
    expect(bad.envelope.error).toMatchObject({code: 'invalid-alert-percent', message: expect.stringContaining('50,eighty')})
    const missing = await json('jupyter', 'budget', 'nope', '--monthly', '500', '--yes')
    expect(missing.code).toBe(1)
    expect(missing.envelope.error?.code).toBe('environment-not-found')
  })

  it('refuses a bad period before any call, with a usage error', async () => {
    const run = await json('jupyter', 'cost-report', '--since', 'last-week')
    expect(run.code).toBe(2)
    expect(run.envelope.error?.code).toBe('invalid-period')
  })
})
