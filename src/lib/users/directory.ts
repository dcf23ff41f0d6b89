import type {AwsClients} from '../../aws/clients.js'
import {ExitCode, WizardError} from '../../errors.js'
import {getEnvironment} from '../environments/discover.js'

/** Where an environment keeps its people: its user pool (public) or its hub instance (private). */
export type UserDirectory =
  | {
      readonly environment: string
      readonly region: string
      readonly access: 'public'
      readonly userPoolId: string
      readonly instanceId?: string
    }
  | {readonly environment: string; readonly region: string; readonly access: 'private'; readonly instanceId: string}

/**
 * Finds the directory the way every command finds an environment: the stack `arw-<name>`,
 * its tags and outputs (UserPoolId, InstanceId, AccessMode). Nothing is guessed by name.
 */
export async function findUserDirectory(clients: AwsClients, name: string): Promise<UserDirectory> {
  const record = await getEnvironment(clients, name)
  const {userPoolId, instanceId, accessMode} = record.outputs
  if (userPoolId) return {environment: name, region: record.region, access: 'public', userPoolId, ...(instanceId ? {instanceId} : {})}
  if (accessMode === 'private' && instanceId) return {environment: name, region: record.region, access: 'private', instanceId}
  throw new WizardError({
    code: 'users-unavailable',
    message: `Environment "${name}" has no user pool and no hub instance in its stack outputs (stack status ${record.stackStatus}).`,
    actions: [
      `Check the environment with: aws-research-wizard jupyter status ${name}`,
      'If a deploy is still running or failed, finish it with jupyter deploy and try again.',
    ],
    exitCode: ExitCode.failure,
  })
}
