import type {AwsClients} from '../../aws/clients.js'
import {ExitCode, WizardError} from '../../errors.js'
import {DATA_TAG_KEY, DATA_TAG_VALUES, TAG_KEYS} from '../../constructs/contract.js'
import {deleteCommandFor, findKeptData} from '../data/find-kept.js'
import {dataInUse} from '../data/in-use.js'
import {type EnvironmentRecord, getEnvironment} from '../environments/discover.js'

/** A piece of user data that outlives the stack, with the command that removes it. */
export interface RetainedItem {
  readonly kind: 'home-volume-snapshot' | 'home-volume' | 'shared-file-system' | 'notebook-bucket' | 'user-pool'
  readonly id: string
  readonly deleteCommand: string
}

export interface DestroyResult {
  readonly name: string
  readonly stackName: string
  readonly deleted: boolean
  readonly retained: readonly RetainedItem[]
  readonly dataDeleted: readonly RetainedItem[]
}

export interface DestroyOptions {
  readonly maxWaitSeconds?: number
  readonly pollSeconds?: number
  readonly onProgress?: (line: string) => void
}

/** Deletes the stack; retained resources (DeletionPolicy Retain/Snapshot) stay. */
export async function deleteEnvironmentStack(
  clients: AwsClients,
  environment: EnvironmentRecord,
  options: DestroyOptions = {},
): Promise<void> {
  const {DeleteStackCommand, DescribeStackEventsCommand, waitUntilStackDeleteComplete} = await import('@aws-sdk/client-cloudformation')
  const client = await clients.cloudFormation()
  const stackId = environment.stackId ?? environment.stackName
  options.onProgress?.(`deleting stack ${environment.stackName}`)
  try {
    await client.send(new DeleteStackCommand({StackName: stackId}))
    await waitUntilStackDeleteComplete(
      {
        client,
        maxWaitTime: options.maxWaitSeconds ?? 1800,
        minDelay: options.pollSeconds ?? 5,
        maxDelay: Math.max(options.pollSeconds ?? 5, 20),
      },
      {StackName: stackId},
    )
  } catch (error) {
    if ((error as WizardError).code === 'access-denied' || /not authorized|AccessDenied/i.test((error as Error).message)) throw error
    const {StackEvents = []} = await client.send(new DescribeStackEventsCommand({StackName: stackId})).catch(() => ({StackEvents: []}))
    const failure = StackEvents.find((e) => e.ResourceStatus === 'DELETE_FAILED')
    throw new WizardError({
      code: 'destroy-failed',
      message: `Deleting ${environment.stackName} did not finish: ${failure ? `${failure.ResourceType} ${failure.LogicalResourceId}: ${failure.ResourceStatusReason}` : (error as Error).message}`,
      actions: ['Fix the resource named above (or remove it by hand) and run destroy again.'],
      exitCode: ExitCode.failure,
      cause: error,
    })
  }
}

/** How far a snapshot's start may precede the deletion as this machine's clock saw it (clock skew). */
const CLOCK_SKEW_MS = 2 * 60_000

/**
 * What the environment kept, found by tag (so also after its stack is gone): home volume
 * or snapshot, shared file system, notebook bucket, user pool. The stack's outputs add
 * what an environment deployed before the data tags carries, and name the volume whose
 * final snapshot is tagged here first: CloudFormation's snapshot on deletion carries no tags.
 * `deletionStartedAt` tells that final snapshot from people's own snapshots of the volume.
 */
export async function findRetainedData(
  clients: AwsClients,
  environment: EnvironmentRecord,
  deletionStartedAt: Date,
): Promise<RetainedItem[]> {
  const finalSnapshots = await tagFinalSnapshots(clients, environment, deletionStartedAt)
  // A piece still tagged with this name but run on by another environment (a restore that
  // was not retagged) is that environment's, not this one's.
  const tagged = await findKeptData(clients, {environment: environment.name})
  const inUse = tagged.length > 0 ? await dataInUse(clients) : new Map<string, string>()
  const byTag = tagged.filter((piece) => (inUse.get(piece.id) ?? environment.name) === environment.name)
  const byOutputs = await findRetainedByOutputs(clients, environment)
  const items: RetainedItem[] = byTag.map(({kind, id, deleteCommand}) => ({kind, id, deleteCommand}))
  for (const id of finalSnapshots)
    if (!items.some((known) => known.id === id))
      items.push({kind: 'home-volume-snapshot', id, deleteCommand: deleteCommandFor('home-volume-snapshot', id, environment.region)})
  for (const item of byOutputs) if (!items.some((known) => known.id === item.id)) items.push(item)
  const order: RetainedItem['kind'][] = ['home-volume-snapshot', 'home-volume', 'shared-file-system', 'notebook-bucket', 'user-pool']
  return items.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))
}

