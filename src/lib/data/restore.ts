import type {AwsClients} from '../../aws/clients.js'
import {DATA_TAG_KEY, DATA_TAG_VALUES, TAG_KEYS} from '../../constructs/contract.js'
import {ExitCode, WizardError} from '../../errors.js'
import {invalidRestoreFields} from '../spec/restore-ids.js'
import type {EnvironmentSpec, RestoreIds} from '../spec/types.js'
import {findKeptData, type KeptPiece} from './find-kept.js'
import {dataInUse} from './in-use.js'

/** What a restore reuses, in words for the plan, with the ids the constructs get. */
export interface RestorePlan {
  readonly ids: RestoreIds
  /** One line per kept piece reused (and per one left alone), for the plan. */
  readonly pieces: readonly string[]
}

/**
 * Finds the kept data of environment `from` by tag and picks what the new environment
 * runs on: the home volume when it is in the hub's zone (a new network is placed in its
 * zone), else the newest home snapshot; the shared file system; the notebook bucket.
 * Only reads: nothing is created, changed or deleted here.
 */
export async function planRestore(clients: AwsClients, from: string, spec: EnvironmentSpec): Promise<RestorePlan> {
  const found = (await findKeptData(clients, {environment: from})).filter((piece) => valid(piece))
  // A piece another environment runs on (restored there, its tag not yet changed) is never reused.
  const inUse = found.length > 0 ? await dataInUse(clients) : new Map<string, string>()
  const kept = found.filter((piece) => !inUse.has(piece.id) || inUse.get(piece.id) === from)
  if (kept.some((piece) => piece.stackExists)) {
    throw new WizardError({
      code: 'restore-source-in-use',
      message: `Environment ${from} still exists: its data is in use and cannot be restored into ${spec.name}.`,
      actions: [`Destroy ${from} first (its data is kept): aws-research-wizard jupyter destroy ${from}`],
      exitCode: ExitCode.failure,
    })
  }
  if (kept.length === 0) {
    throw new WizardError({
      code: 'no-kept-data',
      message: `No kept data of an environment named "${from}" in ${spec.region}.${found.length > 0 ? ` (${found.map((piece) => `${piece.id} is in use by ${inUse.get(piece.id)}`).join(', ')})` : ''}`,
      actions: [
        'List the kept data with: aws-research-wizard jupyter data list',
        'Check --region and --profile.',
        `If a deploy of ${spec.name} with --restore-from ${from} stopped part-way, the data already carries the name ${spec.name}: use --restore-from ${spec.name}.`,
      ],
      exitCode: ExitCode.failure,
    })
  }
  const newest = (kind: KeptPiece['kind']) =>
    kept.filter((piece) => piece.kind === kind).sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''))
  const hubZone = spec.network.mode === 'existing' ? spec.network.availabilityZone : undefined
  const pieces: string[] = []
  let home: Partial<RestoreIds> = {}
  const volume = newest('home-volume')[0]
  const snapshot = newest('home-volume-snapshot')[0]
  if (volume && (!hubZone || volume.availabilityZone === hubZone)) {
    home = {
      homeVolumeId: volume.id,
      homeSizeGiB: volume.sizeGiB,
      ...(hubZone ? {} : volume.availabilityZone ? {availabilityZone: volume.availabilityZone} : {}),
    }
    pieces.push(`/home: kept volume ${volume.id} (${volume.sizeGiB} GiB, ${volume.availabilityZone})`)
  } else if (snapshot) {
    home = {homeSnapshotId: snapshot.id, homeSizeGiB: snapshot.sizeGiB}
    pieces.push(`/home: a new volume from kept snapshot ${snapshot.id} (${snapshot.sizeGiB} GiB) in the hub's zone`)
    if (volume) pieces.push(`kept volume ${volume.id} is in ${volume.availabilityZone}, not the hub's ${hubZone}: left as it is`)
  } else if (volume) {
    throw new WizardError({
      code: 'restore-zone-mismatch',
      message: `The kept home volume ${volume.id} of ${from} is in ${volume.availabilityZone}, but the hub subnet is in ${hubZone}; a volume attaches only in its own zone.`,
      actions: [
        `Deploy into a subnet of ${volume.availabilityZone} (--subnet-id, --availability-zone ${volume.availabilityZone}), or without --vpc-id for a new network in that zone.`,
        `Or snapshot the volume and run the deploy again (the snapshot is restored in any zone): aws ec2 create-snapshot --region ${spec.region} --volume-id ${volume.id} --tag-specifications 'ResourceType=snapshot,Tags=[{Key=${TAG_KEYS.environment},Value=${from}},{Key=${DATA_TAG_KEY},Value=${DATA_TAG_VALUES.home}}]'`,
      ],
      exitCode: ExitCode.usage,
    })
  } else {
    pieces.push('/home: no kept home volume or snapshot; a new, empty volume')
  }
  const fileSystem = newest('shared-file-system')[0]
  if (fileSystem) pieces.push(`/shared: kept file system ${fileSystem.id} (${fileSystem.sizeGiB} GiB)`)
  const bucket = newest('notebook-bucket')[0]
  if (bucket) pieces.push(`notebook bucket: kept bucket ${bucket.id}`)
  else pieces.push('notebook bucket: none kept; a new one')
  const pool = newest('user-pool')[0]
  if (pool) pieces.push(`user pool ${pool.id} is not reused (sign-in accounts are made again; files and UIDs live on /home)`)
  return {
    ids: {
      from,
      ...home,
      ...(fileSystem ? {sharedFileSystemId: fileSystem.id} : {}),
      ...(bucket ? {notebookBucket: bucket.id} : {}),
    },
    pieces,
  }
}

