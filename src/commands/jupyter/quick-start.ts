import {Flags} from '@oclif/core'
import {environmentFlags} from '../../flags.js'
import type {Prompter, QuickStartAnswers, QuickStartFlagValues} from '../../lib/quick-start/answers.js'
import type {QuickStartChecklist} from '../../lib/quick-start/checklist.js'
import JupyterDeploy, {type DeployResult} from './deploy.js'

export interface QuickStartResult extends DeployResult {
  answers: QuickStartAnswers
  /** After a real deploy: what was checked, line by line. */
  checklist?: QuickStartChecklist
}

/** The guided path: asks what is missing, then runs deploy itself (the same plan, confirmation and deploy). */
export default class JupyterQuickStart extends JupyterDeploy {
  static override summary = 'Start a team hub in a few answers: pack, team size, budget, administrator, access; then deploy.'
  static override description =
    'In a terminal it asks for whatever the flags do not give, showing each pack with its monthly estimate, then shows the plan and price, asks, deploys, and ends with a checklist of what the hub reported. Without a terminal every answer must come from flags (--domain, --team-size, --name, --budget, --admin-email, --access). Every deploy flag works here too.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --domain genomics --team-size 5 --notebook-examples',
    '<%= config.bin %> <%= command.id %> --domain genomics --team-size 5 --name lab1 --budget 500 --admin-email pi@uni.edu --access public --dry-run --json',
  ]
  static override flags = {
    ...JupyterDeploy.flags,
    domain: Flags.string({char: 'd', description: 'Domain pack (asked when missing): a name from `domain list` or a pack file.'}),
    name: {...environmentFlags.name, required: false},
    'team-size': {
      ...environmentFlags.users,
      description: 'People using the hub at the same time (asked when missing); sizes the instance.',
      exclusive: ['users'],
    },
    access: Flags.string({
      description: 'public (HTTPS + sign-in) or private (SSM port forwarding); asked when missing.',
      options: ['public', 'private'],
    }),
    'notebook-examples': Flags.boolean({
      description: "Install the pack's example notebooks in /shared/examples and new homes.",
      default: true,
      allowNo: true,
    }),
  }

  public override async run(): Promise<QuickStartResult> {
    const flags = this.flags as typeof this.flags & QuickStartFlagValues & {'notebook-examples': boolean}
    const region = await this.region()
    const [{resolveAnswers}, {packChoices}] = await Promise.all([
      import('../../lib/quick-start/answers.js'),
      import('../../lib/quick-start/pack-choices.js'),
    ])
    const answers = await resolveAnswers(flags, this.canPrompt() ? await this.prompter() : undefined, (users) =>
      this.step('Pricing the domain packs', () => packChoices({packDirs: flags['pack-dir'], region, users})),
    )
    // The answers become deploy's own flags: from here on this is `jupyter deploy`.
    Object.assign(flags, {
      domain: answers.domain,
      name: answers.name,
      users: answers.teamSize,
      budget: answers.budget,
      'admin-email': answers.adminEmail,
      access: answers.access,
    })
    const deployed = await super.run()
    if (deployed.dryRun || !deployed.deployment) return {...deployed, answers}
    const [{closingChecklist}, {renderChecklist}, {overridesFromFlags}] = await Promise.all([
      import('../../lib/quick-start/closing.js'),
      import('../../lib/quick-start/checklist.js'),
      import('../../lib/deploy/overrides.js'),
    ])
    const checklist = await closingChecklist(await this.awsClients(), {
      domain: answers.domain,
      overrides: {...overridesFromFlags(flags, region), access: answers.access},
      packDirs: flags['pack-dir'],
      deployment: deployed.deployment,
      ...(deployed.hub ? {hub: deployed.hub} : {}),
      bin: this.config.bin,
    })
    if (!this.jsonEnabled()) this.log(`\n${renderChecklist(checklist)}`)
    return {...deployed, answers, checklist}
  }

  /** The questions, on stderr like every prompt of the CLI (stdout stays for results). */
  private async prompter(): Promise<Prompter> {
    const {input, select} = await import('@inquirer/prompts')
    return {
      select: (message, choices) => select({message, choices: [...choices], pageSize: 12}, {output: process.stderr}),
      text: (message, options) =>
        input({message, ...(options.default ? {default: options.default} : {}), validate: options.validate}, {output: process.stderr}),
    }
  }
}
