import {Flags} from '@oclif/core'
import {environmentNameArg} from '../../flags.js'
import {BaseCommand} from '../../base-command.js'
import {findEnvironments, type PowerResult, stopEnvironment} from '../../lib/lifecycle/power.js'
import type {PowerResults} from './start.js'

export default class JupyterStop extends BaseCommand<typeof JupyterStop> {
  static override summary = 'Stop one or more hub instances; every volume, file system and bucket is kept.'
  static override description =
    'Stopping an environment that is already stopped does nothing and says so. While stopped you pay only for storage.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab1',
    '<%= config.bin %> <%= command.id %> lab1 lab2',
    '<%= config.bin %> <%= command.id %> lab1 --json',
  ]
  static override strict = false
  static override multipleEnvironmentNames = true
  static override args = {name: environmentNameArg({description: 'Environment name (several may be given)', required: true})}
  static override flags = {wait: Flags.integer({description: 'Longest wait in seconds.', default: 600, min: 1})}

  public async run(): Promise<PowerResult | PowerResults> {
    const clients = await this.awsClients()
    const results: PowerResult[] = []
    for (const environment of await findEnvironments(clients, this.positionals)) {
      const result = await this.step(`Stopping ${environment.name}`, (report) =>
        stopEnvironment(clients, environment, {maxWaitSeconds: this.flags.wait, onProgress: report}),
      )
      results.push(result)
      if (!this.jsonEnabled())
        this.log(
          result.changed
            ? `${result.name} is stopped (${result.instanceId}). Data is kept; start it with: ${this.config.bin} jupyter start ${result.name}`
            : `${result.name} was already stopped; nothing to do.`,
        )
    }
    // One name keeps the single-environment result scripts already read.
    return results.length === 1 ? results[0]! : {environments: results}
  }
}