/** AWS answers are untrusted: a piece whose id does not look like one is not used. */
function valid(piece: KeptPiece): boolean {
  const ids: Partial<Record<KeptPiece['kind'], RestoreIds>> = {
    'home-volume': {from: '', homeVolumeId: piece.id, ...(piece.availabilityZone ? {availabilityZone: piece.availabilityZone} : {})},
    'home-volume-snapshot': {from: '', homeSnapshotId: piece.id},
    'shared-file-system': {from: '', sharedFileSystemId: piece.id},
    'notebook-bucket': {from: '', notebookBucket: piece.id},
  }
  const restore = ids[piece.kind]
  return restore === undefined || invalidRestoreFields(restore).length === 0
}

/** The plan's lines for a restore recorded in a spec (a later deploy or scale keeps it). */
export function describeRecordedRestore(restore: RestoreIds): string[] {
  return [
    ...(restore.homeVolumeId ? [`/home: kept volume ${restore.homeVolumeId}`] : []),
    ...(restore.homeSnapshotId ? [`/home: volume made from snapshot ${restore.homeSnapshotId}`] : []),
    ...(restore.sharedFileSystemId ? [`/shared: kept file system ${restore.sharedFileSystemId}`] : []),
    ...(restore.notebookBucket ? [`notebook bucket: kept bucket ${restore.notebookBucket}`] : []),
  ]
}

/**
 * The reused pieces of a restore into another name get the new environment's tag, so its
 * `data list` and `destroy --delete-data` find them. (The pieces are not in the stack:
 * CloudFormation never tags them.) Called right before the stack is created or changed,
 * on every deploy: tags only, no data is touched, and a second call changes nothing.
 */
export async function adoptRestoredData(clients: AwsClients, spec: EnvironmentSpec): Promise<void> {
  const restore = spec.restore
  if (!restore || restore.from === spec.name) return
  const tag = {Key: TAG_KEYS.environment, Value: spec.name}
  if (restore.homeVolumeId) {
    const {CreateTagsCommand} = await import('@aws-sdk/client-ec2')
    await (await clients.ec2()).send(new CreateTagsCommand({Resources: [restore.homeVolumeId], Tags: [tag]}))
  }
  if (restore.sharedFileSystemId) {
    const {TagResourceCommand} = await import('@aws-sdk/client-efs')
    await (await clients.efs()).send(new TagResourceCommand({ResourceId: restore.sharedFileSystemId, Tags: [tag]}))
  }
  if (restore.notebookBucket) {
    const {GetBucketTaggingCommand, PutBucketTaggingCommand} = await import('@aws-sdk/client-s3')
    const s3 = await clients.s3()
    const {TagSet = []} = await s3.send(new GetBucketTaggingCommand({Bucket: restore.notebookBucket}))
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: restore.notebookBucket,
        Tagging: {TagSet: [...TagSet.filter((t) => t.Key !== tag.Key), tag]},
      }),
    )
  }
}
