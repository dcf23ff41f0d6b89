import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {type PowerResult, setPower} from '../../lib/lifecycle/power.js'

export default class JupyterStart extends BaseCommand<typeof JupyterStart> {
  static override summary = 'Start a stopped hub instance.'
  static override description =
    'Starting a running environment does nothing and says so. The hub is back a minute or two after the instance runs.'
  static override examples = ['<%= config.bin %> <%= command.id %> lab1', '<%= config.bin %> <%= command.id %> lab1 --json']
  static override args = {name: Args.string({description: 'Environment name', required: true})}
  static override flags = {wait: Flags.integer({description: 'Longest wait in seconds.', default: 600, min: 1})}

  public async run(): Promise<PowerResult> {
    const {name} = this.args
    const result = await this.step(`Starting ${name}`, (report) =>
      setPower(this.awsClients(), name, 'running', {maxWaitSeconds: this.flags.wait, onProgress: report}),
    )
    if (!this.jsonEnabled()) {
      this.log(
        result.changed
          ? `${name} is running (${result.instanceId}); check the hub with: ${this.config.bin} jupyter status ${name}`
          : `${name} was already running; nothing to do.`,
      )
    }
    return result
  }
}
