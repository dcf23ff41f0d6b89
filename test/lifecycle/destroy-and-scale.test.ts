import {CloudFormationClient, DeleteStackCommand, DescribeStacksCommand, GetTemplateCommand} from '@aws-sdk/client-cloudformation'
import {
  CognitoIdentityProviderClient,
  DeleteUserPoolCommand,
  DescribeUserPoolCommand,
  UpdateUserPoolCommand,
  DeleteUserPoolDomainCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider'
import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2'
import {DeleteFileSystemCommand, DescribeFileSystemsCommand, EFSClient} from '@aws-sdk/client-efs'
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketTaggingCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import {mkdtempSync, readdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DeleteParameterCommand, PutParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it, vi} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {getEnvironment} from '../../src/lib/environments/discover.js'
import {
  dataDeletionIncomplete,
  deleteEnvironmentStack,
  deleteRetainedData,
  findDestroyTarget,
  findOrphanedData,
  findRetainedData,
} from '../../src/lib/lifecycle/destroy.js'
import {synthesize} from '../../src/lib/synth/synthesize.js'
import {specFor} from '../helpers/specs.js'
import {stackFor} from './fixtures.js'

vi.mock('../../src/lib/deploy/engine.js', () => ({
  deployEnvironment: vi.fn(async (spec: {stackName: string}) => ({
    stackName: spec.stackName,
    outputs: {InstanceId: 'i-0alpha0000000000'},
    events: [],
  })),
}))
const {deployEnvironment} = await import('../../src/lib/deploy/engine.js')
const {applyEnvironment, diffEnvironment, respecFromDeployed} = await import('../../src/lib/lifecycle/apply.js')

const cfn = mockClient(CloudFormationClient)
const ec2 = mockClient(EC2Client)
const efs = mockClient(EFSClient)
const s3 = mockClient(S3Client)
const cognito = mockClient(CognitoIdentityProviderClient)
const ssm = mockClient(SSMClient)
const clients = () => new AwsClients({region: 'us-east-1'})

const DATA_DELETES = [
  [ec2, DeleteVolumeCommand],
  [ec2, DeleteSnapshotCommand],
  [efs, DeleteFileSystemCommand],
  [s3, DeleteBucketCommand],
  [s3, DeleteObjectsCommand],
  [cognito, DeleteUserPoolCommand],
] as const

function dataDeleteCalls(): number {
  return DATA_DELETES.reduce((sum, [client, command]) => sum + client.commandCalls(command as never).length, 0)
}

beforeEach(() => {
  for (const client of [cfn, ec2, efs, s3, cognito, ssm]) client.reset()
  vi.mocked(deployEnvironment).mockClear()
})

describe('destroy', () => {
  const outputs = {
    InstanceId: 'i-0abc',
    HomeVolumeId: 'vol-0home',
    SharedFileSystemId: 'fs-0shared',
    NotebookBucket: 'arw-lab1-notebooks',
    UserPoolId: 'us-east-1_Pool',
    LogGroup: '/arw/lab1/hub',
    AccessMode: 'public',
  }

  const deletionStartedAt = new Date()

  beforeEach(() => {
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce({Stacks: [stackFor('lab1', {outputs})]})
      .resolves({Stacks: [{...stackFor('lab1', {outputs}), StackStatus: 'DELETE_COMPLETE'}]})
    cfn.on(DeleteStackCommand).resolves({})
    ec2.on(DescribeSnapshotsCommand).resolves({Snapshots: [{SnapshotId: 'snap-0final', VolumeId: 'vol-0home', StartTime: new Date()}]})
    ec2.on(DescribeVolumesCommand).resolves({Volumes: []})
    // Nothing carries the tags here: what the outputs name is still found.
    efs.on(DescribeFileSystemsCommand).resolves({FileSystems: []})
    s3.on(ListBucketsCommand).resolves({Buckets: []})
    cognito.on(ListUserPoolsCommand).resolves({UserPools: []})
  })

  it("tags the home volume's final snapshot with the environment, so it is found once the stack is gone", async () => {
    const environment = await getEnvironment(clients(), 'lab1')
    await findRetainedData(clients(), environment, deletionStartedAt)
    expect(ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input)).toEqual([
      {
        Resources: ['snap-0final'],
        Tags: [
          {Key: 'aws-research-wizard:environment', Value: 'lab1'},
          {Key: 'aws-research-wizard:data', Value: 'home'},
        ],
      },
    ])
  })

  it("only the volume's final snapshot is the environment's: older snapshots (people's backups) are not tagged, listed or deleted", async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        {SnapshotId: 'snap-0backup', VolumeId: 'vol-0home', StartTime: new Date(deletionStartedAt.getTime() - 3_600_000)},
        {SnapshotId: 'snap-0final', VolumeId: 'vol-0home', StartTime: new Date(deletionStartedAt.getTime() + 60_000)},
      ],
    })
    const environment = await getEnvironment(clients(), 'lab1')
    const kept = await findRetainedData(clients(), environment, deletionStartedAt)
    expect(kept.filter((k) => k.kind === 'home-volume-snapshot').map((k) => k.id)).toEqual(['snap-0final'])
    expect(ec2.commandCalls(CreateTagsCommand).flatMap((c) => c.args[0].input.Resources)).toEqual(['snap-0final'])
    await deleteRetainedData(clients(), kept)
    expect(ec2.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input.SnapshotId)).toEqual(['snap-0final'])
  })

  it("a piece tagged with this name that another environment runs on is not listed or deleted as this one's", async () => {
    cfn.on(DescribeStacksCommand, {StackName: undefined}).resolves({
      Stacks: [stackFor('new', {outputs: {NotebookBucket: 'arw-lab1-restored'}})],
    })
    cfn.on(GetTemplateCommand).resolves({TemplateBody: '{}'})
    s3.on(ListBucketsCommand).resolves({Buckets: [{Name: 'arw-lab1-restored'}]})
    s3.on(GetBucketTaggingCommand).resolves({TagSet: [{Key: 'aws-research-wizard:environment', Value: 'lab1'}]})
    s3.on(ListObjectVersionsCommand).resolves({IsTruncated: false})
    const environment = await getEnvironment(clients(), 'lab1')
    const kept = await findRetainedData(clients(), environment, deletionStartedAt)
    expect(kept.map((k) => k.id)).not.toContain('arw-lab1-restored')
    expect(kept.map((k) => k.id)).toContain('arw-lab1-notebooks')
  })

  it('deletes the stack, lists what was kept and deletes none of it', async () => {
    const environment = await getEnvironment(clients(), 'lab1')
    await deleteEnvironmentStack(clients(), environment, {pollSeconds: 1, maxWaitSeconds: 10})
    const kept = await findRetainedData(clients(), environment, deletionStartedAt)
    expect(kept.map((k) => [k.kind, k.id])).toEqual([
      ['home-volume-snapshot', 'snap-0final'],
      ['shared-file-system', 'fs-0shared'],
      ['notebook-bucket', 'arw-lab1-notebooks'],
      ['user-pool', 'us-east-1_Pool'],
    ])
    expect(kept.every((k) => k.deleteCommand.startsWith('aws '))).toBe(true)
    expect(cfn.commandCalls(DeleteStackCommand)[0]!.args[0].input.StackName).toBe(environment.stackId)
    expect(dataDeleteCalls()).toBe(0)
  })

  it('deletes the kept data only when asked, emptying every object version first', async () => {
    const environment = await getEnvironment(clients(), 'lab1')
    const kept = await findRetainedData(clients(), environment, deletionStartedAt)
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({Versions: [{Key: 'a.ipynb', VersionId: 'v1'}], IsTruncated: true, NextKeyMarker: 'a.ipynb', NextVersionIdMarker: 'v1'})
      .resolves({DeleteMarkers: [{Key: 'b.ipynb', VersionId: 'v2'}], IsTruncated: false})
    cognito.on(DescribeUserPoolCommand).resolves({UserPool: {Id: 'us-east-1_Pool', Domain: 'arw-lab1-123456789012'}})
    const {deleted, failed} = await deleteRetainedData(clients(), kept)
    expect(deleted).toHaveLength(4)
    expect(failed).toEqual([])
    expect(ec2.commandCalls(DeleteSnapshotCommand)[0]!.args[0].input).toEqual({SnapshotId: 'snap-0final'})
    expect(efs.commandCalls(DeleteFileSystemCommand)[0]!.args[0].input).toEqual({FileSystemId: 'fs-0shared'})
    expect(s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects)).toEqual([
      [{Key: 'a.ipynb', VersionId: 'v1'}],
      [{Key: 'b.ipynb', VersionId: 'v2'}],
    ])
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(1)
    expect(cognito.commandCalls(DeleteUserPoolDomainCommand)).toHaveLength(1)
    expect(cognito.commandCalls(UpdateUserPoolCommand)[0]!.args[0].input.DeletionProtection).toBe('INACTIVE')
  })

  it('--delete-data with one failing deletion tries every item, reports each outcome and fails with what is left (exit 1, not a bug)', async () => {
    const environment = await getEnvironment(clients(), 'lab1')
    const kept = await findRetainedData(clients(), environment, deletionStartedAt)
    efs.on(DeleteFileSystemCommand).rejects(Object.assign(new Error('File system fs-0shared has mount targets'), {name: 'FileSystemInUse'}))
    s3.on(ListObjectVersionsCommand).resolves({IsTruncated: false})
    cognito.on(DescribeUserPoolCommand).resolves({UserPool: {Id: 'us-east-1_Pool'}})
    const deletion = await deleteRetainedData(clients(), kept)
    expect(deletion.deleted.map((i) => i.kind)).toEqual(['home-volume-snapshot', 'notebook-bucket', 'user-pool'])
    expect(deletion.failed).toEqual([
      expect.objectContaining({kind: 'shared-file-system', id: 'fs-0shared', reason: expect.stringContaining('mount targets')}),
    ])
    // The items after the failed one were still deleted.
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(1)
    const error = dataDeletionIncomplete('lab1', deletion)
    expect(error).toMatchObject({code: 'data-deletion-incomplete', exitCode: 1})
    expect(error.message).toContain('fs-0shared: File system fs-0shared has mount targets')
    expect(error.actions).toEqual([expect.stringContaining('aws efs delete-file-system')])
  })
})

