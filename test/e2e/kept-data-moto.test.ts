import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DescribeStacksCommand} from '@aws-sdk/client-cloudformation'
import {DescribeSnapshotsCommand, DescribeSubnetsCommand, DescribeVolumesCommand} from '@aws-sdk/client-ec2'
import {CreateMountTargetCommand, DeleteMountTargetCommand, DescribeFileSystemsCommand} from '@aws-sdk/client-efs'
import {GetObjectCommand, HeadBucketCommand, PutObjectCommand} from '@aws-sdk/client-s3'
import {PutParameterCommand} from '@aws-sdk/client-ssm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {runBuiltJson} from '../helpers/built-cli.js'
import {cliEnvironment, pointSdkAt, motoPlacementFlags, type MotoServer, startMoto} from '../helpers/moto.js'
import {PROJECT_ROOT} from '../helpers/run.js'

/**
 * Kept data with the built CLI against moto: listed by tag, restored into a new
 * environment, deleted after its stack is gone (with one failure on the way).
 * moto runs with test/helpers/kept-data-moto.py, which fills the gaps of its
 * CloudFormation that this relies on (volume tags and snapshot ids, the final snapshot of
 * DeletionPolicy Snapshot, EFS attributes); the rest is as in lifecycle-moto.test.ts
 * (private access, an existing VPC, --ami-id, --no-wait).
 */
