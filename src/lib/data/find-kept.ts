import type {AwsClients} from '../../aws/clients.js'
import {DATA_TAG_KEY, DATA_TAG_VALUES, TAG_KEYS} from '../../constructs/contract.js'
import {stackNameFor} from '../environments/discover.js'
import {monthlyStorageUsd, type StorageKind} from './storage-prices.js'

/** One piece of an environment's data that outlives its stack, found by its tags. */
export interface KeptPiece {
  readonly kind: StorageKind
  readonly id: string
  /** The environment named by the piece's `aws-research-wizard:environment` tag. */
  readonly environment: string
  readonly region: string
  /** GiB billed for (a snapshot: the size of the volume it was taken from, an upper bound). */
  readonly sizeGiB: number
  /** Only where the size is not in GiB (a user pool: its users). */
  readonly detail?: string
  /** EBS only: a volume attaches in this zone alone. */
  readonly availabilityZone?: string
  readonly createdAt?: string
  /** Whether the environment's stack still exists (then the piece is in use, not only kept). */
  readonly stackExists: boolean
  readonly monthlyUsd: number
  /** The AWS CLI command that removes it by hand. */
  readonly deleteCommand: string
}

export interface FindKeptOptions {
  /** Only this environment's pieces. @default - every environment's */
  readonly environment?: string
}

const GIB = 1024 ** 3
/** A bucket's size is summed from its object versions; past this many pages it is shown as "at least". */
const BUCKET_SIZE_PAGES = 10

type Found = Omit<KeptPiece, 'stackExists' | 'monthlyUsd' | 'deleteCommand' | 'region'>

/**
 * Every kept piece in the clients' region, by tag: EBS volumes and snapshots, EFS file
 * systems, S3 buckets and Cognito user pools carrying the environment tag. Nothing here
 * reads a stack's outputs, so it works the same before and after the stack is gone.
 */
export async function findKeptData(clients: AwsClients, options: FindKeptOptions = {}): Promise<KeptPiece[]> {
  const region = clients.region ?? (await (await clients.ec2()).config.region())
  const wanted = (environment: string | undefined): environment is string =>
    Boolean(environment) && (options.environment === undefined || environment === options.environment)
  const found = (
    await Promise.all([
      findVolumes(clients, options.environment, wanted),
      findSnapshots(clients, options.environment, wanted),
      findFileSystems(clients, wanted),
      findBuckets(clients, wanted),
      findUserPools(clients, wanted),
    ])
  ).flat()
  const stacks = new Map<string, boolean>()
  await Promise.all(
    [...new Set(found.map((piece) => piece.environment))].map(async (name) => stacks.set(name, await stackExists(clients, name))),
  )
  const order: StorageKind[] = ['home-volume', 'home-volume-snapshot', 'shared-file-system', 'notebook-bucket', 'user-pool']
  return found
    .map((piece) => ({
      ...piece,
      region,
      stackExists: stacks.get(piece.environment) ?? false,
      monthlyUsd: monthlyStorageUsd(piece.kind, piece.sizeGiB, region),
      deleteCommand: deleteCommandFor(piece.kind, piece.id, region),
    }))
    .sort((a, b) => a.environment.localeCompare(b.environment) || order.indexOf(a.kind) - order.indexOf(b.kind) || a.id.localeCompare(b.id))
}

const tagValue = (tags: readonly {Key?: string; Value?: string}[] | undefined, key: string) => tags?.find((t) => t.Key === key)?.Value

/** EC2 filters by tag on the server: only the environment's (or any environment's) resources come back. */
function environmentFilter(environment: string | undefined) {
  return environment ? {Name: `tag:${TAG_KEYS.environment}`, Values: [environment]} : {Name: 'tag-key', Values: [TAG_KEYS.environment]}
}

