import {Flags} from '@oclif/core'
import {environmentNameArg} from '../../flags.js'
import {BaseCommand, verboseFlag} from '../../base-command.js'
import {outputFlag} from '../../flags.js'
import type {ApplyResult} from '../../lib/lifecycle/apply.js'
import {runWorkDirectory} from '../../lib/workdir/output-dir.js'
import {renderChanges} from '../../output/changes.js'

export interface ScaleResult extends ApplyResult {
  instanceType: string
  users: number
}

export default class JupyterScale extends BaseCommand<typeof JupyterScale> {
  static override summary = 'Resize an environment for more or fewer users, or move it to another instance type.'
  static override description =
    'Recomputes the environment from the pack it was deployed with, shows the change set, and applies it after confirmation. A type change stops and starts the instance; /home, /shared and the bucket are untouched. A change that would replace a data-bearing resource is refused unless --allow-replacement.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab1 --users 25',
    '<%= config.bin %> <%= command.id %> lab1 --instance-type r6i.8xlarge --yes',
    '<%= config.bin %> <%= command.id %> gpu-lab --instance-type g5.2xlarge --json --yes',
  ]
  static override args = {name: environmentNameArg({description: 'Environment name', required: true})}
  static override flags = {
    users: Flags.integer({
      description: 'New number of users (re-sizes the instance within the pack).',
      min: 1,
      exactlyOne: ['users', 'instance-type'],
    }),
    'instance-type': Flags.string({description: 'New instance type.', exactlyOne: ['users', 'instance-type']}),
    'allow-replacement': Flags.boolean({description: 'Allow replacing a data-bearing resource.'}),
    yes: Flags.boolean({char: 'y', description: 'Apply without asking (required without a terminal).'}),
    verbose: verboseFlag,
    output: outputFlag("Directory for the synthesized cloud assembly (default: the environment's own cache directory)."),
  }

  public async run(): Promise<ScaleResult> {
    const clients = await this.awsClients()
    const {respecFromDeployed} = await import('../../lib/lifecycle/apply.js')
    const {spec, deployed, image} = await this.step(`Recomputing ${this.args.name}`, () =>
      respecFromDeployed(clients, this.args.name, {users: this.flags.users, instanceType: this.flags['instance-type']}),
    )
    const result = await this.applyWithConfirmation(
      spec,
      {
        clients: clients.forRegion(spec.region),
        outdir: this.flags.output ?? runWorkDirectory(spec.region, spec.name),
        deployed,
        // The recorded image: a scale never moves the hub to a newer public image.
        ...(image ? {image} : {}),
        allowReplacement: this.flags['allow-replacement'],
        hub: {wait: false},
      },
      (preview) => `Changes to ${spec.stackName}:\n${renderChanges(preview.summary, preview.changes, {...this.flags, hub: preview.hub})}`,
      this.flags,
    )
    if (!this.jsonEnabled())
      this.log(`${result.applied ? 'Scaled' : 'Nothing to change:'} ${spec.name} runs ${spec.instance.type} for ${spec.users} users.`)
    return {...result, instanceType: spec.instance.type, users: spec.users}
  }
}
