import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {synthesize} from '../../src/lib/synth/synthesize.js'
import {specFor} from '../helpers/specs.js'

type Resource = {Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; DependsOn?: string[]}

async function template(overrides: Parameters<typeof specFor>[1]) {
  const spec = await specFor('genomics', overrides)
  const {stacks, findings} = await synthesize([spec], {
    outdir: mkdtempSync(join(tmpdir(), 'restore-')),
    validateTemplates: false,
    nag: true,
  })
  const resources = stacks[0]!.template.Resources as Record<string, Resource>
  const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type)
  return {spec, resources, ofType, findings, json: JSON.stringify(stacks[0]!.template)}
}

describe('an environment restored from kept data', () => {
  it('references the kept volume, file system and bucket instead of creating storage, and never owns them', async () => {
    const {ofType, json, spec, findings} = await template({
      restore: {
        from: 'old',
        homeVolumeId: 'vol-0123456789abcdef0',
        homeSizeGiB: 500,
        availabilityZone: 'us-east-1b',
        sharedFileSystemId: 'fs-0123abcd',
        notebookBucket: 'arw-old-notebooks',
      },
    })
    expect(ofType('AWS::EC2::Volume')).toEqual([])
    expect(ofType('AWS::EFS::FileSystem')).toEqual([])
    expect(ofType('AWS::S3::Bucket')).toEqual([])
    // The kept file system has no mount target left: the stack adds one in the hub subnet.
    expect(ofType('AWS::EFS::MountTarget')).toEqual([
      expect.objectContaining({Properties: expect.objectContaining({FileSystemId: 'fs-0123abcd'})}),
    ])
    // The hub attaches exactly that volume, mounts that file system and writes to that bucket.
    expect(json).toContain('vol-0123456789abcdef0')
    expect(json).toContain('arn:", {"Ref": "AWS::Partition"}, ":s3:::arw-old-notebooks'.replace(/ /g, ''))
    // A new network is placed in the kept volume's zone.
    expect(ofType('AWS::EC2::Subnet').map((s) => s.Properties?.AvailabilityZone)).toEqual(['us-east-1b', 'us-east-1b'])
    expect(spec.storage.homeVolumeGiB).toBe(500)
    // The restore is part of the deploy record: scale, diff and a later deploy keep it.
    expect(JSON.parse(JSON.parse(json).Metadata.AwsResearchWizard).overrides.restore).toMatchObject({homeVolumeId: 'vol-0123456789abcdef0'})
    expect(findings.filter((f) => f.level === 'error')).toEqual([])
  }, 60_000)

  it('makes a new volume from a kept snapshot in the hub zone, at least as large as the snapshot', async () => {
    const {ofType} = await template({restore: {from: 'old', homeSnapshotId: 'snap-0123456789abcdef0', homeSizeGiB: 700}})
    const [volume] = ofType('AWS::EC2::Volume')
    expect(volume).toMatchObject({DeletionPolicy: 'Snapshot', Properties: {SnapshotId: 'snap-0123456789abcdef0', Size: 700}})
    expect(volume!.Properties!.Tags).toContainEqual({Key: 'aws-research-wizard:data', Value: 'home'})
  }, 60_000)

  it('tags every piece it creates with the environment and what it holds', async () => {
    const {ofType} = await template({})
    const tags = (r: Resource | undefined, key = 'Tags') => r?.Properties?.[key] as {Key: string; Value: string}[]
    for (const [resource, key, data] of [
      [ofType('AWS::EC2::Volume')[0], 'Tags', 'home'],
      [ofType('AWS::EFS::FileSystem')[0], 'FileSystemTags', 'shared'],
      [ofType('AWS::S3::Bucket')[0], 'Tags', 'notebooks'],
    ] as const) {
      expect(tags(resource, key)).toContainEqual({Key: 'aws-research-wizard:environment', Value: 'lab1'})
      expect(tags(resource, key)).toContainEqual({Key: 'aws-research-wizard:data', Value: data})
    }
    expect(ofType('AWS::Cognito::UserPool')[0]!.Properties!.UserPoolTags).toMatchObject({'aws-research-wizard:environment': 'lab1'})
  }, 60_000)
})
