import type {Stack} from '@aws-sdk/client-cloudformation'
import type {AwsClients} from '../../aws/clients.js'
import {TAG_KEYS} from '../../constructs/contract.js'
import {ExitCode, WizardError} from '../../errors.js'
import {type EnvironmentRecord, recordFromStack, stackNameFor} from './discover.js'

/** What stands at arw-<name> right now. */
export type StackClaim =
  | {readonly kind: 'absent'}
  /** A stack of that name the wizard did not make (no environment tag, or another name in it). */
  | {readonly kind: 'foreign'; readonly stackName: string; readonly stackStatus: string}
  | {readonly kind: 'environment'; readonly record: EnvironmentRecord}

/** One DescribeStacks: is arw-<name> free, ours, or someone else's? */
export async function lookupStack(clients: AwsClients, name: string): Promise<StackClaim> {
  const {DescribeStacksCommand} = await import('@aws-sdk/client-cloudformation')
  const client = await clients.cloudFormation()
  let stack: Stack | undefined
  try {
    stack = (await client.send(new DescribeStacksCommand({StackName: stackNameFor(name)}))).Stacks?.[0]
  } catch (error) {
    if (/does not exist/i.test((error as Error).message)) return {kind: 'absent'}
    throw error
  }
  if (!stack) return {kind: 'absent'}
  const tags = Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key, t.Value]))
  const record = recordFromStack(stack, clients.region ?? (await client.config.region()))
  if (!record || tags[TAG_KEYS.environment] !== name)
    return {kind: 'foreign', stackName: stack.StackName ?? stackNameFor(name), stackStatus: stack.StackStatus ?? 'UNKNOWN'}
  return {kind: 'environment', record}
}

/** The operation a *_IN_PROGRESS status means, in words. */
export function operationInProgress(status: string): string | undefined {
  if (!/_IN_PROGRESS$/.test(status)) return undefined
  if (status === 'REVIEW_IN_PROGRESS') return 'a deploy is preparing its change set'
  if (/^CREATE_/.test(status)) return 'it is being created'
  if (/^DELETE_/.test(status)) return 'it is being deleted'
  if (/ROLLBACK/.test(status)) return 'it is rolling back a failed change'
  if (/^UPDATE_/.test(status)) return 'it is being updated'
  if (/^IMPORT_/.test(status)) return 'resources are being imported into it'
  return `an operation is running (${status})`
}

export function foreignStackError(stackName: string, stackStatus: string): WizardError {
  return new WizardError({
    code: 'foreign-stack',
    message: `A stack named ${stackName} (${stackStatus}) exists but was not made by aws-research-wizard (it has no ${TAG_KEYS.environment} tag for this name); it is left untouched.`,
    actions: ['Choose another --name.', `Or inspect it: aws cloudformation describe-stacks --stack-name ${stackName}`],
    exitCode: ExitCode.failure,
    data: {stackName, stackStatus},
  })
}

export function environmentBusyError(record: {name: string; stackName: string; stackStatus: string}): WizardError {
  const operation = operationInProgress(record.stackStatus) ?? `it changed while this command ran (${record.stackStatus})`
  return new WizardError({
    code: 'environment-busy',
    message: `Environment ${record.name} is busy: ${operation} (${record.stackName} is ${record.stackStatus}).`,
    actions: [
      `Wait for it to finish (aws-research-wizard jupyter status ${record.name}), then run the command again.`,
      'Another deploy, scale or destroy of this environment may be running from another machine or CI job.',
    ],
    exitCode: ExitCode.failure,
    data: {stackName: record.stackName, stackStatus: record.stackStatus, operation},
  })
}

export function environmentAppearedError(name: string, stackName: string, stackStatus?: string): WizardError {
  return new WizardError({
    code: 'environment-exists',
    message: stackStatus
      ? `${stackName} was created by another run while this deploy was being prepared (${stackStatus}); this run changed nothing.`
      : `CloudFormation refused to create ${stackName}: it already exists (another run created it meanwhile, or an earlier, failed attempt of this request did); this run changed nothing more.`,
    actions: [
      `Look at it with: aws-research-wizard jupyter status ${name}`,
      'Run the deploy again to update it (you will see the changes first), or choose another --name.',
    ],
    exitCode: ExitCode.failure,
    data: {stackName, ...(stackStatus ? {stackStatus} : {})},
  })
}

/**
 * Checked right before anything is changed: the stack is still what the preview was made
 * against. A create expects no stack; an update expects the same wizard stack (same id,
 * tags and last update) and no operation running on it.
 */
export async function assertStillAsPrepared(clients: AwsClients, name: string, expected: EnvironmentRecord | undefined): Promise<void> {
  const now = await lookupStack(clients, name)
  if (!expected) {
    if (now.kind === 'absent') return
    if (now.kind === 'foreign') throw foreignStackError(now.stackName, now.stackStatus)
    if (operationInProgress(now.record.stackStatus)) throw environmentBusyError(now.record)
    throw environmentAppearedError(name, now.record.stackName, now.record.stackStatus)
  }
  if (now.kind === 'absent')
    throw new WizardError({
      code: 'environment-not-found',
      message: `${expected.stackName} was deleted while this command ran; nothing was changed.`,
      actions: [`Deploy it again with: aws-research-wizard jupyter deploy --name ${name} ...`],
      exitCode: ExitCode.failure,
    })
  if (now.kind === 'foreign') throw foreignStackError(now.stackName, now.stackStatus)
  const record = now.record
  if (operationInProgress(record.stackStatus)) throw environmentBusyError(record)
  if (record.stackId !== expected.stackId || record.updatedAt !== expected.updatedAt || record.domain !== expected.domain)
    throw environmentBusyError({...record, stackStatus: record.stackStatus})
}
