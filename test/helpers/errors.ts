import {expect} from 'vitest'
import {isWizardError, type WizardError} from '../../src/errors.js'

/** The coded error a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<WizardError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isWizardError(error), String(error)).toBe(true)
  return error as WizardError
}
