import {ExitCode, WizardError} from '../../errors.js'
import type {UsersChangeResult} from './types.js'

/** Every person was tried; if any failed the command exits 1, carrying every result. */
export function failedUsersError(result: UsersChangeResult, verb: string): WizardError | undefined {
  if (result.failed === 0) return undefined
  return new WizardError({
    code: 'users-failed',
    message: `${result.failed} of ${result.changes.length} could not be ${verb} (see the lines marked ✗ above or error.data.changes).`,
    actions: [
      'Fix the addresses marked invalid, drop duplicates, check names with: aws-research-wizard jupyter users list ' + result.environment,
    ],
    exitCode: ExitCode.failure,
    data: result,
  })
}
