import {setTimeout as sleep} from 'node:timers/promises'
import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {type EnvironmentStatus, environmentStatus} from '../../lib/lifecycle/status.js'
import {runWithProgress} from '../../output/progress.js'
import {renderStatus} from '../../output/status.js'

export default class JupyterStatus extends BaseCommand<typeof JupyterStatus> {
  static override summary = 'Show the state, health, utilisation and cost of an environment.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab1',
    '<%= config.bin %> <%= command.id %> lab1 --watch',
    '<%= config.bin %> <%= command.id %> lab1 --json',
  ]
  static override args = {name: Args.string({description: 'Environment name', required: true})}
  static override flags = {
    watch: Flags.boolean({description: 'Refresh until interrupted (Ctrl-C).'}),
    interval: Flags.integer({description: 'Seconds between refreshes with --watch.', default: 15, min: 5}),
  }

  public async run(): Promise<EnvironmentStatus> {
    const clients = this.awsClients()
    const collect = async () => {
      const context: {status?: EnvironmentStatus} = {}
      await runWithProgress(
        [{title: `Checking ${this.args.name}`, run: async (ctx) => void (ctx.status = await environmentStatus(clients, this.args.name))}],
        context,
        {quiet: this.jsonEnabled() || this.flags.watch},
      )
      return context.status as EnvironmentStatus
    }
    let status = await collect()
    if (!this.jsonEnabled()) this.log(renderStatus(status))
    while (this.flags.watch && !this.jsonEnabled()) {
      await sleep(this.flags.interval * 1000)
      status = await collect()
      process.stdout.write('\u001b[2J\u001b[H')
      this.log(`${renderStatus(status)}\n\n(refreshing every ${this.flags.interval}s; Ctrl-C to stop)`)
    }
    return status
  }
}
