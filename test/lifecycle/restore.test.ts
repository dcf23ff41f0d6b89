import {CloudFormationClient, DescribeStacksCommand, GetTemplateCommand} from '@aws-sdk/client-cloudformation'
import {CognitoIdentityProviderClient, ListUserPoolsCommand} from '@aws-sdk/client-cognito-identity-provider'
import {DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {DescribeFileSystemsCommand, EFSClient} from '@aws-sdk/client-efs'
import {GetBucketTaggingCommand, ListBucketsCommand, ListObjectVersionsCommand, S3Client} from '@aws-sdk/client-s3'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {planRestore} from '../../src/lib/data/restore.js'
import {specFor} from '../helpers/specs.js'

const cfn = mockClient(CloudFormationClient)
const ec2 = mockClient(EC2Client)
const efs = mockClient(EFSClient)
const s3 = mockClient(S3Client)
const cognito = mockClient(CognitoIdentityProviderClient)
const clients = () => new AwsClients({region: 'us-east-1'})
const tags = (data: string) => [
  {Key: 'aws-research-wizard:environment', Value: 'old'},
  {Key: 'aws-research-wizard:data', Value: data},
]
const volume = {VolumeId: 'vol-0aaaaaaaaaaaaaaaa', Size: 200, AvailabilityZone: 'us-east-1b', Tags: tags('home'), CreateTime: new Date()}
const snapshot = {SnapshotId: 'snap-0bbbbbbbbbbbbbbbb', VolumeSize: 150, Tags: tags('home'), StartTime: new Date()}
const existingNetwork = (zone: string) => ({
  vpcId: 'vpc-0123456789abcdef0',
  subnetId: 'subnet-0123456789abcdef0',
  availabilityZone: zone,
  vpcCidr: '10.20.0.0/16',
})

beforeEach(() => {
  for (const client of [cfn, ec2, efs, s3, cognito]) client.reset()
  cfn.on(DescribeStacksCommand).resolves({Stacks: []})
  cfn.on(DescribeStacksCommand, {StackName: 'arw-old'}).rejects(new Error('Stack with id arw-old does not exist'))
  ec2.on(DescribeVolumesCommand).resolves({Volumes: [volume]})
  ec2.on(DescribeSnapshotsCommand).resolves({Snapshots: []})
  efs.on(DescribeFileSystemsCommand).resolves({FileSystems: [{FileSystemId: 'fs-0ccccccc', Tags: tags('shared')} as never]})
  s3.on(ListBucketsCommand).resolves({Buckets: [{Name: 'arw-old-notebooks'}]})
  s3.on(GetBucketTaggingCommand).resolves({TagSet: tags('notebooks')})
  s3.on(ListObjectVersionsCommand).resolves({IsTruncated: false})
  cognito.on(ListUserPoolsCommand).resolves({UserPools: []})
})

describe('choosing the kept data a restore reuses', () => {
  it('a new network: the kept volume, with the hub placed in its zone', async () => {
    const {ids, pieces} = await planRestore(clients(), 'old', await specFor('genomics', {name: 'new'}))
    expect(ids).toEqual({
      from: 'old',
      homeVolumeId: 'vol-0aaaaaaaaaaaaaaaa',
      homeSizeGiB: 200,
      availabilityZone: 'us-east-1b',
      sharedFileSystemId: 'fs-0ccccccc',
      notebookBucket: 'arw-old-notebooks',
    })
    expect(pieces[0]).toContain('kept volume vol-0aaaaaaaaaaaaaaaa')
  })

  it('an existing subnet in another zone: the newest snapshot instead, the volume left as it is', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({Snapshots: [snapshot]})
    const spec = await specFor('genomics', {name: 'new', access: 'private', ...existingNetwork('us-east-1a')})
    const {ids, pieces} = await planRestore(clients(), 'old', spec)
    expect(ids).toMatchObject({homeSnapshotId: 'snap-0bbbbbbbbbbbbbbbb', homeSizeGiB: 150})
    expect(ids.homeVolumeId).toBeUndefined()
    expect(pieces.join('\n')).toContain('left as it is')
  })

  it('an existing subnet in another zone and no snapshot: a clear usage error naming both zones, nothing changed', async () => {
    const spec = await specFor('genomics', {name: 'new', access: 'private', ...existingNetwork('us-east-1a')})
    const error = await planRestore(clients(), 'old', spec).catch((e: unknown) => e)
    expect(error).toMatchObject({code: 'restore-zone-mismatch', exitCode: 2})
    expect((error as Error).message).toContain('us-east-1b')
    expect((error as Error).message).toContain('us-east-1a')
    expect(ec2.commandCalls(DescribeVolumesCommand).length).toBeGreaterThan(0)
    // Only reads: no create, tag or delete of any kind.
    for (const client of [ec2, efs, s3])
      for (const call of client.calls()) expect(call.args[0].constructor.name).toMatch(/^(Describe|List|Get)/)
  })

  it("a snapshot with the environment tag but not the home data tag (the root volume's, tags copied) is never chosen", async () => {
    const rootSnapshot = {SnapshotId: 'snap-0dddddddddddddddd', VolumeSize: 30, StartTime: new Date(), Tags: [tags('home')[0]!]}
    const older = {...snapshot, StartTime: new Date(Date.now() - 86_400_000)}
    ec2.on(DescribeSnapshotsCommand).resolves({Snapshots: [rootSnapshot, older]})
    const spec = await specFor('genomics', {name: 'new', access: 'private', ...existingNetwork('us-east-1a')})
    const {ids} = await planRestore(clients(), 'old', spec)
    expect(ids.homeSnapshotId).toBe('snap-0bbbbbbbbbbbbbbbb')
  })

  it('pieces still tagged with the old name that another environment runs on are not reused', async () => {
    cfn.on(DescribeStacksCommand, {StackName: undefined}).resolves({
      Stacks: [
        {
          StackName: 'arw-other',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Tags: [{Key: 'aws-research-wizard:environment', Value: 'other'}],
          Outputs: [{OutputKey: 'NotebookBucket', OutputValue: 'arw-old-notebooks'}],
        },
      ],
    })
    cfn.on(GetTemplateCommand).resolves({
      TemplateBody: JSON.stringify({
        Metadata: {
          AwsResearchWizard: JSON.stringify({
            version: 1,
            domain: 'genomics',
            pack: {},
            overrides: {restore: {from: 'old', homeVolumeId: volume.VolumeId}},
          }),
        },
      }),
    })
    const {ids} = await planRestore(clients(), 'old', await specFor('genomics', {name: 'new'}))
    expect(ids.notebookBucket).toBeUndefined()
    expect(ids.homeVolumeId).toBeUndefined()
    expect(ids.sharedFileSystemId).toBe('fs-0ccccccc')
  })

  it('ids in AWS answers that do not look like ids are not used', async () => {
    ec2.on(DescribeVolumesCommand).resolves({Volumes: [{...volume, VolumeId: 'vol-0a"; rm -rf /'}]})
    const {ids} = await planRestore(clients(), 'old', await specFor('genomics', {name: 'new'}))
    expect(ids.homeVolumeId).toBeUndefined()
  })

  it('refuses data whose environment still exists, and a name with no kept data', async () => {
    cfn
      .reset()
      .on(DescribeStacksCommand)
      .resolves({Stacks: [{StackName: 'arw-old', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date()}]})
    cfn.on(GetTemplateCommand).resolves({TemplateBody: '{}'})
    await expect(planRestore(clients(), 'old', await specFor('genomics', {name: 'new'}))).rejects.toMatchObject({
      code: 'restore-source-in-use',
    })
    cfn.reset().on(DescribeStacksCommand).resolves({Stacks: []})
    cfn.on(DescribeStacksCommand, {StackName: 'arw-none'}).rejects(new Error('Stack with id arw-none does not exist'))
    ec2.on(DescribeVolumesCommand).resolves({Volumes: []})
    efs.on(DescribeFileSystemsCommand).resolves({FileSystems: []})
    s3.on(ListBucketsCommand).resolves({Buckets: []})
    await expect(planRestore(clients(), 'none', await specFor('genomics', {name: 'new'}))).rejects.toMatchObject({code: 'no-kept-data'})
  })

  it('a restore from a deploy record is checked too: a malformed id never reaches the template', async () => {
    await expect(specFor('genomics', {name: 'new', restore: {from: 'old', notebookBucket: 'x"; touch /tmp/p'}})).rejects.toThrow(
      /invalid-restore/,
    )
    await expect(
      specFor('genomics', {
        name: 'new',
        restore: {from: 'old', homeVolumeId: 'vol-0aaaaaaaaaaaaaaaa', homeSnapshotId: 'snap-0bbbbbbbbbbbbbbbb'},
      }),
    ).rejects.toThrow(/invalid-restore/)
    expect(
      (await specFor('genomics', {name: 'new', restore: {from: 'old', homeSnapshotId: 'snap-0bbbbbbbbbbbbbbbb', homeSizeGiB: 700}})).storage
        .homeVolumeGiB,
    ).toBe(700)
  })
})
