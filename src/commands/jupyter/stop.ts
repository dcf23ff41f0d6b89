import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {type PowerResult, setPower} from '../../lib/lifecycle/power.js'

export default class JupyterStop extends BaseCommand<typeof JupyterStop> {
  static override summary = 'Stop the hub instance; every volume, file system and bucket is kept.'
  static override description =
    'Stopping an environment that is already stopped does nothing and says so. While stopped you pay only for storage.'
  static override examples = ['<%= config.bin %> <%= command.id %> lab1', '<%= config.bin %> <%= command.id %> lab1 --json']
  static override args = {name: Args.string({description: 'Environment name', required: true})}
  static override flags = {wait: Flags.integer({description: 'Longest wait in seconds.', default: 600, min: 1})}

  public async run(): Promise<PowerResult> {
    const {name} = this.args
    const result = await this.step(`Stopping ${name}`, (report) =>
      setPower(this.awsClients(), name, 'stopped', {maxWaitSeconds: this.flags.wait, onProgress: report}),
    )
    if (!this.jsonEnabled()) {
      this.log(
        result.changed
          ? `${name} is stopped (${result.instanceId}). Data is kept; start it with: ${this.config.bin} jupyter start ${name}`
          : `${name} was already stopped; nothing to do.`,
      )
    }
    return result
  }
}
