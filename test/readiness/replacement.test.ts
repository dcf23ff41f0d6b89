import {App} from 'aws-cdk-lib'
import {Template} from 'aws-cdk-lib/assertions'
import {describe, expect, it} from 'vitest'
import {ResearchEnvironmentStack} from '../../src/constructs/research-environment-stack.js'
import {classifyChanges, type ResourceChange} from '../../src/lib/diff/data-safety.js'
import type {HubImage} from '../../src/lib/image/types.js'
import {describeReplacement} from '../../src/lib/readiness/replacement.js'
import type {EnvironmentSpec} from '../../src/lib/spec/types.js'
import {specFor} from '../helpers/specs.js'

process.env.CDK_VALIDATION = 'false'

const change = (impact: ResourceChange['impact'], properties: string[], type = 'AWS::EC2::Instance'): ResourceChange => ({
  logicalId: 'Hub36E1280D',
  type,
  impact,
  dataBearing: false,
  properties,
})

describe('describeReplacement', () => {
  it.each([
    ['a replacement', change('replace', ['ImageId']), 'replace', /will be replaced on a new image \(ImageId changed\).*up to 66 minutes/],
    [
      'a possible replacement',
      change('may-replace', ['BlockDeviceMappings']),
      'replace',
      /may be replaced \(BlockDeviceMappings changed\)/,
    ],
    ['an instance type change', change('update', ['InstanceType']), 'restart', /stopped and started \(InstanceType changed\)/],
    // What cloudformation-diff reports for InstanceType (conditional in the resource spec): the EBS-rooted hub restarts.
    ['an instance type change as the diff reports it', change('may-replace', ['InstanceType']), 'restart', /stopped and started/],
    ['new user data', change('update', ['UserData', 'Tags']), 'restart', /stopped and started \(UserData, Tags changed\)/],
    ['the instance removed', change('destroy', []), 'replace', /removed/],
  ])('%s', (_name, c, kind, message) => {
    const [disruption, ...rest] = describeReplacement([c], 66)
    expect(rest).toEqual([])
    expect(disruption).toMatchObject({logicalId: 'Hub36E1280D', kind})
    expect(disruption!.message).toMatch(message)
  })

  it.each([
    ['a tag change', change('update', ['Tags'])],
    ['no change', change('no-change', [])],
    ['another resource replaced', change('replace', ['Name'], 'AWS::SSM::Parameter')],
  ])('ignores %s', (_name, c) => {
    expect(describeReplacement([c])).toEqual([])
  })
})

describe('describeReplacement on real templates', () => {
  const synth = (spec: EnvironmentSpec, image?: HubImage) =>
    Template.fromStack(new ResearchEnvironmentStack(new App(), spec.stackName, {spec, stackName: spec.stackName, image})).toJSON()

  it('a newer image replaces the hub; the same pinned image changes nothing', async () => {
    const spec = await specFor('astronomy')
    const old = synth(spec, {imageId: 'ami-00000000000000001', source: 'parameter'})
    const same = synth(spec, {imageId: 'ami-00000000000000001', source: 'pinned'})
    const newer = synth(spec, {imageId: 'ami-00000000000000002', source: 'parameter'})
    expect(describeReplacement(classifyChanges(old, same))).toEqual([])
    const disruptions = describeReplacement(classifyChanges(old, newer))
    expect(disruptions).toEqual([expect.objectContaining({kind: 'replace', properties: ['ImageId']})])
  })
})