describe('destroy --delete-data when the stack is already gone', () => {
  const tags = (name: string, data: string) => [
    {Key: 'aws-research-wizard:environment', Value: name},
    {Key: 'aws-research-wizard:data', Value: data},
  ]
  beforeEach(() => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: []})
    cfn.on(DescribeStacksCommand, {StackName: 'arw-old'}).rejects(new Error('Stack with id arw-old does not exist'))
    ec2
      .on(DescribeVolumesCommand)
      .resolves({Volumes: [{VolumeId: 'vol-0aaaaaaaaaaaaaaaa', Size: 50, AvailabilityZone: 'us-east-1a', Tags: tags('old', 'home')}]})
    ec2
      .on(DescribeSnapshotsCommand)
      .resolves({Snapshots: [{SnapshotId: 'snap-0bbbbbbbbbbbbbbbb', VolumeSize: 50, Tags: tags('old', 'home')}]})
    efs.on(DescribeFileSystemsCommand).resolves({
      FileSystems: [
        {FileSystemId: 'fs-0ccccccc', Tags: tags('old', 'shared'), SizeInBytes: {Value: 2 * 1024 ** 3}} as never,
        {FileSystemId: 'fs-0other00', Tags: tags('other', 'shared'), SizeInBytes: {Value: 0}} as never,
      ],
    })
    s3.on(ListBucketsCommand).resolves({Buckets: [{Name: 'arw-old-notebooks'}, {Name: 'unrelated'}]})
    s3.on(GetBucketTaggingCommand, {Bucket: 'arw-old-notebooks'}).resolves({TagSet: tags('old', 'notebooks')})
    s3.on(GetBucketTaggingCommand, {Bucket: 'unrelated'}).rejects(
      Object.assign(new Error('The TagSet does not exist'), {name: 'NoSuchTagSet'}),
    )
    s3.on(ListObjectVersionsCommand).resolves({IsTruncated: false})
    cognito.on(ListUserPoolsCommand).resolves({UserPools: []})
  })

  it('finds the kept pieces by tag alone and, when one deletion fails, deletes the rest and reports what is left', async () => {
    const kept = await findOrphanedData(clients(), 'old')
    expect(kept.map((k) => [k.kind, k.id])).toEqual([
      ['home-volume', 'vol-0aaaaaaaaaaaaaaaa'],
      ['home-volume-snapshot', 'snap-0bbbbbbbbbbbbbbbb'],
      ['shared-file-system', 'fs-0ccccccc'],
      ['notebook-bucket', 'arw-old-notebooks'],
    ])
    ec2
      .on(DeleteVolumeCommand)
      .rejects(Object.assign(new Error('Volume vol-0aaaaaaaaaaaaaaaa is currently attached'), {name: 'VolumeInUse'}))
    const deletion = await deleteRetainedData(clients(), kept)
    expect(deletion.deleted.map((i) => i.id)).toEqual(['snap-0bbbbbbbbbbbbbbbb', 'fs-0ccccccc', 'arw-old-notebooks'])
    expect(deletion.failed.map((i) => [i.id, i.reason])).toEqual([
      ['vol-0aaaaaaaaaaaaaaaa', 'Volume vol-0aaaaaaaaaaaaaaaa is currently attached'],
    ])
    expect(efs.commandCalls(DeleteFileSystemCommand).map((c) => c.args[0].input.FileSystemId)).toEqual(['fs-0ccccccc'])
    const error = dataDeletionIncomplete('old', deletion, {stackDeleted: false})
    expect(error).toMatchObject({code: 'data-deletion-incomplete', exitCode: 1})
    expect(error.message).toContain('The stack of old was already gone')
    expect(error.message).toContain('Left: home-volume vol-0aaaaaaaaaaaaaaaa')
    expect(error.actions).toEqual([expect.stringContaining('aws ec2 delete-volume --region us-east-1 --volume-id vol-0aaaaaaaaaaaaaaaa')])
  })
})

