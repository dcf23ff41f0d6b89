import type {SSMClient} from '@aws-sdk/client-ssm'
import {ExitCode, WizardError} from '../../errors.js'
import type {HubUser, UserChange} from './types.js'

/** Where the files asset is unpacked on the hub (templates/instance, see user-data.ts). */
const INSTANCE_LIB = '/opt/aws-research-wizard'

export interface RunOptions {
  /** Longest wait for the command to finish on the hub. */
  readonly timeoutSeconds?: number
  readonly sleep?: (ms: number) => Promise<void>
  readonly onProgress?: (detail: string) => void
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const errorName = (error: unknown) => (error as {name?: string})?.name ?? ''

/**
 * The shell the instance runs. The request never becomes shell text: it travels as
 * base64 (an alphabet with nothing a shell interprets) and configure/users.py reads the
 * decoded JSON from stdin.
 */
export function usersShellCommand(action: 'add' | 'remove' | 'list', request?: unknown): string[] {
  const python = `/usr/bin/python3 -m configure.users ${action}`
  if (action === 'list') return ['set -eu', `cd ${INSTANCE_LIB}`, python]
  const payload = Buffer.from(JSON.stringify(request), 'utf8').toString('base64')
  if (!/^[A-Za-z0-9+/=]*$/.test(payload)) throw new Error('base64 produced an unexpected character')
  return ['set -eu', `cd ${INSTANCE_LIB}`, `printf '%s' '${payload}' | base64 -d | ${python} --json -`]
}

function hubUnreachable(environment: string, instanceId: string, detail: string): WizardError {
  return new WizardError({
    code: 'hub-unreachable',
    message: `Could not run the user command on the hub of "${environment}" (${instanceId}): ${detail}`,
    actions: [
      `Start the hub if it is stopped: aws-research-wizard jupyter start ${environment}`,
      `Check that it has finished booting: aws-research-wizard jupyter status ${environment}`,
    ],
    exitCode: ExitCode.failure,
  })
}

/** Runs configure/users.py on the hub through SSM Run Command and returns its JSON output. */
export async function runOnHub(
  ssm: SSMClient,
  target: {environment: string; instanceId: string},
  commands: string[],
  options: RunOptions = {},
): Promise<Record<string, unknown>> {
  const {GetCommandInvocationCommand, SendCommandCommand} = await import('@aws-sdk/client-ssm')
  const sleep = options.sleep ?? defaultSleep
  const timeoutSeconds = options.timeoutSeconds ?? 120
  let commandId: string | undefined
  try {
    const sent = await ssm.send(
      new SendCommandCommand({
        InstanceIds: [target.instanceId],
        DocumentName: 'AWS-RunShellScript',
        Comment: `aws-research-wizard users (${target.environment})`.slice(0, 100),
        TimeoutSeconds: Math.max(30, timeoutSeconds),
        Parameters: {commands, executionTimeout: [String(timeoutSeconds)]},
      }),
    )
    commandId = sent.Command?.CommandId
  } catch (error) {
    if (/InvalidInstanceId|InvalidInstanceInformation/.test(errorName(error)))
      throw hubUnreachable(target.environment, target.instanceId, 'the instance is not running or not connected to Systems Manager')
    throw error
  }
  if (!commandId) throw hubUnreachable(target.environment, target.instanceId, 'Systems Manager returned no command id')
  const deadline = Date.now() + timeoutSeconds * 1000
  for (let attempt = 0; ; attempt++) {
    await sleep(attempt === 0 ? 500 : 1000)
    let invocation
    try {
      invocation = await ssm.send(new GetCommandInvocationCommand({CommandId: commandId, InstanceId: target.instanceId}))
    } catch (error) {
      // Right after SendCommand the invocation may not be visible yet.
      if (errorName(error) === 'InvocationDoesNotExist' && Date.now() < deadline) continue
      throw error
    }
    const status = invocation.Status ?? 'Pending'
    options.onProgress?.(`on the hub: ${status}`)
    if (['Pending', 'InProgress', 'Delayed'].includes(status)) {
      if (Date.now() >= deadline) throw hubUnreachable(target.environment, target.instanceId, `no answer within ${timeoutSeconds} s`)
      continue
    }
    const output = (invocation.StandardOutputContent ?? '').trim().split('\n').pop() ?? ''
    try {
      const parsed = JSON.parse(output) as Record<string, unknown>
      if (typeof parsed.error === 'string')
        throw hubUnreachable(target.environment, target.instanceId, `the hub refused the request: ${parsed.error}`)
      return parsed
    } catch (error) {
      if (error instanceof WizardError) throw error
      const stderr = (invocation.StandardErrorContent ?? '').trim().split('\n').slice(-3).join(' | ')
      throw hubUnreachable(target.environment, target.instanceId, `command ${status}${stderr ? `: ${stderr}` : ''}`.slice(0, 500))
    }
  }
}

export function passwordCommand(region: string, parameter: string): string {
  return `aws ssm get-parameter --region ${region} --with-decryption --name ${parameter} --query Parameter.Value --output text`
}

const STATUSES = new Set(['created', 'restored', 'exists', 'removed', 'invalid', 'duplicate', 'not-found', 'failed'])
const PARAMETER = /^\/arw\/[a-z0-9-]+\/users\/[a-z0-9-]+\/password$/

/** The hub's per-person results, checked field by field (the instance is a machine users log in to). */
function changesFrom(output: Record<string, unknown>, region: string): UserChange[] {
  const results = Array.isArray(output.results) ? output.results : []
  return results.map((raw: Record<string, unknown>): UserChange => {
    const status = STATUSES.has(String(raw.status)) ? (raw.status as UserChange['status']) : 'failed'
    const parameter = typeof raw.passwordParameter === 'string' && PARAMETER.test(raw.passwordParameter) ? raw.passwordParameter : undefined
    return {
      email: String(raw.email ?? '').slice(0, 254),
      status,
      ...(typeof raw.name === 'string' ? {name: raw.name.slice(0, 32)} : {}),
      ...(typeof raw.admin === 'boolean' ? {admin: raw.admin} : {}),
      ...(typeof raw.message === 'string' ? {message: raw.message.slice(0, 300)} : {}),
      ...(typeof raw.homeKept === 'boolean' ? {homeKept: raw.homeKept} : {}),
      ...(parameter ? {passwordParameter: parameter, passwordCommand: passwordCommand(region, parameter)} : {}),
    }
  })
}

export interface LocalTarget {
  readonly environment: string
  readonly region: string
  readonly instanceId: string
}

/** Local accounts on a private hub: created by configure/users.py, passwords in SecureStrings. */
export async function addLocalUsers(
  ssm: SSMClient,
  target: LocalTarget,
  emails: readonly string[],
  options: RunOptions & {admin: boolean},
) {
  return changeOnHub(
    ssm,
    target,
    'add',
    emails.map((email) => ({email, admin: options.admin})),
    {},
    options,
  )
}

/** Removes the accounts (and with deleteHome their home directories); names and UIDs stay reserved. */
export async function removeLocalUsers(
  ssm: SSMClient,
  target: LocalTarget,
  emails: readonly string[],
  options: RunOptions & {deleteHome: boolean},
) {
  return changeOnHub(
    ssm,
    target,
    'remove',
    emails.map((email) => ({email})),
    {deleteHome: options.deleteHome},
    options,
  )
}

/**
 * People per Run Command: Systems Manager returns only the first 24,000 characters of a
 * command's output, and each person's result takes up to ~300, so a larger run's JSON
 * would be cut off although the hub did the work.
 */
export const PEOPLE_PER_COMMAND = 50

/** add and remove answer alike: one change per person named, in batches whose answers fit. */
async function changeOnHub(
  ssm: SSMClient,
  target: LocalTarget,
  action: 'add' | 'remove',
  people: readonly {email: string}[],
  request: Record<string, unknown>,
  options: RunOptions,
): Promise<UserChange[]> {
  const changes: UserChange[] = []
  for (let start = 0; start < people.length; start += PEOPLE_PER_COMMAND) {
    const users = people.slice(start, start + PEOPLE_PER_COMMAND)
    try {
      changes.push(...changesFrom(await runOnHub(ssm, target, usersShellCommand(action, {...request, users}), options), target.region))
    } catch (error) {
      if (start === 0) throw error
      // The earlier batches are done and reported; the rest are failed items, each saying why.
      const why = `not ${action === 'add' ? 'added' : 'removed'}: ${(error as Error).message}`.slice(0, 300)
      changes.push(...people.slice(start).map(({email}): UserChange => ({email, status: 'failed', message: why})))
      break
    }
  }
  return changes
}

export async function listLocalUsers(ssm: SSMClient, target: LocalTarget, options: RunOptions = {}): Promise<HubUser[]> {
  const output = await runOnHub(ssm, target, usersShellCommand('list'), options)
  const users = Array.isArray(output.users) ? output.users : []
  return users.map((raw: Record<string, unknown>) => ({
    email: String(raw.email ?? '').slice(0, 254),
    ...(typeof raw.name === 'string' ? {name: raw.name.slice(0, 32)} : {}),
    admin: raw.admin === true,
    status: String(raw.status ?? 'unknown').slice(0, 32),
    ...(typeof raw.lastSignIn === 'string' ? {lastSignIn: raw.lastSignIn.slice(0, 64)} : {}),
    ...(typeof raw.homeBytes === 'number' ? {homeBytes: raw.homeBytes} : {}),
  }))
}

/** Reads a new password back once, for the person who ran `users add` to hand over. */
export async function readPassword(ssm: SSMClient, parameter: string): Promise<string | undefined> {
  const {GetParameterCommand} = await import('@aws-sdk/client-ssm')
  try {
    const {Parameter} = await ssm.send(new GetParameterCommand({Name: parameter, WithDecryption: true}))
    return Parameter?.Value
  } catch {
    return undefined
  }
}
