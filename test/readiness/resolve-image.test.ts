import {DescribeImagesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {GetParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'
import {failure} from '../helpers/errors.js'
import {IMAGE_PARAMETERS} from '../../src/lib/image/image-parameters.js'
import {recordedImage, resolveImage} from '../../src/lib/image/resolve-image.js'
import type {HubImage} from '../../src/lib/image/types.js'

const ssm = mockClient(SSMClient)
const ec2 = mockClient(EC2Client)
const UBUNTU = IMAGE_PARAMETERS.ubuntu.x86_64
const OLD = 'ami-00000000000000001'
const NEW = 'ami-00000000000000002'

const clients = () => ({ssm: new SSMClient({region: 'us-east-1'}), ec2: new EC2Client({region: 'us-east-1'})})

function images(...list: {id: string; name?: string; arch?: string; date?: string}[]) {
  for (const i of list) {
    ec2.on(DescribeImagesCommand, {ImageIds: [i.id]}).resolves({
      Images: [{ImageId: i.id, Name: i.name ?? `image-${i.id}`, Architecture: (i.arch ?? 'x86_64') as 'x86_64', CreationDate: i.date}],
    })
  }
}

beforeEach(() => {
  ssm.reset()
  ec2.reset()
})

describe('resolveImage', () => {
  it('first deploy: reads the public parameter once and names the image', async () => {
    ssm.on(GetParameterCommand, {Name: UBUNTU}).resolves({Parameter: {Value: NEW}})
    images({id: NEW, name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250610', date: '2025-06-10T08:00:00.000Z'})
    const image = await resolveImage({...clients(), architecture: 'x86_64', gpu: false})
    expect(image).toEqual({
      imageId: NEW,
      name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250610',
      creationDate: '2025-06-10T08:00:00.000Z',
      source: 'parameter',
      parameter: UBUNTU,
      reason: `newest image named by ${UBUNTU}`,
      replacesInstance: false,
      warnings: [],
    })
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1)
  })

  it('reads the Deep Learning AMI parameter for GPU types, per architecture', async () => {
    ssm.on(GetParameterCommand).resolves({Parameter: {Value: NEW}})
    images({id: NEW, arch: 'arm64'})
    await resolveImage({...clients(), architecture: 'arm64', gpu: true})
    expect(ssm.commandCalls(GetParameterCommand)[0]!.args[0].input.Name).toBe(IMAGE_PARAMETERS.deepLearning.arm64)
  })

  it('update: reuses the recorded image and never reads the parameter, even if a newer image is out', async () => {
    ssm.on(GetParameterCommand).resolves({Parameter: {Value: NEW}})
    images({id: OLD, name: 'ubuntu-old', date: '2025-01-02T00:00:00.000Z'})
    const recorded: HubImage = {imageId: OLD, source: 'pinned', parameter: UBUNTU, creationDate: '2025-01-02T00:00:00.000Z'}
    const image = await resolveImage({...clients(), architecture: 'x86_64', gpu: false, recorded})
    expect(image).toMatchObject({imageId: OLD, name: 'ubuntu-old', source: 'pinned', parameter: UBUNTU, replacesInstance: false})
    expect(image.reason).toContain('pinned at an earlier deploy (image of 2025-01-02)')
    expect(ssm.calls()).toHaveLength(0)
  })

  it('--update-image: resolves again and says the hub will be replaced', async () => {
    ssm.on(GetParameterCommand).resolves({Parameter: {Value: NEW}})
    images({id: NEW})
    const recorded: HubImage = {imageId: OLD, source: 'pinned', parameter: UBUNTU}
    const image = await resolveImage({...clients(), architecture: 'x86_64', gpu: false, recorded, updateImage: true})
    expect(image).toMatchObject({imageId: NEW, source: 'parameter', replacesInstance: true})
  })

  it('--update-image when nothing newer exists: no replacement', async () => {
    ssm.on(GetParameterCommand).resolves({Parameter: {Value: OLD}})
    images({id: OLD})
    const image = await resolveImage({
      ...clients(),
      architecture: 'x86_64',
      gpu: false,
      recorded: {imageId: OLD, source: 'pinned'},
      updateImage: true,
    })
    expect(image).toMatchObject({imageId: OLD, source: 'parameter', replacesInstance: false})
  })

  it('a change to a GPU type resolves the Deep Learning AMI instead of reusing Ubuntu', async () => {
    ssm.on(GetParameterCommand).resolves({Parameter: {Value: NEW}})
    images({id: NEW})
    const image = await resolveImage({
      ...clients(),
      architecture: 'x86_64',
      gpu: true,
      recorded: {imageId: OLD, source: 'pinned', parameter: UBUNTU},
    })
    expect(image).toMatchObject({imageId: NEW, parameter: IMAGE_PARAMETERS.deepLearning.x86_64, replacesInstance: true})
    expect(image.warnings[0]).toContain(`came from ${UBUNTU}`)
  })

  it('a recorded image of the wrong architecture is not reused', async () => {
    ssm.on(GetParameterCommand).resolves({Parameter: {Value: NEW}})
    images({id: OLD, arch: 'x86_64'}, {id: NEW, arch: 'arm64'})
    const image = await resolveImage({...clients(), architecture: 'arm64', gpu: false, recorded: {imageId: OLD, source: 'pinned'}})
    expect(image).toMatchObject({imageId: NEW, source: 'parameter', replacesInstance: true})
    expect(image.warnings[0]).toContain('is x86_64')
  })

  it('keeps a recorded image that was deregistered (a new id would replace the hub), with a warning', async () => {
    ec2.on(DescribeImagesCommand).rejects(Object.assign(new Error('gone'), {name: 'InvalidAMIID.NotFound'}))
    const image = await resolveImage({
      ...clients(),
      architecture: 'x86_64',
      gpu: false,
      recorded: {imageId: OLD, source: 'pinned', parameter: UBUNTU},
    })
    expect(image).toMatchObject({imageId: OLD, source: 'pinned', replacesInstance: false})
    expect(image.warnings[0]).toContain('no longer available')
    expect(ssm.calls()).toHaveLength(0)
  })

  it('--ami-id wins over the record and the parameter, and is checked', async () => {
    images({id: 'ami-0123456789abcdef0', name: 'lab-prebaked'})
    const image = await resolveImage({
      ...clients(),
      architecture: 'x86_64',
      gpu: false,
      amiId: 'ami-0123456789abcdef0',
      recorded: {imageId: OLD, source: 'pinned'},
    })
    expect(image).toMatchObject({imageId: 'ami-0123456789abcdef0', name: 'lab-prebaked', source: 'flag', replacesInstance: true})
    expect(image).not.toHaveProperty('parameter')
    expect(ssm.calls()).toHaveLength(0)
  })

  it('--ami-id that does not exist, or of the wrong architecture, is a usage error', async () => {
    ec2.on(DescribeImagesCommand).resolves({Images: []})
    const missing = await failure(resolveImage({...clients(), architecture: 'x86_64', gpu: false, amiId: 'ami-0123456789abcdef0'}))
    expect(missing).toMatchObject({code: 'image-not-found', exitCode: 2})
    ec2.reset()
    images({id: 'ami-0123456789abcdef0', arch: 'arm64'})
    const wrong = await failure(resolveImage({...clients(), architecture: 'x86_64', gpu: false, amiId: 'ami-0123456789abcdef0'}))
    expect(wrong).toMatchObject({code: 'image-architecture-mismatch', exitCode: 2})
  })

  it('a region without the public parameter names the parameter and the way out', async () => {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), {name: 'ParameterNotFound'}))
    const error = await failure(resolveImage({...clients(), architecture: 'arm64', gpu: true}))
    expect(error.code).toBe('image-not-available')
    expect(error.message).toContain(IMAGE_PARAMETERS.deepLearning.arm64)
    expect(error.actions.join(' ')).toContain('--ami-id')
  })

  it('access denied on the parameter is a credentials error (exit 4)', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(
        Object.assign(new Error('User: x is not authorized to perform: ssm:GetParameter on resource: y'), {name: 'AccessDeniedException'}),
      )
    const error = await failure(resolveImage({...clients(), architecture: 'x86_64', gpu: false}))
    expect(error).toMatchObject({code: 'access-denied', exitCode: 4})
    expect(error.message).toContain('ssm:GetParameter')
  })
})

describe('recordedImage', () => {
  it.each([
    ['no record', undefined, undefined],
    ['a record from before images were pinned', {version: 1, domain: 'genomics'}, undefined],
    ['not an AMI id', {image: {imageId: 'ubuntu'}}, undefined],
    ['an image', {image: {imageId: OLD, parameter: UBUNTU, name: 'n'}}, {imageId: OLD, source: 'pinned', parameter: UBUNTU, name: 'n'}],
    ['odd fields dropped', {image: {imageId: OLD, name: 42, parameter: 'x'.repeat(1000)}}, {imageId: OLD, source: 'pinned'}],
  ])('%s', (_name, record, expected) => {
    expect(recordedImage(record)).toEqual(expected)
  })
})
