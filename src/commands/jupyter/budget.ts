import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {environmentNameArg} from '../../flags.js'
import type {ApplyResult} from '../../lib/lifecycle/apply.js'
import {runWorkDirectory} from '../../lib/workdir/output-dir.js'
import {renderChanges} from '../../output/changes.js'

export interface BudgetResult extends ApplyResult {
  /** The budget in words, as it is now. */
  budget: string
  monthlyUsd?: number
  alertPercents: number[]
  emails: string[]
  stopAtLimit: boolean
}

export default class JupyterBudget extends BaseCommand<typeof JupyterBudget> {
  static override summary = "Set an environment's monthly budget, its alerts and, optionally, a stop at 100%."
  static override description =
    "Changes only the environment's AWS Budget (through the stack: the change set is shown and confirmed first). The values are kept in the deploy record, so later updates keep them. --stop-at-100 adds a Budgets action that stops the hub when actual spend reaches the budget; volumes, file system and bucket stay, `jupyter start` resumes."
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab1 --monthly 500 --alert-at 50,80,100 --email pi@example.org',
    '<%= config.bin %> <%= command.id %> lab1 --stop-at-100 --yes',
    '<%= config.bin %> <%= command.id %> lab1 --no-stop-at-100 --json --yes',
  ]
  static override args = {name: environmentNameArg({description: 'Environment name', required: true})}
  static override flags = {
    monthly: Flags.integer({description: 'Monthly budget in USD.', min: 1, max: 10_000_000}),
    'alert-at': Flags.string({description: 'Percentages of the budget that send an alert (at most 4), e.g. 50,80,100.'}),
    email: Flags.string({description: 'Address for the alerts (may be repeated; replaces earlier --email addresses).', multiple: true}),
    'stop-at-100': Flags.boolean({description: 'Stop the hub when actual spend reaches the budget.', allowNo: true}),
    yes: Flags.boolean({char: 'y', description: 'Apply without asking (required without a terminal).'}),
  }

  public async run(): Promise<BudgetResult> {
    const clients = await this.awsClients()
    const {assertBudgetOnly, budgetOverrides, describeBudget, parsePercents} = await import('../../lib/cost/budget-change.js')
    const {respecFromDeployed} = await import('../../lib/lifecycle/apply.js')
    const change = budgetOverrides({
      monthlyUsd: this.flags.monthly,
      alertPercents: this.flags['alert-at'] === undefined ? undefined : parsePercents(this.flags['alert-at']),
      emails: this.flags.email,
      stopAtLimit: this.flags['stop-at-100'],
    })
    const {spec, deployed, image} = await this.step(`Reading ${this.args.name}`, () => respecFromDeployed(clients, this.args.name, change))
    const result = await this.applyWithConfirmation(
      spec,
      {
        clients: clients.forRegion(spec.region),
        outdir: runWorkDirectory(spec.region, spec.name),
        deployed,
        ...(image ? {image} : {}),
        hub: {wait: false},
      },
      (preview) =>
        `Budget of ${spec.name}: ${describeBudget(spec)}\nChanges to ${spec.stackName}:\n${renderChanges(preview.summary, preview.changes, {hub: preview.hub})}`,
      this.flags,
      (preview) => assertBudgetOnly(preview.changes),
    )
    if (!this.jsonEnabled()) this.log(`${result.applied ? 'Budget set' : 'Nothing to change'}: ${spec.name} has ${describeBudget(spec)}.`)
    const {cost} = spec
    return {
      ...result,
      budget: describeBudget(spec),
      ...(cost.monthlyBudgetUsd === undefined ? {} : {monthlyUsd: cost.monthlyBudgetUsd}),
      alertPercents: [...cost.alertPercents],
      emails: [...cost.alertEmails],
      stopAtLimit: cost.stopAtLimit,
    }
  }
}
