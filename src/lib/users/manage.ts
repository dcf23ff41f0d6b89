import type {AwsClients} from '../../aws/clients.js'
import {addCognitoUsers, listCognitoUsers, removeCognitoUsers} from './cognito.js'
import {findUserDirectory} from './directory.js'
import {checkRequestedEmails} from './emails.js'
import {addLocalUsers, listLocalUsers, readPassword, removeLocalUsers, type RunOptions} from './instance.js'
import {SUCCESSFUL, type UserChange, type UsersChangeResult, type UsersListResult} from './types.js'

/** Keeps the order people were named in: refusals and results side by side. */
function inOrder(requested: readonly string[], changes: readonly UserChange[]): UserChange[] {
  const remaining = [...changes]
  const ordered: UserChange[] = []
  for (const raw of requested) {
    const index = remaining.findIndex((c) => c.email === raw || c.email === raw.trim())
    if (index >= 0) ordered.push(...remaining.splice(index, 1))
  }
  return [...ordered, ...remaining]
}

function summarize(
  environment: string,
  access: 'public' | 'private',
  requested: readonly string[],
  changes: UserChange[],
): UsersChangeResult {
  const ordered = inOrder(requested, changes)
  return {environment, access, changes: ordered, failed: ordered.filter((c) => !SUCCESSFUL.has(c.status)).length}
}

/**
 * Adds people: to the user pool (public; Cognito e-mails the invitation) or as local
 * accounts on the hub (private; each password generated there and kept in a
 * SecureString). `passwords` holds the new private-hub passwords, read back once for the
 * person running the command; it is not part of the --json result.
 */
export async function addUsers(
  clients: AwsClients,
  environment: string,
  emails: readonly string[],
  options: RunOptions & {admin: boolean},
): Promise<{result: UsersChangeResult; passwords: Map<string, string>}> {
  const {accepted, refused} = checkRequestedEmails(emails)
  const directory = await findUserDirectory(clients, environment)
  const passwords = new Map<string, string>()
  if (accepted.length === 0) return {result: summarize(environment, directory.access, emails, refused), passwords}
  if (directory.access === 'public') {
    const changes = await addCognitoUsers(await clients.cognito(), directory.userPoolId, accepted, options)
    return {result: summarize(environment, 'public', emails, [...refused, ...changes]), passwords}
  }
  const ssm = await clients.ssm()
  const changes = await addLocalUsers(ssm, directory, accepted, options)
  for (const change of changes) {
    const password = change.passwordParameter ? await readPassword(ssm, change.passwordParameter) : undefined
    if (password) passwords.set(change.email, password)
  }
  return {result: summarize(environment, 'private', emails, [...refused, ...changes]), passwords}
}

/** Removes people; their home directories stay unless deleteHome. */
export async function removeUsers(
  clients: AwsClients,
  environment: string,
  emails: readonly string[],
  options: RunOptions & {deleteHome: boolean},
): Promise<UsersChangeResult> {
  const {accepted, refused} = checkRequestedEmails(emails)
  const directory = await findUserDirectory(clients, environment)
  if (accepted.length === 0) return summarize(environment, directory.access, emails, refused)
  if (directory.access === 'private') {
    const changes = await removeLocalUsers(await clients.ssm(), directory, accepted, options)
    return summarize(environment, 'private', emails, [...refused, ...changes])
  }
  let changes = await removeCognitoUsers(await clients.cognito(), directory.userPoolId, accepted)
  // Leaving the pool ends new sign-ins only: the hub's session cookie, the running server and
  // the Linux account stay until the hub removes them (also for someone already out of the
  // pool, so a rerun after a stopped hub finishes the job).
  const done = changes.filter((c) => c.status === 'removed' || c.status === 'not-found').map((c) => c.email)
  if (done.length > 0) changes = await removeFromPublicHub(clients, directory, done, changes, options)
  return summarize(environment, 'public', emails, [...refused, ...changes])
}

/** A public hub creates accounts at first sign-in; they are ended (and with deleteHome, their homes deleted) on the hub itself. */
async function removeFromPublicHub(
  clients: AwsClients,
  directory: {environment: string; region: string; instanceId?: string},
  emails: string[],
  changes: UserChange[],
  options: RunOptions & {deleteHome: boolean},
): Promise<UserChange[]> {
  const failure = (detail: string) =>
    changes.map((c): UserChange =>
      emails.includes(c.email)
        ? {
            ...c,
            status: 'failed',
            homeKept: true,
            message: `${c.status === 'removed' ? 'removed from the user pool and signed out' : 'not in the user pool'}, but not removed from the hub${options.deleteHome ? ' and the home directory was not deleted' : ''} (its session, server and account stay; run this again once the hub runs): ${detail}`,
          }
        : c,
    )
  // No hub instance: no session, server or account to end, unless a home is to be deleted.
  if (!directory.instanceId) return options.deleteHome ? failure('the stack names no hub instance') : changes
  try {
    const onHub = await removeLocalUsers(await clients.ssm(), {...directory, instanceId: directory.instanceId}, emails, options)
    return changes.map((c) => {
      const hub = onHub.find((h) => h.email.toLowerCase() === c.email.toLowerCase())
      if (!hub) return c
      if (hub.status === 'removed')
        return {...c, status: 'removed', homeKept: hub.homeKept ?? true, message: `${c.message}; hub session, server and account ended`}
      // not-found on the hub: the person never signed in, so there is nothing there.
      if (hub.status === 'not-found') return {...c, ...(options.deleteHome ? {homeKept: false} : {})}
      return {...c, status: 'failed', homeKept: true, message: hub.message}
    })
  } catch (error) {
    return failure((error as Error).message)
  }
}

export async function listUsers(clients: AwsClients, environment: string, options: RunOptions = {}): Promise<UsersListResult> {
  const directory = await findUserDirectory(clients, environment)
  const users =
    directory.access === 'public'
      ? await listCognitoUsers(await clients.cognito(), directory.userPoolId)
      : await listLocalUsers(await clients.ssm(), directory, options)
  return {environment, access: directory.access, users}
}