describe.sequential('kept data against moto', () => {
  let moto: MotoServer
  let env: NodeJS.ProcessEnv
  let restoreSdk: (() => void) | undefined
  let clients: AwsClients
  let placement: string[]
  const work = mkdtempSync(join(tmpdir(), 'e2e-kept-'))

  type Piece = {kind: string; id: string; environment: string; sizeGiB: number; stackExists: boolean; monthlyUsd: number}
  const cli = (...argv: string[]) => runBuiltJson(argv, {cwd: work, env, timeoutMs: 180_000})
  const pieces = async (...name: string[]) => {
    const {envelope} = await cli('jupyter', 'data', 'list', ...name)
    expect(envelope.status, JSON.stringify(envelope)).toBe(0)
    return (envelope.result?.pieces as Piece[]).map(({kind, id, environment, stackExists}) => ({kind, id, environment, stackExists}))
  }

  beforeAll(async () => {
    moto = await startMoto({script: join(PROJECT_ROOT, 'test', 'helpers', 'kept-data-moto.py')})
    env = cliEnvironment(moto.url, work)
    restoreSdk = pointSdkAt(moto.url)
    clients = new AwsClients({region: 'us-east-1'})
    placement = await motoPlacementFlags(await clients.ec2())
    expect((await cli('bootstrap')).envelope.status).toBe(0)
  }, 120_000)

  afterAll(async () => {
    restoreSdk?.()
    await moto?.stop()
  })

  let first: Record<string, string> = {}

  it('deploys an environment with a shared file system and lists its data by tag, in use', async () => {
    const {envelope, stderr} = await cli('jupyter', 'deploy', '--domain', 'genomics', '--name', 'keep', ...placement, '--yes', '--no-wait')
    expect(envelope.status, `${JSON.stringify(envelope)}\n${stderr}`).toBe(0)
    first = (envelope.result?.deployment as {outputs: Record<string, string>}).outputs
    await (await clients.s3()).send(new PutObjectCommand({Bucket: first.NotebookBucket, Key: 'ada/analysis.ipynb', Body: '{"cells": []}'}))
    expect(await pieces('keep')).toEqual([
      {kind: 'home-volume', id: first.HomeVolumeId, environment: 'keep', stackExists: true},
      {kind: 'shared-file-system', id: first.SharedFileSystemId, environment: 'keep', stackExists: true},
      {kind: 'notebook-bucket', id: first.NotebookBucket, environment: 'keep', stackExists: true},
    ])
  }, 240_000)

  let snapshotId = ''

  it('after destroy, finds the final snapshot, file system and bucket by tag alone, with size and monthly cost', async () => {
    const {envelope} = await cli('jupyter', 'destroy', 'keep', '--yes')
    expect(envelope.status, JSON.stringify(envelope)).toBe(0)
    await expect((await clients.cloudFormation()).send(new DescribeStacksCommand({StackName: 'arw-keep'}))).rejects.toThrow(
      /does not exist/,
    )
    const {envelope: listed} = await cli('jupyter', 'data', 'list')
    const kept = listed.result?.pieces as Piece[]
    expect(kept.map((p) => [p.kind, p.environment, p.stackExists])).toEqual([
      ['home-volume-snapshot', 'keep', false],
      ['shared-file-system', 'keep', false],
      ['notebook-bucket', 'keep', false],
    ])
    snapshotId = kept[0]!.id
    const {Snapshots = []} = await (await clients.ec2()).send(new DescribeSnapshotsCommand({SnapshotIds: [snapshotId]}))
    expect(Snapshots[0]?.VolumeId).toBe(first.HomeVolumeId)
    const home = kept[0]!
    expect(home.sizeGiB).toBeGreaterThan(0)
    expect(home.monthlyUsd).toBeGreaterThan(0)
    expect(listed.result?.monthlyUsd).toBeGreaterThanOrEqual(home.monthlyUsd)
  }, 240_000)

  let second: Record<string, string> = {}

  it('deploy --restore-from creates a new environment on the kept snapshot, file system and bucket, and says so', async () => {
    const {envelope, stderr} = await cli(
      'jupyter',
      'deploy',
      '--domain',
      'genomics',
      '--name',
      'back',
      '--restore-from',
      'keep',
      ...placement,
      '--yes',
      '--no-wait',
    )
    expect(envelope.status, `${JSON.stringify(envelope)}\n${stderr}`).toBe(0)
    const plan = envelope.result?.plan as {restore: {from: string; pieces: string[]}}
    expect(plan.restore.from).toBe('keep')
    expect(plan.restore.pieces.join('\n')).toContain(snapshotId)
    second = (envelope.result?.deployment as {outputs: Record<string, string>}).outputs
    expect(second.SharedFileSystemId).toBe(first.SharedFileSystemId)
    expect(second.NotebookBucket).toBe(first.NotebookBucket)
    const ec2 = await clients.ec2()
    const {Volumes = []} = await ec2.send(new DescribeVolumesCommand({VolumeIds: [second.HomeVolumeId!]}))
    expect(Volumes[0]?.SnapshotId).toBe(snapshotId)
    // In the hub's zone, whatever zone the snapshot came from.
    const {Subnets = []} = await ec2.send(new DescribeSubnetsCommand({SubnetIds: [placement[placement.indexOf('--subnet-id') + 1]!]}))
    expect(Volumes[0]?.AvailabilityZone).toBe(Subnets[0]?.AvailabilityZone)
    // Nothing kept was deleted; the notebooks are where they were.
    const object = await (await clients.s3()).send(new GetObjectCommand({Bucket: first.NotebookBucket, Key: 'ada/analysis.ipynb'}))
    expect(await object.Body?.transformToString()).toBe('{"cells": []}')
    expect((await ec2.send(new DescribeSnapshotsCommand({SnapshotIds: [snapshotId]}))).Snapshots).toHaveLength(1)
    // The reused pieces now belong to the new environment.
    expect(await pieces('back')).toEqual([
      {kind: 'home-volume', id: second.HomeVolumeId, environment: 'back', stackExists: true},
      {kind: 'shared-file-system', id: first.SharedFileSystemId, environment: 'back', stackExists: true},
      {kind: 'notebook-bucket', id: first.NotebookBucket, environment: 'back', stackExists: true},
    ])
  }, 240_000)

  it('a later deploy of the restored environment keeps the kept pieces (the restore is in its deploy record)', async () => {
    const {envelope, stderr} = await cli('jupyter', 'deploy', '--domain', 'genomics', '--name', 'back', ...placement, '--yes', '--no-wait')
    expect(envelope.status, `${JSON.stringify(envelope)}\n${stderr}`).toBe(0)
    const deployment = envelope.result?.deployment as {applied: boolean; changes: unknown[]}
    expect(deployment.changes).toEqual([])
    expect(deployment.applied).toBe(false)
    const {Stacks = []} = await (await clients.cloudFormation()).send(new DescribeStacksCommand({StackName: 'arw-back'}))
    expect(Stacks[0]?.Outputs?.find((o) => o.OutputKey === 'SharedFileSystemId')?.OutputValue).toBe(first.SharedFileSystemId)
    expect(Stacks[0]?.LastUpdatedTime).toBeUndefined()
    expect((envelope.result?.plan as {restore?: {from: string}}).restore?.from).toBe('keep')
    // --restore-from never swaps the storage of an environment that exists.
    const again = await cli('jupyter', 'deploy', '--domain', 'genomics', '--name', 'back', '--restore-from', 'keep', ...placement, '--yes')
    expect(again.code).toBe(2)
    expect(again.envelope.error?.code).toBe('restore-into-existing')
  }, 240_000)

  it('refuses to restore data that is in use by a running environment', async () => {
    const {envelope, code} = await cli(
      'jupyter',
      'deploy',
      '--domain',
      'genomics',
      '--name',
      'third',
      '--restore-from',
      'back',
      ...placement,
      '--yes',
      '--no-wait',
    )
    expect(code).toBe(1)
    expect(envelope.error?.code).toBe('restore-source-in-use')
    await expect((await clients.cloudFormation()).send(new DescribeStacksCommand({StackName: 'arw-third'}))).rejects.toThrow(
      /does not exist/,
    )
  }, 120_000)

  it('destroy --delete-data on a gone stack: deletes every piece it can, reports the one it cannot, exits 1 with what is left; a rerun finishes', async () => {
    expect((await cli('jupyter', 'destroy', 'back', '--yes')).envelope.status).toBe(0)
    // As in the issue: an extra mount target (made by hand) keeps the file system from being deleted.
    const efs = await clients.efs()
    const subnetId = placement[placement.indexOf('--subnet-id') + 1]!
    const {MountTargetId} = await efs.send(new CreateMountTargetCommand({FileSystemId: first.SharedFileSystemId, SubnetId: subnetId}))
    const {envelope: plain} = await cli('jupyter', 'destroy', 'back', '--yes')
    expect(plain.error?.code).toBe('environment-not-found')
    expect(plain.error?.message).toContain(`shared-file-system ${first.SharedFileSystemId}`)
    const {envelope: withoutYes, code: noTerminal} = await cli('jupyter', 'destroy', 'back', '--delete-data')
    expect(noTerminal).toBe(2)
    expect(withoutYes.error?.code).toBe('confirmation-required')

    const {envelope, code} = await cli('jupyter', 'destroy', 'back', '--delete-data', '--yes')
    expect(code).toBe(1)
    expect(envelope.error?.code).toBe('data-deletion-incomplete')
    expect(envelope.error?.message).toContain('already gone')
    expect(envelope.error?.message).toContain(`shared-file-system ${first.SharedFileSystemId}`)
    const failed = (envelope.error?.data?.failed as {kind: string}[]).map((i) => i.kind)
    const deleted = (envelope.error?.data?.deleted as {kind: string}[]).map((i) => i.kind).sort()
    expect(failed).toEqual(['shared-file-system'])
    expect(deleted).toEqual(['home-volume-snapshot', 'notebook-bucket'])
    await expect((await clients.s3()).send(new HeadBucketCommand({Bucket: first.NotebookBucket}))).rejects.toThrow()
    expect((await pieces('back')).map((p) => p.kind)).toEqual(['shared-file-system'])

    await efs.send(new DeleteMountTargetCommand({MountTargetId}))
    const rerun = await cli('jupyter', 'destroy', 'back', '--delete-data', '--yes')
    expect(rerun.envelope.status, JSON.stringify(rerun.envelope)).toBe(0)
    expect(await pieces('back')).toEqual([])
    const {FileSystems = []} = await efs.send(new DescribeFileSystemsCommand({}))
    expect(FileSystems.map((f) => f.FileSystemId)).not.toContain(first.SharedFileSystemId)
    // The first environment's own snapshot is its own: still kept, still listed.
    expect(await pieces('keep')).toEqual([{kind: 'home-volume-snapshot', id: snapshotId, environment: 'keep', stackExists: false}])
  }, 240_000)

  it('a name with neither a stack nor kept data is still environment-not-found', async () => {
    const {envelope, code} = await cli('jupyter', 'destroy', 'nothing', '--delete-data', '--yes')
    expect(code).toBe(1)
    expect(envelope.error?.code).toBe('environment-not-found')
  })

  it('an update is claimed like a create: while another run updates an environment, a second update is environment-busy and changes nothing', async () => {
    const created = await cli('jupyter', 'deploy', '--domain', 'astronomy', '--name', 'busy', ...placement, '--yes', '--no-wait')
    expect(created.envelope.status, JSON.stringify(created.envelope)).toBe(0)
    // The claim another machine's update holds (what claimEnvironment writes).
    await (
      await clients.ssm()
    ).send(
      new PutParameterCommand({
        Name: '/arw/busy/creating',
        Type: 'String',
        Value: JSON.stringify({host: 'laptop-7', pid: 4242, since: new Date().toISOString(), operation: 'updating'}),
      }),
    )
    const {envelope, code} = await cli(
      'jupyter',
      'deploy',
      '--domain',
      'astronomy',
      '--name',
      'busy',
      ...placement,
      '--users',
      '3',
      '--yes',
      '--no-wait',
    )
    expect(code).toBe(1)
    expect(envelope.error?.code).toBe('environment-busy')
    expect(envelope.error?.message).toContain('another deploy is updating it (from laptop-7')
    const {Stacks = []} = await (await clients.cloudFormation()).send(new DescribeStacksCommand({StackName: 'arw-busy'}))
    expect(Stacks[0]?.LastUpdatedTime).toBeUndefined()
  }, 240_000)
})