/**
 * The kept pieces of an environment whose stack is already gone: by tag, less any piece
 * an existing environment runs on (a restored piece can still carry the old name's tag).
 */
export async function findOrphanedData(clients: AwsClients, name: string): Promise<RetainedItem[]> {
  const pieces = await findKeptData(clients, {environment: name})
  const inUse = pieces.length > 0 ? await dataInUse(clients) : new Map<string, string>()
  return pieces
    .filter((piece) => !piece.stackExists && !inUse.has(piece.id))
    .map(({kind, id, deleteCommand}) => ({kind, id, deleteCommand}))
}

/**
 * What `destroy NAME` acts on: the environment, or (with --delete-data) the data kept by
 * one whose stack is gone. Without --delete-data a gone stack with kept data is still
 * environment-not-found, but the error names the data and how to delete or restore it.
 */
export async function findDestroyTarget(
  clients: AwsClients,
  name: string,
  options: {deleteData?: boolean} = {},
): Promise<EnvironmentRecord | {name: string; kept: RetainedItem[]}> {
  try {
    return await getEnvironment(clients, name)
  } catch (error) {
    if ((error as WizardError).code !== 'environment-not-found') throw error
    const kept = await findOrphanedData(clients, name)
    if (kept.length === 0) throw error
    if (options.deleteData) return {name, kept}
    throw new WizardError({
      code: 'environment-not-found',
      message: `The stack of ${name} is gone; ${kept.length} piece(s) of its data are kept: ${kept.map((i) => `${i.kind} ${i.id}`).join(', ')}.`,
      actions: [
        `Delete them with: aws-research-wizard jupyter destroy ${name} --delete-data`,
        `Or create an environment on them: aws-research-wizard jupyter deploy --restore-from ${name} ...`,
      ],
      exitCode: ExitCode.failure,
    })
  }
}

/**
 * Gives the final snapshot of the home volume (CloudFormation's, taken while the stack was
 * deleted) the environment and data tags, so it is found later, and returns its id. Older
 * snapshots of the volume are people's own backups: never tagged, listed or deleted here.
 */
async function tagFinalSnapshots(clients: AwsClients, environment: EnvironmentRecord, deletionStartedAt: Date): Promise<string[]> {
  const volumeId = environment.outputs.homeVolumeId
  if (!volumeId) return []
  const {CreateTagsCommand, DescribeSnapshotsCommand} = await import('@aws-sdk/client-ec2')
  const ec2 = await clients.ec2()
  const {Snapshots = []} = await ec2.send(
    new DescribeSnapshotsCommand({OwnerIds: ['self'], Filters: [{Name: 'volume-id', Values: [volumeId]}]}),
  )
  const final = Snapshots.filter((s) => s.SnapshotId && s.StartTime && s.StartTime.getTime() >= deletionStartedAt.getTime() - CLOCK_SKEW_MS)
  const untagged = final.filter((s) => !s.Tags?.some((t) => t.Key === TAG_KEYS.environment)).map((s) => s.SnapshotId!)
  if (untagged.length > 0)
    await ec2.send(
      new CreateTagsCommand({
        Resources: untagged,
        Tags: [
          {Key: TAG_KEYS.environment, Value: environment.name},
          {Key: DATA_TAG_KEY, Value: DATA_TAG_VALUES.home},
        ],
      }),
    )
  return final.map((s) => s.SnapshotId!)
}

/** The pieces the stack's outputs name (still there after the stack is deleted). */
async function findRetainedByOutputs(clients: AwsClients, environment: EnvironmentRecord): Promise<RetainedItem[]> {
  const region = environment.region
  const items: RetainedItem[] = []
  const volumeId = environment.outputs.homeVolumeId
  if (volumeId) {
    // Its snapshots are not listed here: only the final one is the environment's (tagFinalSnapshots).
    const {DescribeVolumesCommand} = await import('@aws-sdk/client-ec2')
    const ec2 = await clients.ec2()
    const volumes = await ec2.send(new DescribeVolumesCommand({Filters: [{Name: 'volume-id', Values: [volumeId]}]}))
    if ((volumes.Volumes ?? []).length > 0)
      items.push({kind: 'home-volume', id: volumeId, deleteCommand: deleteCommandFor('home-volume', volumeId, region)})
  }
  const named: [RetainedItem['kind'], string | undefined][] = [
    ['shared-file-system', environment.outputs.sharedFileSystemId],
    ['notebook-bucket', environment.outputs.notebookBucket],
    ['user-pool', environment.outputs.userPoolId],
  ]
  for (const [kind, id] of named) if (id) items.push({kind, id, deleteCommand: deleteCommandFor(kind, id, region)})
  return items
}

