import {keptPieces} from '../../lib/lifecycle/kept-pieces.js'
import {Flags} from '@oclif/core'
import {environmentNameArg} from '../../flags.js'
import {BaseCommand} from '../../base-command.js'
import {ExitCode, WizardError} from '../../errors.js'
import type {AwsClients} from '../../aws/clients.js'
import type {EnvironmentRecord} from '../../lib/environments/discover.js'
import {
  dataDeletionIncomplete,
  deleteEnvironmentStack,
  deleteRetainedData,
  type DestroyResult,
  findDestroyTarget,
  findRetainedData,
  type RetainedItem,
} from '../../lib/lifecycle/destroy.js'
import {runWithProgress} from '../../output/progress.js'

export default class JupyterDestroy extends BaseCommand<typeof JupyterDestroy> {
  static override summary = 'Delete an environment, keeping its data unless told otherwise.'
  static override description =
    'Deletes the stack arw-NAME. The home volume is snapshotted and the shared file system, notebook bucket and user pool are kept; the command lists them with the commands that delete them. --delete-data removes them too, after a second confirmation; it also works when the stack is already gone (the kept data is found by its environment tag).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab1',
    '<%= config.bin %> <%= command.id %> lab1 lab2 --yes --json',
    '<%= config.bin %> <%= command.id %> lab1 --delete-data',
    '<%= config.bin %> <%= command.id %> old-lab --delete-data --yes --json',
  ]
  static override strict = false
  static override multipleEnvironmentNames = true
  static override args = {name: environmentNameArg({description: 'Environment name (several may be given)', required: true})}
  static override flags = {
    yes: Flags.boolean({char: 'y', description: 'Do not ask for the name (required without a terminal).'}),
    'delete-data': Flags.boolean({
      description:
        'Also delete the home snapshot, shared file system, notebook bucket and user pool (asks again; with --yes, no questions).',
    }),
    wait: Flags.integer({description: 'Longest wait for the stack deletion, in seconds.', default: 1800, min: 1}),
  }

  public async run(): Promise<DestroyResult | {environments: DestroyResult[]}> {
    const clients = await this.awsClients()
    const names = [...new Set(this.positionals)]
    // Every name is checked before anything is deleted: a typo stops the whole command.
    // With --delete-data, a name whose stack is gone stands for the data it kept.
    const targets = await Promise.all(names.map((name) => findDestroyTarget(clients, name, {deleteData: this.flags['delete-data']})))
    const results: DestroyResult[] = []
    for (const target of targets)
      results.push('kept' in target ? await this.deleteOrphaned(clients, target.name, target.kept) : await this.destroyOne(clients, target))
    return results.length === 1 ? results[0]! : {environments: results}
  }

  private async destroyOne(clients: AwsClients, environment: EnvironmentRecord): Promise<DestroyResult> {
    const {name} = environment
    if (!this.jsonEnabled())
      this.logToStderr(
        `Destroying ${name} deletes its hub instance, network and endpoint (their billing stops). Kept, and still billed for storage: ${keptPieces(environment.outputs).join(', ')}.`,
      )
    await this.confirmByName(name)
    const context: {retained: Awaited<ReturnType<typeof findRetainedData>>; deletion: Awaited<ReturnType<typeof deleteRetainedData>>} = {
      retained: [],
      deletion: {deleted: [], failed: []},
    }
    const deletionStartedAt = new Date()
    await runWithProgress(
      [
        {
          title: `Deleting stack ${environment.stackName}`,
          run: (_ctx, report) => deleteEnvironmentStack(clients, environment, {maxWaitSeconds: this.flags.wait, onProgress: report}),
        },
        {
          title: 'Listing the data that was kept',
          run: async (ctx) => void (ctx.retained = await findRetainedData(clients, environment, deletionStartedAt)),
        },
      ],
      context,
      {quiet: this.jsonEnabled()},
    )
    if (this.flags['delete-data'] && context.retained.length > 0)
      context.deletion = (await this.deleteData(clients, context.retained)) ?? context.deletion
    const deleted = context.deletion.deleted
    if (context.deletion.failed.length > 0) throw dataDeletionIncomplete(name, context.deletion)
    const kept = context.retained.filter((item) => !deleted.includes(item))
    if (!this.jsonEnabled()) {
      this.log(`Deleted ${environment.stackName}.`)
      if (kept.length > 0) {
        this.log('Kept (delete each when you no longer need it):')
        for (const item of kept) this.log(`  ${item.kind} ${item.id}\n    ${item.deleteCommand}`)
      }
      if (deleted.length > 0) this.log(`Deleted data: ${deleted.map((i) => `${i.kind} ${i.id}`).join(', ')}`)
    }
    return {name, stackName: environment.stackName, deleted: true, retained: kept, dataDeleted: deleted}
  }

  /** --delete-data for an environment whose stack is already gone: its kept data, found by tag. */
  private async deleteOrphaned(clients: AwsClients, name: string, kept: RetainedItem[]): Promise<DestroyResult> {
    if (!this.jsonEnabled()) {
      this.logToStderr(`The stack of ${name} is already gone. Its kept data:`)
      for (const item of kept) this.logToStderr(`  ${item.kind} ${item.id}`)
    }
    await this.confirmByName(name, 'its kept data')
    const deletion = await this.deleteData(clients, kept)
    if (!deletion) return {name, stackName: `arw-${name}`, deleted: false, retained: kept, dataDeleted: []}
    if (deletion.failed.length > 0) throw dataDeletionIncomplete(name, deletion, {stackDeleted: false})
    if (!this.jsonEnabled()) this.log(`Deleted the kept data of ${name}: ${deletion.deleted.map((i) => `${i.kind} ${i.id}`).join(', ')}`)
    return {name, stackName: `arw-${name}`, deleted: false, retained: [], dataDeleted: deletion.deleted}
  }

  /** The second confirmation, then every item tried; undefined when the confirmation was not given. */
  private async deleteData(clients: AwsClients, items: readonly RetainedItem[]) {
    const list = items.map((i) => `${i.kind} ${i.id}`).join(', ')
    if (!(await this.confirm(`Permanently delete ${list}? This cannot be undone.`, {yes: this.flags.yes}))) {
      this.addWarning('Data kept: the second confirmation was not given.')
      return undefined
    }
    const context = {deletion: {deleted: [], failed: []} as Awaited<ReturnType<typeof deleteRetainedData>>}
    await runWithProgress(
      [{title: 'Deleting kept data', run: async (ctx, report) => void (ctx.deletion = await deleteRetainedData(clients, items, report))}],
      context,
      {quiet: this.jsonEnabled()},
    )
    return context.deletion
  }

  private async confirmByName(name: string, what = '(data is kept)'): Promise<void> {
    if (this.flags.yes) return
    if (!this.canPrompt()) {
      throw new WizardError({
        code: 'confirmation-required',
        message: `Destroying ${name} needs confirmation, and there is no terminal to ask.`,
        actions: ['Add --yes to confirm without a prompt.'],
        exitCode: ExitCode.usage,
      })
    }
    const {input} = await import('@inquirer/prompts')
    const typed = await input(
      {message: `Type the environment name (${name}) to delete ${what === '(data is kept)' ? `it ${what}` : what}:`},
      {output: process.stderr},
    )
    if (typed.trim() !== name)
      throw new WizardError({
        code: 'cancelled',
        message: 'The name did not match; nothing was deleted.',
        actions: [],
        exitCode: ExitCode.failure,
      })
  }
}
