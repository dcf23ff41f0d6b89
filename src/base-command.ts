import {Command, Errors, Flags, type Interfaces} from '@oclif/core'
import {AwsClients} from './aws/clients.js'
import {toAwsError} from './aws/errors.js'
import {ExitCode, type ExitCodeValue, isWizardError, WizardError} from './errors.js'
import {requireEnvironmentName} from './flags.js'
import type {ApplyOptions, ApplyResult, ChangePreview} from './lib/lifecycle/apply.js'
import type {EnvironmentSpec} from './lib/spec/types.js'

/**
 * For commands that never call AWS: --profile/--region still parse (scripts pass them
 * everywhere) but are not listed in their help.
 */
export function offlineBaseFlags(): (typeof BaseCommand)['baseFlags'] {
  const {profile, region} = BaseCommand.baseFlags
  return {profile: {...profile, hidden: true}, region: {...region, hidden: true}}
}

/** Shows the detail people rarely need: resource tables, toolkit messages. */
export const verboseFlag = Flags.boolean({description: 'Show every detail: resource tables and the deploy toolkit messages.'})

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** The --json contract for success. */
export interface SuccessEnvelope<T> {
  status: 0
  result: T
  warnings: string[]
}

/** The --json contract for failure. */
export interface ErrorEnvelope {
  status: number
  error: {code: string; message: string; actions: readonly string[]; data?: unknown}
}

/**
 * Gives every command --json, --profile and --region, and turns every failure into
 * a coded message with actions and a meaningful exit code instead of a stack trace.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    profile: Flags.string({
      description: 'AWS profile to use (overrides AWS_PROFILE).',
      helpGroup: 'AWS',
    }),
    region: Flags.string({
      description: 'AWS region (overrides AWS_REGION and the profile region).',
      helpGroup: 'AWS',
    }),
  }

  /** True for commands whose every positional is an environment name (stop, start, destroy). */
  static multipleEnvironmentNames = false

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  /** Every positional argument, for commands with strict = false (e.g. several files). */
  protected positionals: string[] = []
  private readonly collectedWarnings: string[] = []
  private regionResolution?: Promise<import('./aws/region.js').ResolvedRegion>

  public override async init(): Promise<void> {
    await super.init()
    const {args, argv, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
    this.positionals = argv.map(String)
    // oclif parses only the first of several positionals; the rest are names too.
    if ((this.ctor as typeof BaseCommand).multipleEnvironmentNames) for (const name of this.positionals) requireEnvironmentName(name)
  }

  /**
   * The region of this run, by the one rule (--region, AWS_REGION/AWS_DEFAULT_REGION, the
   * profile's region, us-east-1 with a note); resolved once per command.
   */
  protected async region(): Promise<string> {
    if (!this.regionResolution) {
      const flags = this.flags as {region?: string; profile?: string}
      this.regionResolution = import('./aws/region.js').then(({resolveRegion}) =>
        resolveRegion({flag: flags.region, profile: flags.profile}),
      )
      const {note} = await this.regionResolution
      if (note) this.addWarning(note)
    }
    return (await this.regionResolution).region
  }

  /** SDK clients for --profile and the region of this run (lazily loaded; no AWS call until used). */
  protected async awsClients(): Promise<AwsClients> {
    const flags = this.flags as {region?: string; profile?: string}
    return new AwsClients({region: await this.region(), profile: flags.profile})
  }

  /** True when a person can answer a prompt: a terminal, not --json, not CI. */
  protected canPrompt(): boolean {
    return Boolean(process.stdin.isTTY) && !this.jsonEnabled() && !process.env.CI
  }

  /**
   * Asks before something that bills or deletes: --yes answers yes; in a terminal the
   * person is asked (a "no" ends the command with "Cancelled, nothing changed", exit
   * 0); without a terminal it fails with exit 2 and the remedy "add --yes", so
   * pipelines state their intent.
   */
  protected async requireConfirmation(action: string, question: string, yes: boolean | undefined): Promise<void> {
    if (yes) return
    if (!this.canPrompt()) {
      throw new WizardError({
        code: 'confirmation-required',
        message: `${action} needs confirmation, and there is no terminal to ask${this.jsonEnabled() ? ' (--json)' : ''}.`,
        actions: ['Add --yes to confirm without a prompt.'],
        exitCode: ExitCode.usage,
      })
    }
    if (!(await this.confirm(question))) {
      const {applyCancelled} = await import('./lib/lifecycle/apply.js')
      throw applyCancelled()
    }
  }

  /**
   * Asks a yes/no question. --yes answers yes; without a terminal the answer is the
   * safe one: `nonInteractive` (default false, i.e. refuse).
   */
  protected async confirm(question: string, options: {yes?: boolean; nonInteractive?: boolean} = {}): Promise<boolean> {
    if (options.yes) return true
    if (!this.canPrompt()) return options.nonInteractive ?? false
    const {confirm} = await import('@inquirer/prompts')
    return confirm({message: question, default: false}, {output: process.stderr})
  }

  /** Runs one piece of work under a progress line (silent with --json) and returns its result. */
  protected async step<R>(title: string, work: (report: (detail: string) => void) => Promise<R>): Promise<R> {
    const {runWithProgress} = await import('./output/progress.js')
    const context: {result?: R} = {}
    await runWithProgress([{title, run: async (ctx, report) => void (ctx.result = await work(report))}], context, {
      quiet: this.jsonEnabled(),
    })
    return context.result as R
  }

  /**
   * Creates or updates an environment: checks and preview under a progress line, then
   * what will happen and its monthly cost in the open and the confirmation (a prompt
   * inside a running progress display stays invisible), then the deploy under a
   * second progress line.
   */
  protected async applyWithConfirmation(
    spec: EnvironmentSpec,
    options: Omit<ApplyOptions, 'confirm' | 'onProgress' | 'onWarning'>,
    describe: (preview: ChangePreview, created: boolean) => string,
    flags: {yes?: boolean; verbose?: boolean},
    /** Refuses a preview the command does not allow (throws), before anything is asked or changed. */
    assertPreview?: (preview: ChangePreview) => void,
  ): Promise<ApplyResult> {
    const {executeApply, needsConfirmation, prepareApply} = await import('./lib/lifecycle/apply.js')
    const onWarning = (message: string) => this.addWarning(message)
    const prepared = await this.step(`Checking ${spec.stackName}`, (report) =>
      prepareApply(spec, {...options, onProgress: report, onWarning}),
    )
    assertPreview?.(prepared.preview)
    if (needsConfirmation(prepared)) {
      const created = !prepared.existing
      if (!this.jsonEnabled()) this.logToStderr(describe(prepared.preview, created))
      const action = created ? `Creating ${spec.stackName}` : `Changing ${spec.stackName}`
      await this.requireConfirmation(action, created ? `Create ${spec.stackName}?` : `Apply these changes to ${spec.stackName}?`, flags.yes)
    }
    const {formatBootStatus} = await import('./lib/readiness/boot-status.js')
    return this.step(`Deploying ${spec.stackName} to ${spec.region}`, (report) =>
      executeApply(prepared, {
        ...options,
        onProgress: report,
        onWarning,
        verbose: flags.verbose,
        // The hub's own progress ("Hub: installing kernels 2/3") in the same line as the stack's.
        ...(options.hub
          ? {
              hub: {
                ...options.hub,
                onStatus: (status) => {
                  report(`Hub: ${formatBootStatus(status)}`)
                  options.hub?.onStatus?.(status)
                },
              },
            }
          : {}),
      }),
    )
  }

  /** A warning shown on stderr for people and carried in the JSON envelope for machines. */
  protected addWarning(message: string): void {
    this.collectedWarnings.push(message)
    if (!this.jsonEnabled()) this.logToStderr(`Warning: ${message}`)
  }

  protected override toSuccessJson(result: unknown): SuccessEnvelope<unknown> {
    return {status: 0, result, warnings: this.collectedWarnings}
  }

  protected override toErrorJson(error: unknown): ErrorEnvelope {
    const wizardError = toWizardError(error)
    return {
      status: wizardError.exitCode,
      error: {
        code: wizardError.code,
        message: wizardError.message,
        actions: wizardError.actions,
        ...(wizardError.data === undefined ? {} : {data: wizardError.data}),
      },
    }
  }

  public override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    if (error instanceof Errors.ExitError) throw error
    if (isWizardError(error) && error.code === 'cancelled' && error.exitCode === ExitCode.ok) {
      // A person's "no" is a decision, not a failure.
      if (this.jsonEnabled()) this.logJson(this.toSuccessJson({cancelled: true, message: error.message}))
      else this.logToStderr(error.message)
      return undefined
    }
    const flags = (this.flags ?? {}) as {region?: string; profile?: string}
    const wizardError = withApplicableActions(toWizardError(toAwsError(error, {profile: flags.profile, region: flags.region})), {
      ...this.ctor.flags,
      ...(this.ctor as typeof BaseCommand).baseFlags,
    })
    if (this.jsonEnabled()) {
      this.logJson(this.toErrorJson(wizardError))
    } else {
      this.logToStderr(`Error [${wizardError.code}]: ${wizardError.message}`)
      for (const action of wizardError.actions) this.logToStderr(`  → ${action}`)
      if (wizardError.exitCode === ExitCode.internal) {
        const detail = (wizardError.cause as Error | undefined)?.stack
        if (process.env.DEBUG && detail) this.logToStderr(detail)
      }
    }
    return this.exit(wizardError.exitCode)
  }
}

