import {setTimeout as sleep} from 'node:timers/promises'
import {Flags} from '@oclif/core'
import {environmentNameArg} from '../../flags.js'
import {BaseCommand} from '../../base-command.js'
import {listRegion} from '../../lib/lifecycle/list.js'
import {type EnvironmentStatus, environmentStatus} from '../../lib/lifecycle/status.js'
import {renderEnvironmentList} from '../../output/environments.js'
import {runWithProgress} from '../../output/progress.js'
import {renderStatus} from '../../output/status.js'
import type {ListResult} from './list.js'

export default class JupyterStatus extends BaseCommand<typeof JupyterStatus> {
  static override summary = 'Show the state, health, utilisation and cost of an environment (all of them without a name).'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> lab1',
    '<%= config.bin %> <%= command.id %> lab1 --watch',
    '<%= config.bin %> <%= command.id %> lab1 --json',
  ]
  static override args = {name: environmentNameArg({description: 'Environment name (default: an overview of every environment)'})}
  static override flags = {
    watch: Flags.boolean({description: 'Refresh until interrupted (Ctrl-C).'}),
    interval: Flags.integer({description: 'Seconds between refreshes with --watch.', default: 15, min: 5}),
  }

  public async run(): Promise<EnvironmentStatus | ListResult> {
    const clients = await this.awsClients()
    if (!this.args.name) {
      const region = clients.region!
      const environments = await this.step(`Finding environments in ${region}`, () => listRegion(clients.forRegion(region)))
      if (!this.jsonEnabled())
        this.log(
          `${renderEnvironmentList(environments, [region], this.config.bin)}${environments.length > 0 ? `\n\nDetails of one: ${this.config.bin} jupyter status NAME` : ''}`,
        )
      return {regions: [region], environments}
    }
    const name = this.args.name
    const collect = async () => {
      const context: {status?: EnvironmentStatus} = {}
      await runWithProgress(
        [{title: `Checking ${name}`, run: async (ctx) => void (ctx.status = await environmentStatus(clients, name))}],
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
