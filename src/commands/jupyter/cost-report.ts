import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {environmentNameArg} from '../../flags.js'
import type {CostReportResult} from '../../lib/cost/report.js'

export type {CostReportResult} from '../../lib/cost/report.js'

export default class JupyterCostReport extends BaseCommand<typeof JupyterCostReport> {
  static override summary =
    'Actual spend per environment, service, person or domain, with an estimate of today, the month-end forecast and the budgets.'
  static override description =
    "Reads Cost Explorer by the aws-research-wizard:environment cost-allocation tag (every page), adds an estimate for a running hub's hours Cost Explorer has not caught up with (about a day), the month-end forecast and each environment's budget. Per person (--group-by user), instance hours are split by each user's server-hours and storage by home-directory size, as the hub publishes them."
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> lab1 --since 2026-11-01 --group-by user',
    '<%= config.bin %> <%= command.id %> --since 90d --granularity monthly --group-by service --format csv > costs.csv',
    '<%= config.bin %> <%= command.id %> --activate-tags',
  ]
  static override strict = false
  static override multipleEnvironmentNames = true
  static override args = {name: environmentNameArg({description: 'Environment names (default: every environment)'})}
  static override flags = {
    since: Flags.string({description: 'First day: days back (30d) or a date (2026-11-01).', default: '30d'}),
    until: Flags.string({description: 'Last day, inclusive: days back or a date (default: today).'}),
    granularity: Flags.string({description: 'One column per day or per month.', options: ['daily', 'monthly'], default: 'daily'}),
    'group-by': Flags.string({
      description: 'Rows of the report.',
      options: ['environment', 'service', 'user', 'domain'],
      default: 'environment',
    }),
    metric: Flags.string({
      description: 'Unblended (as billed) or amortised (upfront fees spread).',
      options: ['unblended', 'amortized'],
      default: 'unblended',
    }),
    format: Flags.string({description: 'Human table (with a daily chart) or CSV on stdout.', options: ['table', 'csv'], default: 'table'}),
    'activate-tags': Flags.boolean({description: 'Activate the tags for cost allocation first (AWS tags costs from activation on).'}),
  }

  public async run(): Promise<CostReportResult> {
    const clients = await this.awsClients()
    const {reportPeriod} = await import('../../lib/cost/period.js')
    const period = reportPeriod(this.flags.since, this.flags.until)
    const {buildCostReport} = await import('../../lib/cost/report.js')
    const report = await this.step('Reading costs', (progress) =>
      buildCostReport({
        clients,
        environments: this.positionals,
        period,
        granularity: this.flags.granularity as 'daily' | 'monthly',
        groupBy: this.flags['group-by'] as CostReportResult['groupBy'],
        metric: this.flags.metric === 'amortized' ? 'AmortizedCost' : 'UnblendedCost',
        activateTags: this.flags['activate-tags'],
        onProgress: progress,
      }),
    )
    for (const warning of report.warnings) this.addWarning(warning)
    if (!this.jsonEnabled()) {
      const {renderCostCsv, renderCostReport} = await import('../../output/cost-report.js')
      if (this.flags.format === 'csv') process.stdout.write(renderCostCsv(report))
      else this.log(renderCostReport(report))
    }
    return report
  }
}