async function findVolumes(clients: AwsClients, environment: string | undefined, wanted: (e?: string) => e is string): Promise<Found[]> {
  const {paginateDescribeVolumes} = await import('@aws-sdk/client-ec2')
  const pieces: Found[] = []
  for await (const page of paginateDescribeVolumes({client: await clients.ec2()}, {Filters: [environmentFilter(environment)]})) {
    for (const volume of page.Volumes ?? []) {
      const name = tagValue(volume.Tags, TAG_KEYS.environment)
      const data = tagValue(volume.Tags, DATA_TAG_KEY)
      // The hub's root volume carries the environment tag too; the home volume also says what it holds.
      if (!wanted(name) || data !== DATA_TAG_VALUES.home || !volume.VolumeId) continue
      pieces.push({
        kind: 'home-volume',
        id: volume.VolumeId,
        environment: name,
        sizeGiB: volume.Size ?? 0,
        ...(volume.AvailabilityZone ? {availabilityZone: volume.AvailabilityZone} : {}),
        ...(volume.CreateTime ? {createdAt: volume.CreateTime.toISOString()} : {}),
      })
    }
  }
  return pieces
}

async function findSnapshots(clients: AwsClients, environment: string | undefined, wanted: (e?: string) => e is string): Promise<Found[]> {
  const {paginateDescribeSnapshots} = await import('@aws-sdk/client-ec2')
  const pieces: Found[] = []
  const pages = paginateDescribeSnapshots({client: await clients.ec2()}, {OwnerIds: ['self'], Filters: [environmentFilter(environment)]})
  for await (const page of pages) {
    for (const snapshot of page.Snapshots ?? []) {
      const name = tagValue(snapshot.Tags, TAG_KEYS.environment)
      // As for volumes: a snapshot of the hub's root volume (tags copied by a backup tool)
      // carries the environment tag too; only home snapshots also say what they hold.
      if (!wanted(name) || tagValue(snapshot.Tags, DATA_TAG_KEY) !== DATA_TAG_VALUES.home || !snapshot.SnapshotId) continue
      pieces.push({
        kind: 'home-volume-snapshot',
        id: snapshot.SnapshotId,
        environment: name,
        sizeGiB: snapshot.VolumeSize ?? 0,
        ...(snapshot.StartTime ? {createdAt: snapshot.StartTime.toISOString()} : {}),
      })
    }
  }
  return pieces
}

async function findFileSystems(clients: AwsClients, wanted: (e?: string) => e is string): Promise<Found[]> {
  const {paginateDescribeFileSystems} = await import('@aws-sdk/client-efs')
  const pieces: Found[] = []
  for await (const page of paginateDescribeFileSystems({client: await clients.efs()}, {})) {
    for (const fileSystem of page.FileSystems ?? []) {
      const name = tagValue(fileSystem.Tags, TAG_KEYS.environment)
      if (!wanted(name) || !fileSystem.FileSystemId) continue
      pieces.push({
        kind: 'shared-file-system',
        id: fileSystem.FileSystemId,
        environment: name,
        sizeGiB: round2((fileSystem.SizeInBytes?.Value ?? 0) / GIB),
        ...(fileSystem.CreationTime ? {createdAt: fileSystem.CreationTime.toISOString()} : {}),
      })
    }
  }
  return pieces
}

async function findBuckets(clients: AwsClients, wanted: (e?: string) => e is string): Promise<Found[]> {
  const {GetBucketTaggingCommand, paginateListBuckets} = await import('@aws-sdk/client-s3')
  const s3 = await clients.s3()
  const buckets: {name: string; createdAt?: Date}[] = []
  for await (const page of paginateListBuckets({client: s3}, {}))
    for (const bucket of page.Buckets ?? []) if (bucket.Name) buckets.push({name: bucket.Name, createdAt: bucket.CreationDate})
  const pieces: Found[] = []
  // A few at a time: one GetBucketTagging per bucket in the account.
  for (let i = 0; i < buckets.length; i += 8) {
    await Promise.all(
      buckets.slice(i, i + 8).map(async (bucket) => {
        let tags: {Key?: string; Value?: string}[] = []
        try {
          tags = (await s3.send(new GetBucketTaggingCommand({Bucket: bucket.name}))).TagSet ?? []
        } catch {
          // No tags, or a bucket of another region or owner: not one of ours here.
          return
        }
        const name = tagValue(tags, TAG_KEYS.environment)
        if (!wanted(name)) return
        const size = await bucketSize(clients, bucket.name)
        pieces.push({
          kind: 'notebook-bucket',
          id: bucket.name,
          environment: name,
          sizeGiB: round2(size.bytes / GIB),
          ...(size.complete ? {} : {detail: 'at least (many objects)'}),
          ...(bucket.createdAt ? {createdAt: bucket.createdAt.toISOString()} : {}),
        })
      }),
    )
  }
  return pieces
}

