import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {type EnvironmentSummary, enabledRegions, listRegion} from '../../lib/lifecycle/list.js'
import {runWithProgress} from '../../output/progress.js'
import {renderEnvironmentList} from '../../output/environments.js'

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
    const clients = await this.awsClients()
    const context: ListResult = {regions: [], environments: []}
    await runWithProgress(
      [
        {
          title: 'Finding environments',
          run: async (ctx, report) => {
            ctx.regions = this.flags['all-regions'] ? await enabledRegions(clients) : [clients.region!]
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
    if (!this.jsonEnabled()) this.log(renderEnvironmentList(context.environments, context.regions, this.config.bin))
    return context
  }
}
