import {Flags} from '@oclif/core'
import {BaseCommand, verboseFlag} from '../../base-command.js'
import {environmentFlags, outputFlag, restoreFromFlag} from '../../flags.js'
import {overridesFromFlags} from '../../lib/deploy/overrides.js'
import type {DeploymentPlan} from '../../lib/plan/build-plan.js'
import type {ApplyResult} from '../../lib/lifecycle/apply.js'
import type {BootStatus} from '../../lib/readiness/boot-status.js'
import {signInInstructions} from '../../lib/lifecycle/sign-in.js'
import {environmentWorkDirectory, runWorkDirectory} from '../../lib/workdir/output-dir.js'
import {assertNoBlockingFindings} from '../../lib/synth/checks.js'
import {renderChanges} from '../../output/changes.js'
import {renderCreateSummary, renderPlan} from '../../output/plan.js'
import {formatBootStatus} from '../../lib/readiness/boot-status.js'

export interface DeployResult {
  dryRun: boolean
  plan: DeploymentPlan
  /** Present after a real deploy. */
  deployment?: ApplyResult & {signIn: string}
  /** The hub's boot status after a real deploy: `ready` unless --no-wait (absent when the instance was not replaced). */
  hub?: BootStatus
}

export default class JupyterDeploy extends BaseCommand<typeof JupyterDeploy> {
  static override summary = 'Create or update a JupyterHub research environment from a domain pack.'
  static override description =
    'Resolves the pack and flags, synthesizes the CloudFormation stack arw-<name>, and deploys it. With --dry-run nothing touches AWS: the stack is written to --output and the plan and cost estimate are printed. Works without AWS credentials in that mode.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --domain genomics --name lab1 --dry-run',
    '<%= config.bin %> <%= command.id %> --domain genomics --name lab1 --users 10 --shared-storage 1TB --budget 500 --admin-email pi@uni.edu',
    '<%= config.bin %> <%= command.id %> --domain machine-learning --name gpu-lab --instance-type g5.2xlarge --dry-run --json',
    '<%= config.bin %> <%= command.id %> --domain ./packs/proteomics.yaml --name prot --region eu-west-1 --yes',
    '<%= config.bin %> <%= command.id %> --domain genomics --name lab1 --update-image --yes',
    '<%= config.bin %> <%= command.id %> --domain genomics --name lab1 --yes --no-wait',
    '<%= config.bin %> <%= command.id %> --domain genomics --name lab1 --restore-from lab1 --yes',
  ]
  static override flags = {
    ...environmentFlags,
    'dry-run': Flags.boolean({description: 'Synthesize and print the plan and cost estimate; change nothing on AWS.'}),
    output: outputFlag(
      'Directory for the synthesized cloud assembly (default: a directory of its own per environment under ~/.cache/aws-research-wizard).',
    ),
    validate: Flags.boolean({
      description: "Also run aws-cdk-lib's CloudFormation template validation during a dry run (always on for a real deploy).",
      default: false,
    }),
    yes: Flags.boolean({char: 'y', description: 'Create or change the environment without asking (required without a terminal).'}),
    verbose: verboseFlag,
    'allow-replacement': Flags.boolean({
      description: 'Allow an update that replaces a data-bearing resource (home volume, file system, bucket, user pool).',
    }),
    'update-image': Flags.boolean({
      description:
        'Move the hub to the newest public image (otherwise the image of the first deploy is kept). Replaces the hub instance; /home, /shared and the bucket are kept.',
      exclusive: ['dry-run'],
    }),
    wait: Flags.boolean({
      description: 'Wait until the hub answers (up to the boot time the pack needs). --no-wait returns once the stack is deployed.',
      default: true,
      allowNo: true,
    }),
    'restore-from': restoreFromFlag,
    access: Flags.string({
      description: 'public: HTTPS via CloudFront + Cognito sign-in. private: no endpoint; connect with SSM port forwarding.',
      options: ['public', 'private'],
      default: 'public',
    }),
  }

  public async run(): Promise<DeployResult> {
    const {flags} = this
    const region = await this.region()
    // A dry run's template stays where the plan says it is; a real run synthesizes into a
    // directory of its own, removed at exit (see runWorkDirectory).
    const outdir = flags.output ?? (flags['dry-run'] ? environmentWorkDirectory : runWorkDirectory)(region, flags.name)
    // A dry run stays offline; a real deploy resolves (or reuses) the hub image before synthesis.
    const clients = flags['dry-run'] ? undefined : await this.awsClients()
    const planned = await this.step(`Planning ${flags.name} from the ${flags.domain} pack`, async () => {
      // Loaded on use: synthesis pulls in aws-cdk-lib, which other commands never need.
      const [{planEnvironment}, {resolveDeployTarget}, {withRestore}] = await Promise.all([
        import('../../lib/deploy/plan-environment.js'),
        import('../../lib/lifecycle/apply.js'),
        import('../../lib/deploy/restore-target.js'),
      ])
      return planEnvironment(
        flags.domain,
        {...overridesFromFlags(flags, region), access: flags.access as 'public' | 'private'},
        {
          outdir,
          validateTemplates: flags.validate || !flags['dry-run'],
          packDirs: flags['pack-dir'],
          ...(clients
            ? {
                target: async (spec) =>
                  withRestore(
                    clients.forRegion(spec.region),
                    spec,
                    await resolveDeployTarget(clients.forRegion(spec.region), spec, {updateImage: flags['update-image']}),
                    flags['restore-from'],
                  ),
              }
            : {}),
        },
      )
    })
    for (const finding of planned.plan.findings.filter((f) => f.level === 'warning')) this.addWarning(`${finding.rule}: ${finding.message}`)
    for (const warning of planned.target?.image.warnings ?? []) this.addWarning(warning)
    assertNoBlockingFindings(planned.plan.findings)
    if (!this.jsonEnabled()) this.log(renderPlan(planned.plan, {verbose: flags.verbose}))
    if (flags['dry-run']) {
      if (!this.jsonEnabled()) this.log(`\nDry run: nothing was deployed. Deploy with the same command without --dry-run.`)
      return {dryRun: true, plan: planned.plan}
    }
    const result = await this.applyWithConfirmation(
      planned.spec,
      // The plan above already synthesized (and validated) this assembly: deploy it as is.
      {
        clients: clients!.forRegion(planned.spec.region),
        outdir,
        synthesis: planned.synthesis,
        ...(planned.target?.deployed ? {deployed: planned.target.deployed} : {}),
        allowReplacement: flags['allow-replacement'],
        hub: {wait: flags.wait},
      },
      (preview, created) =>
        created
          ? renderCreateSummary(planned.plan)
          : `Changes to ${planned.spec.stackName}:\n${renderChanges(preview.summary, preview.changes, {...flags, hub: preview.hub})}`,
      flags,
    )
    const signIn = signInInstructions(planned.spec, result.outputs, {hubReady: result.hub?.phase === 'ready'})
    if (!this.jsonEnabled()) {
      this.log(
        result.applied
          ? `\n${result.created ? 'Created' : 'Updated'} ${planned.spec.stackName}.`
          : `\n${planned.spec.stackName} is already up to date.`,
      )
      if (result.hub) this.log(`Hub: ${formatBootStatus(result.hub)}`)
      this.log(signIn)
    }
    return {dryRun: false, plan: planned.plan, deployment: {...result, signIn}, ...(result.hub ? {hub: result.hub} : {})}
  }
}