async function bucketSize(clients: AwsClients, bucket: string): Promise<{bytes: number; complete: boolean}> {
  const {ListObjectVersionsCommand} = await import('@aws-sdk/client-s3')
  const s3 = await clients.s3()
  let bytes = 0
  let keyMarker: string | undefined
  let versionIdMarker: string | undefined
  for (let pages = 0; pages < BUCKET_SIZE_PAGES; pages++) {
    const page = await s3.send(new ListObjectVersionsCommand({Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker}))
    for (const version of page.Versions ?? []) bytes += version.Size ?? 0
    if (!page.IsTruncated) return {bytes, complete: true}
    keyMarker = page.NextKeyMarker
    versionIdMarker = page.NextVersionIdMarker
  }
  return {bytes, complete: false}
}

async function findUserPools(clients: AwsClients, wanted: (e?: string) => e is string): Promise<Found[]> {
  const {DescribeUserPoolCommand, paginateListUserPools} = await import('@aws-sdk/client-cognito-identity-provider')
  const cognito = await clients.cognito()
  const pieces: Found[] = []
  for await (const page of paginateListUserPools({client: cognito, pageSize: 60}, {MaxResults: 60})) {
    // The wizard names its pools arw-<environment>: only those are described.
    for (const pool of (page.UserPools ?? []).filter((p) => p.Id && p.Name?.startsWith('arw-'))) {
      const {UserPool} = await cognito.send(new DescribeUserPoolCommand({UserPoolId: pool.Id}))
      const name = UserPool?.UserPoolTags?.[TAG_KEYS.environment]
      if (!wanted(name)) continue
      pieces.push({
        kind: 'user-pool',
        id: pool.Id!,
        environment: name,
        sizeGiB: 0,
        detail: `${UserPool?.EstimatedNumberOfUsers ?? 0} user(s)`,
        ...(UserPool?.CreationDate ? {createdAt: UserPool.CreationDate.toISOString()} : {}),
      })
    }
  }
  return pieces
}

async function stackExists(clients: AwsClients, name: string): Promise<boolean> {
  const {DescribeStacksCommand} = await import('@aws-sdk/client-cloudformation')
  try {
    const {Stacks = []} = await (await clients.cloudFormation()).send(new DescribeStacksCommand({StackName: stackNameFor(name)}))
    return Stacks.some((stack) => stack.StackStatus !== 'DELETE_COMPLETE')
  } catch (error) {
    if (/does not exist/i.test((error as Error).message)) return false
    throw error
  }
}

/** The AWS CLI command that deletes a piece by hand (shown with every kept piece). */
export function deleteCommandFor(kind: StorageKind, id: string, region: string): string {
  switch (kind) {
    case 'home-volume-snapshot':
      return `aws ec2 delete-snapshot --region ${region} --snapshot-id ${id}`
    case 'home-volume':
      return `aws ec2 delete-volume --region ${region} --volume-id ${id}`
    case 'shared-file-system':
      return `aws efs delete-file-system --region ${region} --file-system-id ${id}`
    case 'notebook-bucket':
      return `aws s3 rb --region ${region} s3://${id} --force  # versioned: delete old versions first`
    case 'user-pool':
      return `aws cognito-idp update-user-pool --region ${region} --user-pool-id ${id} --deletion-protection INACTIVE && aws cognito-idp delete-user-pool --region ${region} --user-pool-id ${id}`
  }
}

const round2 = (value: number) => Math.round(value * 100) / 100
