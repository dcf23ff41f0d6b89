import {checkEmail} from '../spec/flag-values.js'
import type {UserChange} from './types.js'

/**
 * Splits the addresses given on the command line into the ones to act on and per-item
 * refusals: not an address, or the same person twice (addresses compare case-blind, as
 * the hub's account registry does).
 */
export function checkRequestedEmails(emails: readonly string[]): {accepted: string[]; refused: UserChange[]} {
  const accepted: string[] = []
  const refused: UserChange[] = []
  const seen = new Set<string>()
  for (const raw of emails) {
    const email = raw.trim()
    const expected = checkEmail(email)
    if (expected) {
      refused.push({email: raw, status: 'invalid', message: `not ${expected}`})
      continue
    }
    const key = email.toLowerCase()
    if (seen.has(key)) {
      refused.push({email, status: 'duplicate', message: 'given more than once'})
      continue
    }
    seen.add(key)
    accepted.push(email)
  }
  return {accepted, refused}
}
