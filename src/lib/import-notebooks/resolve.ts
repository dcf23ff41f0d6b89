import type {AwsClients} from '../../aws/clients.js'
import {ExitCode, WizardError} from '../../errors.js'
import {getEnvironment} from '../environments/discover.js'
import {type Destination, environmentPrefix, parseS3Destination} from './destination.js'

/** --destination as given, or the environment's notebook bucket under the folder the hub syncs from. */
export async function resolveDestination(
  clients: AwsClients,
  flags: {destination?: string; env?: string; to?: string; user?: string},
): Promise<Destination> {
  if (flags.destination) return parseS3Destination(flags.destination)
  if (!flags.env)
    throw new WizardError({
      code: 'destination-required',
      message: 'Say where the notebooks go: --destination s3://BUCKET/PREFIX/ or --env ENV.',
      actions: ['Add --env lab1 (the hub shows them under /shared/notebooks) or --destination s3://bucket/prefix/.'],
      exitCode: ExitCode.usage,
    })
  const prefix = environmentPrefix(flags.to === 'home' ? 'home' : 'shared', flags.user)
  const environment = await getEnvironment(clients, flags.env)
  const bucket = environment.outputs.notebookBucket
  if (!bucket)
    throw new WizardError({
      code: 'notebook-bucket-missing',
      message: `Environment ${flags.env} (${environment.stackStatus}) has no NotebookBucket output.`,
      actions: [`Wait until the deploy finishes (jupyter status ${flags.env}), or redeploy it with this version.`],
      exitCode: ExitCode.failure,
    })
  return {bucket, prefix}
}