describe('destroy OLD --delete-data when environment NEW runs on pieces still tagged OLD (a restore not yet retagged)', () => {
  const oldTags = (data: string) => [
    {Key: 'aws-research-wizard:environment', Value: 'old'},
    {Key: 'aws-research-wizard:data', Value: data},
  ]
  const record = (restore: Record<string, string>) =>
    JSON.stringify({Metadata: {AwsResearchWizard: JSON.stringify({version: 1, domain: 'genomics', overrides: {restore}, pack: {}})}})

  beforeEach(() => {
    // arw-new is being created: no outputs yet, the restore is in its deploy record; arw-other has outputs.
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {...stackFor('new', {outputs: {}}), StackStatus: 'CREATE_IN_PROGRESS'},
        stackFor('other', {outputs: {NotebookBucket: 'arw-old-notebooks', SharedFileSystemId: 'fs-0ccccccc'}}),
      ],
    })
    cfn.on(DescribeStacksCommand, {StackName: 'arw-old'}).rejects(new Error('Stack with id arw-old does not exist'))
    cfn
      .on(GetTemplateCommand, {StackName: 'arw-new'})
      .resolves({TemplateBody: record({from: 'old', homeVolumeId: 'vol-0aaaaaaaaaaaaaaaa'})})
    cfn.on(GetTemplateCommand, {StackName: 'arw-other'}).resolves({TemplateBody: '{}'})
    ec2.on(DescribeVolumesCommand).resolves({Volumes: [{VolumeId: 'vol-0aaaaaaaaaaaaaaaa', Size: 50, Tags: oldTags('home')}]})
    ec2.on(DescribeSnapshotsCommand).resolves({Snapshots: [{SnapshotId: 'snap-0bbbbbbbbbbbbbbbb', VolumeSize: 50, Tags: oldTags('home')}]})
    efs.on(DescribeFileSystemsCommand).resolves({FileSystems: [{FileSystemId: 'fs-0ccccccc', Tags: oldTags('shared')} as never]})
    s3.on(ListBucketsCommand).resolves({Buckets: [{Name: 'arw-old-notebooks'}]})
    s3.on(GetBucketTaggingCommand).resolves({TagSet: oldTags('notebooks')})
    s3.on(ListObjectVersionsCommand).resolves({IsTruncated: false})
    cognito.on(ListUserPoolsCommand).resolves({UserPools: []})
  })

  it('lists only the piece no stack references as orphaned, and deletes only that one', async () => {
    const target = await findDestroyTarget(clients(), 'old', {deleteData: true})
    expect('kept' in target && target.kept.map((k) => k.id)).toEqual(['snap-0bbbbbbbbbbbbbbbb'])
    await deleteRetainedData(clients(), 'kept' in target ? target.kept : [])
    expect(dataDeleteCalls()).toBe(1)
    expect(ec2.commandCalls(DeleteSnapshotCommand)).toHaveLength(1)
  })

  it('a name whose only tagged pieces are all in use elsewhere has nothing to delete', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({Snapshots: []})
    await expect(findDestroyTarget(clients(), 'old', {deleteData: true})).rejects.toMatchObject({code: 'environment-not-found'})
    expect(dataDeleteCalls()).toBe(0)
  })
})

