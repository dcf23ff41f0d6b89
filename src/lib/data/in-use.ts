import type {AwsClients} from '../../aws/clients.js'
import {OUTPUTS, TAG_KEYS} from '../../constructs/contract.js'
import {readDeployedTemplate} from '../environments/deploy-record.js'

/**
 * The data ids every existing environment stack runs on, each with the environment that
 * uses it: its outputs (home volume, shared file system, notebook bucket) and the restore
 * in its deploy record (a stack still being created has no outputs yet). A tag is only a
 * label: a restored piece can still carry its old environment's tag (a deploy stopped
 * before retagging it), and deleting or reusing it then would take a live environment's
 * data. Errors propagate: nothing is deleted on a partial view.
 */
export async function dataInUse(clients: AwsClients): Promise<Map<string, string>> {
  const {paginateDescribeStacks} = await import('@aws-sdk/client-cloudformation')
  const inUse = new Map<string, string>()
  const stacks: {stackName: string; environment: string}[] = []
  const referenced = new Set<string>([OUTPUTS.homeVolumeId, OUTPUTS.sharedFileSystemId, OUTPUTS.notebookBucket])
  for await (const page of paginateDescribeStacks({client: await clients.cloudFormation()}, {})) {
    for (const stack of page.Stacks ?? []) {
      if (!stack.StackName?.startsWith('arw-') || stack.StackStatus === 'DELETE_COMPLETE') continue
      const environment = stack.Tags?.find((t) => t.Key === TAG_KEYS.environment)?.Value ?? stack.StackName.slice('arw-'.length)
      for (const output of stack.Outputs ?? [])
        if (output.OutputKey && referenced.has(output.OutputKey) && output.OutputValue) inUse.set(output.OutputValue, environment)
      stacks.push({stackName: stack.StackName, environment})
    }
  }
  for (const {stackName, environment} of stacks) {
    const restore = await recordedRestore(clients, stackName)
    for (const id of [restore?.homeVolumeId, restore?.homeSnapshotId, restore?.sharedFileSystemId, restore?.notebookBucket])
      if (id) inUse.set(id, environment)
  }
  return inUse
}

async function recordedRestore(clients: AwsClients, stackName: string) {
  try {
    return (await readDeployedTemplate(clients, stackName)).record.overrides.restore
  } catch (error) {
    // A stack made before deploy records (or gone since the listing) restored nothing recorded.
    if ((error as {code?: string}).code === 'no-deploy-record' || /does not exist/i.test((error as Error).message)) return undefined
    throw error
  }
}
