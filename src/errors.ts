/**
 * The error catalogue. Every failure a user can cause or meet carries a code, a
 * message that names the value received and the value expected, the actions that
 * fix it, and the process exit code scripts can branch on.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  invalidPack: 3,
  credentials: 4,
  deployFailed: 5,
  internal: 10,
} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface WizardErrorOptions {
  readonly code: string
  readonly message: string
  readonly actions?: readonly string[]
  readonly exitCode?: ExitCodeValue
  readonly cause?: unknown
  /** Extra data carried into the --json error envelope (e.g. validation findings). */
  readonly data?: unknown
}

/** An expected failure: rendered as message + actions, never as a stack trace. */
export class WizardError extends Error {
  readonly code: string
  readonly actions: readonly string[]
  readonly exitCode: ExitCodeValue
  readonly data?: unknown

  constructor(options: WizardErrorOptions) {
    super(options.message, {cause: options.cause})
    this.name = 'WizardError'
    this.code = options.code
    this.actions = options.actions ?? []
    this.exitCode = options.exitCode ?? ExitCode.failure
    this.data = options.data
  }
}

export function isWizardError(error: unknown): error is WizardError {
  return error instanceof Error && (error as Partial<WizardError>).name === 'WizardError' && 'exitCode' in error
}