/** What happened to each retained item that was to be deleted. */
export interface DataDeletion {
  readonly deleted: readonly RetainedItem[]
  /** Items that could not be deleted, each with AWS's reason; the rest were still tried. */
  readonly failed: readonly (RetainedItem & {readonly reason: string})[]
}

/**
 * Removes retained data for good. Only ever called after an explicit second confirmation.
 * One failure (an EFS mount target still in place, a bucket policy) does not stop the
 * others: every item is tried and its outcome reported.
 */
export async function deleteRetainedData(
  clients: AwsClients,
  items: readonly RetainedItem[],
  onProgress: (line: string) => void = () => {},
): Promise<DataDeletion> {
  const deleted: RetainedItem[] = []
  const failed: (RetainedItem & {reason: string})[] = []
  for (const item of items) {
    onProgress(`deleting ${item.kind} ${item.id}`)
    try {
      await deleteItem(clients, item)
      deleted.push(item)
    } catch (error) {
      failed.push({...item, reason: (error as Error)?.message ?? String(error)})
    }
  }
  return {deleted, failed}
}

/** The error for a --delete-data that left items behind: exit 1, each item's outcome and how to finish. */
export function dataDeletionIncomplete(name: string, deletion: DataDeletion, options: {stackDeleted?: boolean} = {}): WizardError {
  const total = deletion.failed.length + deletion.deleted.length
  return new WizardError({
    code: 'data-deletion-incomplete',
    message: [
      `${options.stackDeleted === false ? `The stack of ${name} was already gone, and` : `Deleted the stack of ${name}, but`} ${deletion.failed.length} of ${total} kept item(s) could not be deleted:`,
      ...deletion.failed.map((item) => `  ${item.kind} ${item.id}: ${item.reason.split('\n')[0]}`),
      ...(deletion.deleted.length > 0 ? [`Deleted: ${deletion.deleted.map((item) => `${item.kind} ${item.id}`).join(', ')}`] : []),
      `Left: ${deletion.failed.map((item) => `${item.kind} ${item.id}`).join(', ')} (jupyter data list ${name} shows them; destroy ${name} --delete-data tries again)`,
    ].join('\n'),
    actions: deletion.failed.map((item) => `Fix the reason above, then: ${item.deleteCommand}`),
    exitCode: ExitCode.failure,
    data: {deleted: deletion.deleted, failed: deletion.failed},
  })
}

async function deleteItem(clients: AwsClients, item: RetainedItem): Promise<void> {
  {
    switch (item.kind) {
      case 'home-volume-snapshot': {
        const {DeleteSnapshotCommand} = await import('@aws-sdk/client-ec2')
        await (await clients.ec2()).send(new DeleteSnapshotCommand({SnapshotId: item.id}))
        break
      }
      case 'home-volume': {
        const {DeleteVolumeCommand} = await import('@aws-sdk/client-ec2')
        await (await clients.ec2()).send(new DeleteVolumeCommand({VolumeId: item.id}))
        break
      }
      case 'shared-file-system': {
        const {DeleteFileSystemCommand} = await import('@aws-sdk/client-efs')
        await (await clients.efs()).send(new DeleteFileSystemCommand({FileSystemId: item.id}))
        break
      }
      case 'notebook-bucket':
        await emptyAndDeleteBucket(clients, item.id)
        break
      case 'user-pool': {
        const {DeleteUserPoolCommand, DescribeUserPoolCommand, DeleteUserPoolDomainCommand, UpdateUserPoolCommand} =
          await import('@aws-sdk/client-cognito-identity-provider')
        const cognito = await clients.cognito()
        const {UserPool} = await cognito.send(new DescribeUserPoolCommand({UserPoolId: item.id}))
        if (UserPool?.Domain) await cognito.send(new DeleteUserPoolDomainCommand({UserPoolId: item.id, Domain: UserPool.Domain}))
        await cognito.send(
          new UpdateUserPoolCommand({
            UserPoolId: item.id,
            DeletionProtection: 'INACTIVE',
            AutoVerifiedAttributes: UserPool?.AutoVerifiedAttributes,
          }),
        )
        await cognito.send(new DeleteUserPoolCommand({UserPoolId: item.id}))
        break
      }
    }
  }
}

async function emptyAndDeleteBucket(clients: AwsClients, bucket: string): Promise<void> {
  const {DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand} = await import('@aws-sdk/client-s3')
  const s3 = await clients.s3()
  let keyMarker: string | undefined
  let versionIdMarker: string | undefined
  do {
    const page = await s3.send(new ListObjectVersionsCommand({Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker}))
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({Key: v.Key!, VersionId: v.VersionId}))
    if (objects.length > 0) await s3.send(new DeleteObjectsCommand({Bucket: bucket, Delete: {Objects: objects, Quiet: true}}))
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined
    versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined
  } while (keyMarker)
  await s3.send(new DeleteBucketCommand({Bucket: bucket}))
}
