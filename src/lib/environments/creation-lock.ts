import {DeleteParameterCommand, GetParameterCommand, PutParameterCommand, type SSMClient} from '@aws-sdk/client-ssm'
import {hostname} from 'node:os'
import {ExitCode, WizardError} from '../../errors.js'

/**
 * Creating an environment is claimed first: an SSM parameter created without overwrite
 * is atomic in AWS, so of two runs creating one name exactly one proceeds. (Looking for
 * the stack first is not enough: between that look and CreateStack another run may
 * create it, and the deploy toolkit would then update it.) The claim is released when
 * the create ends; one left by a run that died is taken over once it is older than any
 * create can take (the stack's readiness timeout is at most 12 h).
 */
export const CLAIM_STALE_MS = 13 * 60 * 60_000

export function creationClaimName(environmentName: string): string {
  return `/arw/${environmentName}/creating`
}

interface Claim {
  readonly host: string
  readonly pid: number
  readonly since: string
  /** Absent in claims written before updates were claimed: those were creates. */
  readonly operation?: ClaimedOperation
}

/** What a claim is for: the other run's error names it. */
export type ClaimedOperation = 'creating' | 'updating'

/** Claims the creation of an environment; returns the release function. */
export async function claimCreation(
  ssm: SSMClient,
  environmentName: string,
  now: () => Date = () => new Date(),
): Promise<() => Promise<void>> {
  return claimEnvironment(ssm, environmentName, 'creating', now)
}

/**
 * Claims an environment for a create or an update (one parameter for both, so an update
 * never overlaps a create or another update of the same environment); returns the release.
 * An update's window is the same as a create's: from before the change set to its end.
 */
export async function claimEnvironment(
  ssm: SSMClient,
  environmentName: string,
  operation: ClaimedOperation,
  now: () => Date = () => new Date(),
): Promise<() => Promise<void>> {
  const Name = creationClaimName(environmentName)
  const claim: Claim = {host: hostname(), pid: process.pid, since: now().toISOString(), operation}
  const put = (Overwrite: boolean) =>
    ssm.send(
      new PutParameterCommand({
        Name,
        Value: JSON.stringify(claim),
        Type: 'String',
        Overwrite,
        Description: `aws-research-wizard: a deploy is ${operation} this environment`,
      }),
    )
  try {
    await put(false)
  } catch (error) {
    if ((error as {name?: string}).name !== 'ParameterAlreadyExists') throw error
    const holder = await readClaim(ssm, Name)
    const age = holder ? now().getTime() - Date.parse(holder.since) : Number.POSITIVE_INFINITY
    if (!(age > CLAIM_STALE_MS)) {
      throw new WizardError({
        code: 'environment-busy',
        message: `Environment ${environmentName} is busy: another deploy is ${holder?.operation ?? 'creating'} it${holder ? ` (from ${holder.host}, since ${holder.since})` : ''}; this run changed nothing.`,
        actions: [
          `Wait for it to finish (aws-research-wizard jupyter status ${environmentName}), then run the command again.`,
          `If no deploy is running any more, remove the claim: aws ssm delete-parameter --name ${Name}`,
        ],
        exitCode: ExitCode.failure,
        data: {claim: Name, operation: holder?.operation ?? 'creating', ...(holder ? {holder} : {})},
      })
    }
    await put(true)
  }
  return async () => {
    try {
      await ssm.send(new DeleteParameterCommand({Name}))
    } catch {
      // Left behind, it is taken over once stale; nothing to tell the user now.
    }
  }
}

async function readClaim(ssm: SSMClient, Name: string): Promise<Claim | undefined> {
  try {
    const {Parameter} = await ssm.send(new GetParameterCommand({Name}))
    const value = JSON.parse(Parameter?.Value ?? '') as Partial<Claim>
    return typeof value.since === 'string' && !Number.isNaN(Date.parse(value.since))
      ? {
          host: String(value.host ?? 'unknown').slice(0, 100),
          pid: Number(value.pid) || 0,
          since: value.since,
          ...(value.operation === 'updating' || value.operation === 'creating' ? {operation: value.operation} : {}),
        }
      : undefined
  } catch {
    return undefined
  }
}
