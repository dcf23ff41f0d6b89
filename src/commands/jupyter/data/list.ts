import {BaseCommand} from '../../../base-command.js'
import {environmentNameArg} from '../../../flags.js'
import type {KeptPiece} from '../../../lib/data/find-kept.js'
import {renderKeptData} from '../../../output/kept-data.js'

export interface DataListResult {
  region: string
  /** Monthly storage cost of every piece listed, in USD. */
  monthlyUsd: number
  pieces: KeptPiece[]
}

export default class JupyterDataList extends BaseCommand<typeof JupyterDataList> {
  static override summary = 'List kept data (home volumes and snapshots, file systems, buckets, user pools) with size and monthly cost.'
  static override description =
    "Finds every piece of data an environment keeps by its aws-research-wizard:environment tag, so data whose stack is gone is listed too. STACK says whether the environment's stack still exists."
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> lab1',
    '<%= config.bin %> <%= command.id %> --region eu-west-1 --json',
  ]
  static override args = {name: environmentNameArg({description: 'Only this environment (default: every environment).'})}

  public async run(): Promise<DataListResult> {
    const clients = await this.awsClients()
    const {findKeptData} = await import('../../../lib/data/find-kept.js')
    const pieces = await this.step('Finding kept data by tag', () =>
      findKeptData(clients, this.args.name ? {environment: this.args.name} : {}),
    )
    const region = await this.region()
    const monthlyUsd = Math.round(pieces.reduce((sum, piece) => sum + piece.monthlyUsd, 0) * 100) / 100
    if (!this.jsonEnabled()) this.log(renderKeptData(pieces, region, this.args.name))
    return {region, monthlyUsd, pieces}
  }
}
