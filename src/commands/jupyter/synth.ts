import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {environmentFlags, outputFlag} from '../../flags.js'
import {overridesFromFlags} from '../../lib/deploy/overrides.js'
import {environmentWorkDirectory} from '../../lib/workdir/output-dir.js'

export interface SynthResult {
  stackName: string
  templateFile: string
  outdir: string
  resources: number
  templateBytes: number
}

export default class JupyterSynth extends BaseCommand<typeof JupyterSynth> {
  static override summary = 'Write the CloudFormation template of an environment without deploying it.'
  static override description =
    'Produces the same cloud assembly as `jupyter deploy` and as `cdk synth` through cdk.json (-c domain=... -c name=...), for review, policy checks or your own pipeline.'
  // Kept for scripts, but not listed: "plan" next to "synth" read as two commands, and a plan is deploy --dry-run.
  static override hiddenAliases = ['jupyter:plan']
  static override examples = [
    '<%= config.bin %> <%= command.id %> --domain genomics --name lab1',
    '<%= config.bin %> <%= command.id %> --domain climate-science --name clim --output build/cdk.out --json',
  ]
  static override flags = {
    ...environmentFlags,
    output: outputFlag(
      'Directory for the cloud assembly (default: a directory of its own per environment under ~/.cache/aws-research-wizard).',
    ),
    validate: Flags.boolean({description: "Run aws-cdk-lib's CloudFormation template validation too.", default: false}),
  }

  public async run(): Promise<SynthResult> {
    const {flags} = this
    const result = await this.step(`Synthesizing arw-${flags.name}`, async (): Promise<SynthResult> => {
      const {planEnvironment} = await import('../../lib/deploy/plan-environment.js')
      const region = await this.region()
      const {synthesis} = await planEnvironment(flags.domain, overridesFromFlags(flags, region), {
        outdir: flags.output ?? environmentWorkDirectory(region, flags.name),
        validateTemplates: flags.validate,
        nag: false,
        packDirs: flags['pack-dir'],
      })
      const stack = synthesis.stacks[0]!
      return {
        stackName: stack.stackName,
        templateFile: stack.templateFile,
        outdir: synthesis.outdir,
        resources: stack.resourceCount,
        templateBytes: stack.templateBytes,
      }
    })
    if (!this.jsonEnabled())
      this.log(`${result.templateFile} (${result.resources} resources, ${Math.round(result.templateBytes / 1024)} KiB)`)
    return result
  }
}