describe('scale', () => {
  async function deployed(overrides: Parameters<typeof specFor>[1] = {}) {
    const spec = await specFor('genomics', overrides)
    const template = (await synthesize([spec], {outdir: mkdtempSync(join(tmpdir(), 'scale-')), validateTemplates: false, nag: false}))
      .stacks[0]!.template
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1')]})
    cfn.on(GetTemplateCommand).resolves({TemplateBody: JSON.stringify(template)})
    return spec
  }

  it('rebuilds the spec from the deploy record and applies a type change as an instance update, data untouched', async () => {
    await deployed({adminEmail: 'pi@uni.edu', owner: 'pi'})
    const {spec} = await respecFromDeployed(clients(), 'lab1', {instanceType: 'r6i.4xlarge'})
    expect(spec).toMatchObject({instance: {type: 'r6i.4xlarge'}, adminEmail: 'pi@uni.edu', owner: 'pi', domain: 'genomics'})
    const result = await applyEnvironment(spec, {clients: clients(), outdir: mkdtempSync(join(tmpdir(), 'out-')), validateTemplates: false})
    expect(result.applied).toBe(true)
    expect(result.changes.find((c) => c.type === 'AWS::EC2::Instance')?.properties).toContain('InstanceType')
    expect(result.changes.filter((c) => c.dataBearing && c.impact !== 'update')).toEqual([])
    expect(vi.mocked(deployEnvironment).mock.calls[0]![1]).toMatchObject({update: true})
    expect(vi.mocked(deployEnvironment).mock.calls[0]![0].instance.type).toBe('r6i.4xlarge')
    expect(dataDeleteCalls()).toBe(0)
  })

  it('diff leaves no temporary assembly behind', async () => {
    await deployed()
    const scratch = () => readdirSync(tmpdir()).filter((entry) => entry.startsWith('arw-diff-'))
    const before = scratch()
    const preview = await diffEnvironment(clients(), 'lab1', {instanceType: 'r6i.4xlarge'})
    expect(preview.changes.length).toBeGreaterThan(0)
    expect(scratch()).toEqual(before)
  })

  it('re-sizes from a new user count within the pack', async () => {
    await deployed()
    const {spec} = await respecFromDeployed(clients(), 'lab1', {users: 20})
    expect(spec.instance).toMatchObject({type: 'r6i.4xlarge', choice: 'sized'})
  })

  it('refuses a type the pack does not allow, with the allowed list', async () => {
    await deployed()
    await expect(respecFromDeployed(clients(), 'lab1', {instanceType: 'c6i.xlarge'})).rejects.toMatchObject({
      code: 'invalid-environment',
      exitCode: 2,
    })
  })

  it('asks before creating a new environment too; "no" is a clean cancel (exit 0), "yes" creates it', async () => {
    const error = Object.assign(new Error('Stack with id arw-lab1 does not exist'), {name: 'ValidationError'})
    cfn.on(DescribeStacksCommand).rejects(error)
    const spec = await specFor('genomics')
    const outdir = mkdtempSync(join(tmpdir(), 'out-'))
    const no = vi.fn(async () => false)
    await expect(applyEnvironment(spec, {clients: clients(), outdir, validateTemplates: false, confirm: no})).rejects.toMatchObject({
      code: 'cancelled',
      exitCode: 0,
    })
    expect(no).toHaveBeenCalledTimes(1)
    expect(deployEnvironment).not.toHaveBeenCalled()
    const yes = vi.fn(async () => true)
    const result = await applyEnvironment(spec, {clients: clients(), outdir, validateTemplates: false, confirm: yes})
    expect(result).toMatchObject({created: true, applied: true})
    expect(vi.mocked(deployEnvironment).mock.calls[0]![1]).toMatchObject({update: false})
    // The create was claimed (atomically, no overwrite) and the claim released afterwards.
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toMatchObject({Name: '/arw/lab1/creating', Overwrite: false})
    expect(ssm.commandCalls(DeleteParameterCommand)[0]!.args[0].input).toEqual({Name: '/arw/lab1/creating'})
  })

  it('asks before applying and changes nothing when the answer is no', async () => {
    await deployed()
    const {spec} = await respecFromDeployed(clients(), 'lab1', {instanceType: 'r6i.4xlarge'})
    const confirm = vi.fn(async () => false)
    await expect(
      applyEnvironment(spec, {clients: clients(), outdir: mkdtempSync(join(tmpdir(), 'out-')), validateTemplates: false, confirm}),
    ).rejects.toMatchObject({code: 'cancelled'})
    expect(confirm).toHaveBeenCalledTimes(1)
    expect(deployEnvironment).not.toHaveBeenCalled()
  })
})
