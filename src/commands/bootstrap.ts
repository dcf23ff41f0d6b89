import {join} from 'node:path'
import {BaseCommand} from '../base-command.js'
import {outputFlag} from '../flags.js'
import {cacheRoot} from '../lib/workdir/output-dir.js'
import {runWithProgress} from '../output/progress.js'

export interface BootstrapResult {
  account: string
  region: string
}

export default class Bootstrap extends BaseCommand<typeof Bootstrap> {
  static override summary = 'Prepare an AWS account and region for deployments (once per account and region).'
  static override description =
    'Creates the standard CDK bootstrap stack (CDKToolkit): the bucket and roles deployments use. Safe to run again; it updates in place.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --region us-east-1',
    '<%= config.bin %> <%= command.id %> --profile research --region eu-west-1 --json',
  ]
  static override flags = {output: outputFlag('Working directory for the toolkit (default: under ~/.cache/aws-research-wizard).')}

  public async run(): Promise<BootstrapResult> {
    const clients = await this.awsClients()
    const context: Partial<BootstrapResult> = {}
    await runWithProgress(
      [
        {
          title: 'Finding the account',
          run: async (ctx) => {
            const {GetCallerIdentityCommand} = await import('@aws-sdk/client-sts')
            const identity = await (await clients.sts()).send(new GetCallerIdentityCommand({}))
            ctx.account = identity.Account
            ctx.region = clients.region!
          },
        },
        {
          title: 'Bootstrapping',
          run: async (ctx, report) => {
            const {bootstrapEnvironment} = await import('../lib/deploy/engine.js')
            await bootstrapEnvironment(ctx.account!, ctx.region!, {
              clients,
              outdir: this.flags.output ?? join(cacheRoot(), ctx.region!, '.bootstrap'),
              onProgress: report,
              onWarning: (message) => this.addWarning(message),
            })
          },
        },
      ],
      context,
      {quiet: this.jsonEnabled()},
    )
    if (!this.jsonEnabled()) this.log(`aws://${context.account}/${context.region} is ready for deployments.`)
    return context as BootstrapResult
  }
}