/**
 * Drops advice to "add --x" / "pass --x" when this command has no --x (a credentials
 * error met by `bootstrap` must not suggest --dry-run).
 */
export function withApplicableActions(error: WizardError, flags: Record<string, unknown>): WizardError {
  const applicable = error.actions.filter((action) =>
    [...action.matchAll(/\b(?:add|pass|with)\s+--([a-z][a-z0-9-]*)/gi)].every((match) => match[1]! in flags || match[1] === 'json'),
  )
  if (applicable.length === error.actions.length) return error
  return new WizardError({
    code: error.code,
    message: error.message,
    actions: applicable,
    exitCode: error.exitCode,
    cause: error.cause,
    ...(error.data === undefined ? {} : {data: error.data}),
  })
}

/** Any thrown value -> a WizardError; unknown errors are internal bugs (exit 10). */
export function toWizardError(error: unknown): WizardError {
  if (isWizardError(error)) return error
  const oclifExit = (error as {oclif?: {exit?: number}} | undefined)?.oclif?.exit
  if (error instanceof Errors.CLIError || oclifExit !== undefined) {
    const message = (error as Error).message.replace(/\n\s*See more help with --help$/, '')
    return new WizardError({
      code: 'usage',
      message,
      actions: ['Run the command with --help for its flags and examples.'],
      exitCode: (oclifExit === 1 || oclifExit === undefined ? ExitCode.usage : oclifExit) as ExitCodeValue,
    })
  }
  return new WizardError({
    code: 'internal-error',
    message: `Unexpected internal error: ${(error as Error)?.message ?? String(error)}`,
    actions: ['This is a bug in aws-research-wizard. Re-run with DEBUG=* for details and report it with the output.'],
    exitCode: ExitCode.internal,
    cause: error,
  })
}
