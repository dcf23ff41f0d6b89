import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {type EnvironmentSummary, enabledRegions, listRegion} from '../../lib/lifecycle/list.js'
import {runWithProgress} from '../../output/progress.js'
import {formatUsd, renderTable} from '../../output/table.js'

export interface ListResult {
  regions: string[]
  environments: EnvironmentSummary[]
}

export default class JupyterList extends BaseCommand<typeof JupyterList> {
  static override summary = 'List research environments with their state, size and hourly cost.'
  static override description =
    'Finds environments by their CloudFormation tags: one paginated DescribeStacks and one batched DescribeInstances per region.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --all-regions',
    '<%= config.bin %> <%= command.id %> --region eu-west-1 --json',
  ]
  static override flags = {'all-regions': Flags.boolean({description: 'Look in every region enabled for the account.'})}

  public async run(): Promise<ListResult> {
    const clients = this.awsClients()
    const context: ListResult = {regions: [], environments: []}
    await runWithProgress(
      [
        {
          title: 'Finding environments',
          run: async (ctx, report) => {
            ctx.regions = this.flags['all-regions']
              ? await enabledRegions(clients)
              : [clients.region ?? (await (await clients.cloudFormation()).config.region())]
            const perRegion = await Promise.all(
              ctx.regions.map(async (region) => {
                report(`looking in ${region}`)
                return listRegion(clients.forRegion(region))
              }),
            )
            ctx.environments = perRegion.flat()
          },
        },
      ],
      context,
      {quiet: this.jsonEnabled()},
    )
    if (!this.jsonEnabled()) {
      if (context.environments.length === 0)
        this.log(
          `No environments in ${context.regions.join(', ')}. Create one with: ${this.config.bin} jupyter deploy --domain genomics --name lab1`,
        )
      else
        this.log(
          renderTable(
            ['NAME', 'DOMAIN', 'REGION', 'STACK', 'INSTANCE', 'TYPE', 'USERS', 'UPTIME', 'URL', '$/HOUR'],
            context.environments.map((e) => [
              e.name,
              e.domain ?? '-',
              e.region,
              e.stackStatus,
              e.instanceState ?? '-',
              e.instanceType ?? '-',
              e.users ?? '-',
              e.uptimeHours === undefined ? '-' : `${e.uptimeHours} h`,
              e.url ?? '-',
              e.hourlyUsd === undefined ? '-' : formatUsd(e.hourlyUsd),
            ]),
          ),
        )
    }
    return context
  }
}
