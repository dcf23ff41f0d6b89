import {Flags} from '@oclif/core'
import {environmentNameArg} from '../../flags.js'
import {BaseCommand} from '../../base-command.js'
import {findEnvironments, type PowerResult, runningCost, startEnvironment} from '../../lib/lifecycle/power.js'

/** The result for several environments; one name returns its PowerResult alone. */
export interface PowerResults {
  environments: PowerResult[]
}

export default class JupyterStart extends BaseCommand<typeof JupyterStart> {
  static override summary = 'Start one or more stopped hub instances.'
  static override description =
    'Starting a running environment does nothing and says so. The hub is back a minute or two after the instance runs. Starting bills the instance again, so it asks first (--yes without a terminal).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab1',
    '<%= config.bin %> <%= command.id %> lab1 lab2 --yes',
    '<%= config.bin %> <%= command.id %> lab1 --json --yes',
  ]
  static override strict = false
  static override multipleEnvironmentNames = true
  static override args = {name: environmentNameArg({description: 'Environment name (several may be given)', required: true})}
  static override flags = {
    wait: Flags.integer({description: 'Longest wait in seconds.', default: 600, min: 1}),
    yes: Flags.boolean({char: 'y', description: 'Start without asking (required without a terminal).'}),
  }

  public async run(): Promise<PowerResult | PowerResults> {
    const clients = await this.awsClients()
    const environments = await findEnvironments(clients, this.positionals)
    if (!this.jsonEnabled())
      this.logToStderr(`Starting bills the hub instance again:\n${environments.map((e) => `  ${runningCost(e)}`).join('\n')}`)
    await this.requireConfirmation(
      `Starting ${this.positionals.join(', ')}`,
      `Start ${environments.length > 1 ? 'them' : 'it'}?`,
      this.flags.yes,
    )
    const results: PowerResult[] = []
    for (const environment of environments) {
      const result = await this.step(`Starting ${environment.name}`, (report) =>
        startEnvironment(clients, environment, {maxWaitSeconds: this.flags.wait, onProgress: report}),
      )
      results.push(result)
      if (!this.jsonEnabled())
        this.log(
          result.changed
            ? `${result.name} is running (${result.instanceId}); check the hub with: ${this.config.bin} jupyter status ${result.name}`
            : `${result.name} was already running; nothing to do.`,
        )
    }
    // One name keeps the single-environment result scripts already read.
    return results.length === 1 ? results[0]! : {environments: results}
  }
}
