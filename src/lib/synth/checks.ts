import {ExitCode, WizardError} from '../../errors.js'
import type {SynthFinding} from './synthesize.js'

// Kept apart from synthesize.ts so that commands can import it without loading aws-cdk-lib.

/** Fails when a synthesized stack has error-level findings: a defect, never user input. */
export function assertNoBlockingFindings(findings: readonly SynthFinding[]): void {
  const blocking = findings.filter((f) => f.level === 'error')
  if (blocking.length === 0) return
  throw new WizardError({
    code: 'stack-checks-failed',
    message: `The synthesized stack fails ${blocking.length} check(s):\n${blocking.map((f) => `  ${f.rule}: ${f.message} (${f.constructPath ?? f.source})`).join('\n')}`,
    actions: ['This is a defect in the stack definition; report it with this output.'],
    exitCode: ExitCode.internal,
    data: {findings: blocking},
  })
}
