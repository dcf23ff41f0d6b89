import {CloudFormationClient, DescribeStacksCommand} from '@aws-sdk/client-cloudformation'
import {CreateTagsCommand, EC2Client} from '@aws-sdk/client-ec2'
import {EFSClient, TagResourceCommand} from '@aws-sdk/client-efs'
import {GetBucketTaggingCommand, PutBucketTaggingCommand, S3Client} from '@aws-sdk/client-s3'
import {SSMClient} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {beforeEach, describe, expect, it, vi} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {specFor} from '../helpers/specs.js'

// The deploy is stopped right after the stack call would have started (Ctrl-C, expired
// credentials, a failed hub): what was done before it must already be done.
vi.mock('../../src/lib/deploy/engine.js', () => ({
  deployEnvironment: vi.fn(async (_spec: unknown, options: {beforeChange?: () => Promise<void>}) => {
    await options.beforeChange?.()
    throw new Error('interrupted')
  }),
}))
const {applyEnvironment} = await import('../../src/lib/lifecycle/apply.js')

const cfn = mockClient(CloudFormationClient)
const ec2 = mockClient(EC2Client)
const efs = mockClient(EFSClient)
const s3 = mockClient(S3Client)
const ssm = mockClient(SSMClient)
const clients = () => new AwsClients({region: 'us-east-1'})
const restore = {
  from: 'old',
  homeVolumeId: 'vol-0aaaaaaaaaaaaaaaa',
  homeSizeGiB: 200,
  sharedFileSystemId: 'fs-0ccccccc',
  notebookBucket: 'arw-old-notebooks',
}

beforeEach(() => {
  for (const client of [cfn, ec2, efs, s3, ssm]) client.reset()
  cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id arw-new does not exist'), {name: 'ValidationError'}))
  s3.on(GetBucketTaggingCommand).resolves({
    TagSet: [
      {Key: 'aws-research-wizard:environment', Value: 'old'},
      {Key: 'keep', Value: 'me'},
    ],
  })
})

describe('a restore into a new name', () => {
  it('gives the reused pieces the new name before the stack is created, so a deploy stopped later leaves none under the old name', async () => {
    const spec = await specFor('genomics', {name: 'new', restore})
    const outdir = mkdtempSync(join(tmpdir(), 'out-'))
    await expect(applyEnvironment(spec, {clients: clients(), outdir, validateTemplates: false})).rejects.toThrow('interrupted')
    const tag = {Key: 'aws-research-wizard:environment', Value: 'new'}
    expect(ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input)).toEqual([{Resources: [restore.homeVolumeId], Tags: [tag]}])
    expect(efs.commandCalls(TagResourceCommand).map((c) => c.args[0].input)).toEqual([
      {ResourceId: restore.sharedFileSystemId, Tags: [tag]},
    ])
    expect(s3.commandCalls(PutBucketTaggingCommand)[0]!.args[0].input).toEqual({
      Bucket: restore.notebookBucket,
      Tagging: {TagSet: [{Key: 'keep', Value: 'me'}, tag]},
    })
  })

  it('a restore into the same name retags nothing', async () => {
    const spec = await specFor('genomics', {name: 'new', restore: {...restore, from: 'new'}})
    const outdir = mkdtempSync(join(tmpdir(), 'out-'))
    await expect(applyEnvironment(spec, {clients: clients(), outdir, validateTemplates: false})).rejects.toThrow('interrupted')
    expect(ec2.commandCalls(CreateTagsCommand)).toHaveLength(0)
    expect(s3.commandCalls(PutBucketTaggingCommand)).toHaveLength(0)
  })
})
