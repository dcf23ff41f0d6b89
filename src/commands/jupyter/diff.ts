import {Flags} from '@oclif/core'
import {environmentNameArg} from '../../flags.js'
import {BaseCommand, verboseFlag} from '../../base-command.js'
import type {ResourceChange} from '../../lib/diff/data-safety.js'
import type {ChangeSummary} from '../../lib/diff/describe.js'
import type {HubDisruption} from '../../lib/readiness/replacement.js'
import {renderChanges} from '../../output/changes.js'

export interface DiffResult {
  name: string
  changes: readonly ResourceChange[]
  summary: ChangeSummary
  dataAtRisk: readonly ResourceChange[]
  /** What the change does to the running hub (replaced or restarted). */
  hub: readonly HubDisruption[]
}

export default class JupyterDiff extends BaseCommand<typeof JupyterDiff> {
  static override summary = 'Show what a redeploy (or a scale) would change in an environment.'
  static override description =
    'Compares the deployed template with the one this version of the CLI would deploy; replacements of data-bearing resources are marked "!!" and listed under dataAtRisk.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab1',
    '<%= config.bin %> <%= command.id %> lab1 --instance-type r6i.4xlarge',
    '<%= config.bin %> <%= command.id %> lab1 --json',
  ]
  static override args = {name: environmentNameArg({description: 'Environment name', required: true})}
  static override flags = {
    users: Flags.integer({description: 'Preview a new number of users.', min: 1}),
    'instance-type': Flags.string({description: 'Preview a new instance type.'}),
    verbose: verboseFlag,
  }

  public async run(): Promise<DiffResult> {
    const clients = await this.awsClients()
    const result = await this.step(`Comparing ${this.args.name}`, async (): Promise<DiffResult> => {
      const {diffEnvironment} = await import('../../lib/lifecycle/apply.js')
      const preview = await diffEnvironment(clients, this.args.name, {users: this.flags.users, instanceType: this.flags['instance-type']})
      return {name: this.args.name, changes: preview.changes, summary: preview.summary, dataAtRisk: preview.risks, hub: preview.hub}
    })
    if (!this.jsonEnabled()) {
      this.log(renderChanges(result.summary, result.changes, {...this.flags, hub: result.hub}))
      if (result.dataAtRisk.length > 0)
        this.log(
          `\n!! ${result.dataAtRisk.length} data-bearing resource(s) would be replaced; deploy/scale refuse this without --allow-replacement.`,
        )
    }
    return result
  }
}
