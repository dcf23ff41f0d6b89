import type {AwsClients} from '../../aws/clients.js'
import {ExitCode, WizardError} from '../../errors.js'
import {planRestore} from '../data/restore.js'
import type {EnvironmentSpec} from '../spec/types.js'
import type {DeployTarget} from './plan-environment.js'

/**
 * A deploy's target with the kept data of `restoreFrom` (deploy --restore-from): only a
 * new environment is created on kept data; an existing one keeps the storage it has.
 */
export async function withRestore(
  clients: AwsClients,
  spec: EnvironmentSpec,
  target: DeployTarget,
  restoreFrom: string | undefined,
): Promise<DeployTarget> {
  if (!restoreFrom) return target
  if (target.deployed) {
    throw new WizardError({
      code: 'restore-into-existing',
      message: `Environment ${spec.name} exists: --restore-from creates a new environment on kept data and never swaps the storage of a running one.`,
      actions: [
        `Deploy under a new --name, or destroy ${spec.name} first (its data is kept) and run the deploy again.`,
        `Drop --restore-from to update ${spec.name} as it is.`,
      ],
      exitCode: ExitCode.usage,
    })
  }
  return {...target, restore: await planRestore(clients, restoreFrom, spec)}
}
