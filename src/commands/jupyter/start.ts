import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {getEnvironment} from '../../lib/environments/discover.js'
import {type PowerResult, startEnvironment} from '../../lib/lifecycle/power.js'
import {runWithProgress} from '../../output/progress.js'

export default class JupyterStart extends BaseCommand<typeof JupyterStart> {
  static override summary = 'Start a stopped hub instance.'
  static override description =
    'Starting a running environment does nothing and says so. The hub is back a minute or two after the instance runs.'
  static override examples = ['<%= config.bin %> <%= command.id %> lab1', '<%= config.bin %> <%= command.id %> lab1 --json']
  static override args = {name: Args.string({description: 'Environment name', required: true})}
  static override flags = {wait: Flags.integer({description: 'Longest wait in seconds.', default: 600, min: 1})}

  public async run(): Promise<PowerResult> {
    const clients = this.awsClients()
    const context: {result?: PowerResult} = {}
    await runWithProgress(
      [
        {
          title: `Starting ${this.args.name}`,
          run: async (ctx, report) =>
            void (ctx.result = await startEnvironment(clients, await getEnvironment(clients, this.args.name), {
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
          ? `${result.name} is running (${result.instanceId}); check the hub with: ${this.config.bin} jupyter status ${result.name}`
          : `${result.name} was already running; nothing to do.`,
      )
    return result
  }
}
