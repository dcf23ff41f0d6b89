import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import type {SyncResult} from '../../lib/import-notebooks/sync.js'

export default class JupyterImportNotebooks extends BaseCommand<typeof JupyterImportNotebooks> {
  static override summary = 'Copy a folder of notebooks to S3 or to a hub: only new and changed files.'
  static override description =
    "A sync: files already there with the same size and ETag are skipped (also after an interruption), hidden files and .ipynb_checkpoints are left out, links are never followed out of --source. With --env the files go to the environment's notebook bucket and the hub shows them under /shared/notebooks (or, with --to home --user NAME, in that person's home) within a few minutes. --delete removes objects that have no local file, after a confirmation (--yes)."
  static override examples = [
    '<%= config.bin %> <%= command.id %> --source ./notebooks --env lab1',
    '<%= config.bin %> <%= command.id %> --source ./thesis --env lab1 --to home --user ada --dry-run',
    '<%= config.bin %> <%= command.id %> --source ./notebooks --destination s3://my-bucket/course/ --delete --yes --json',
  ]
  static override flags = {
    source: Flags.string({description: 'Local folder to copy.', required: true}),
    destination: Flags.string({description: 's3://BUCKET/PREFIX/ to copy to.', exactlyOne: ['destination', 'env']}),
    env: Flags.string({description: 'Environment whose hub receives the notebooks.', exactlyOne: ['destination', 'env']}),
    to: Flags.string({
      description: "With --env: shared (default, /shared/notebooks) or home (one user's home, with --user).",
      options: ['shared', 'home'],
      dependsOn: ['env'],
    }),
    user: Flags.string({description: 'With --to home: the hub account name.', dependsOn: ['env']}),
    'dry-run': Flags.boolean({description: 'Show what would be copied and removed; change nothing.'}),
    delete: Flags.boolean({description: 'Remove objects under the destination that have no local file (asks first).'}),
    yes: Flags.boolean({description: 'Confirm --delete without a prompt.'}),
  }

  public async run(): Promise<SyncResult> {
    const [{resolveDestination}, {planSync, executeSync}, {describeSyncPlan}] = await Promise.all([
      import('../../lib/import-notebooks/resolve.js'),
      import('../../lib/import-notebooks/sync.js'),
      import('../../lib/import-notebooks/describe.js'),
    ])
    const clients = await this.awsClients()
    const destination = await resolveDestination(clients, this.flags)
    const s3 = await clients.s3()
    const plan = await this.step(`Comparing ${this.flags.source} with s3://${destination.bucket}/${destination.prefix}`, (report) =>
      planSync(s3, this.flags.source, destination, {delete: this.flags.delete, onProgress: report}),
    )
    if (!this.jsonEnabled()) this.logToStderr(describeSyncPlan(plan, this.flags['dry-run'], Boolean(this.flags.env)))
    if (this.flags['dry-run']) return {...plan, dryRun: true, deleted: false, bytesUploaded: 0}
    if (plan.deletions.length > 0)
      await this.requireConfirmation(
        `Removing ${plan.deletions.length} object(s)`,
        `Remove ${plan.deletions.length} object(s) from s3://${plan.bucket}/${plan.prefix} that have no local file?`,
        this.flags.yes,
      )
    const {bytesUploaded} = await this.step(`Uploading to s3://${plan.bucket}/${plan.prefix}`, (report) =>
      executeSync(s3, this.flags.source, plan, {onProgress: report}),
    )
    if (!this.jsonEnabled()) this.log(`${plan.uploads.length} uploaded, ${plan.unchanged} unchanged, ${plan.deletions.length} removed.`)
    return {...plan, dryRun: false, deleted: plan.deletions.length > 0, bytesUploaded}
  }
}
