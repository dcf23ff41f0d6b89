import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {getEnvironment} from '../../lib/environments/discover.js'
import {type PowerResult, stopEnvironment} from '../../lib/lifecycle/power.js'
import {runWithProgress} from '../../output/progress.js'

export default class JupyterStop extends BaseCommand<typeof JupyterStop> {
  static override summary = 'Stop the hub instance; every volume, file system and bucket is kept.'
  static override description =
    'Stopping an environment that is already stopped does nothing and says so. While stopped you pay only for storage.'
  static override examples = ['<%= config.bin %> <%= command.id %> lab1', '<%= config.bin %> <%= command.id %> lab1 --json']
  static override args = {name: Args.string({description: 'Environment name', required: true})}
  static override flags = {wait: Flags.integer({description: 'Longest wait in seconds.', default: 600, min: 1})}

  public async run(): Promise<PowerResult> {
    const clients = this.awsClients()
    const context: {result?: PowerResult} = {}
    await runWithProgress(
      [
        {
          title: `Stopping ${this.args.name}`,
          run: async (ctx, report) =>
            void (ctx.result = await stopEnvironment(clients, await getEnvironment(clients, this.args.name), {
              maxWaitSeconds: this.flags.wait,
              onProgress: report,
            })),
        },
      ],
      context,
      {quiet: this.jsonEnabled()},
    )
    const result = context.result as PowerResult
    if (!this.jsonEnabled())
      this.log(
        result.changed
          ? `${result.name} is stopped (${result.instanceId}). Data is kept; start it with: ${this.config.bin} jupyter start ${result.name}`
          : `${result.name} was already stopped; nothing to do.`,
      )
    return result
  }
}
