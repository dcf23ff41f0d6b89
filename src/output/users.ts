import type {HubUser, UserChange, UsersChangeResult} from '../lib/users/types.js'
import {SUCCESSFUL} from '../lib/users/types.js'
import {escapeControl} from './sanitize.js'
import {formatBytes, renderTable} from './table.js'

const MARK = (change: UserChange) => (SUCCESSFUL.has(change.status) ? '✓' : '✗')

/** One line per person named, then the passwords of new local accounts (shown this once). */
export function renderUserChanges(result: UsersChangeResult, passwords: ReadonlyMap<string, string> = new Map()): string {
  const lines = result.changes.map((change) => {
    const who = escapeControl(change.email) + (change.name ? ` (${escapeControl(change.name)})` : '')
    const admin = change.admin ? ', administrator' : ''
    const home = change.homeKept === undefined ? '' : change.homeKept ? ', home directory kept' : ', home directory deleted'
    const message = change.message ? `: ${escapeControl(change.message)}` : ''
    return `${MARK(change)} ${who} ${change.status}${admin}${home}${message}`
  })
  const withPasswords = result.changes.filter((c) => c.passwordParameter)
  if (withPasswords.length > 0) {
    lines.push('', 'Passwords (shown once; hand each to its owner, who signs in through Session Manager port forwarding):')
    for (const change of withPasswords) {
      const password = passwords.get(change.email)
      lines.push(`  ${escapeControl(change.name ?? change.email)}: ${password ? escapeControl(password) : '(could not be read back)'}`)
      lines.push(`    again: ${change.passwordCommand}`)
    }
  }
  return lines.join('\n')
}

export function renderUserList(users: readonly HubUser[]): string {
  if (users.length === 0) return 'No users yet. Add people with: aws-research-wizard jupyter users add ENV EMAIL...'
  return renderTable(
    ['NAME', 'E-MAIL', 'ADMIN', 'STATUS', 'LAST SIGN-IN', 'HOME'],
    users.map((u) => [
      escapeControl(u.name ?? ''),
      escapeControl(u.email),
      u.admin ? 'yes' : 'no',
      escapeControl(u.enabled === false ? `${u.status} (disabled)` : u.status),
      escapeControl(u.lastSignIn ?? ''),
      u.homeBytes === undefined ? '' : formatBytes(u.homeBytes),
    ]),
  )
}
