import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {Template} from 'aws-cdk-lib/assertions'
import {describe, expect, it} from 'vitest'
import {buildApp, FEATURE_FLAG_EXCEPTIONS, FEATURE_FLAGS, RECOMMENDED_FEATURE_FLAGS} from '../../src/lib/synth/build-app.js'
import {PROJECT_ROOT} from '../helpers/run.js'
import {specFor} from '../helpers/specs.js'

const require = createRequire(import.meta.url)

describe('feature flags', () => {
  it("are aws-cdk-lib's own recommendation for new projects (what cdk init writes)", () => {
    const shipped = require('aws-cdk-lib/recommended-feature-flags.json') as Record<string, unknown>
    expect(RECOMMENDED_FEATURE_FLAGS).toEqual(shipped)
    expect(FEATURE_FLAGS['@aws-cdk/aws-ec2:uniqueImdsv2TemplateName']).toBe(true)
    // Exceptions are few and each overrides a flag aws-cdk-lib actually recommends.
    expect(Object.keys(FEATURE_FLAG_EXCEPTIONS).length).toBeLessThanOrEqual(2)
    for (const key of Object.keys(FEATURE_FLAG_EXCEPTIONS)) expect(shipped).toHaveProperty([key])
  })

  it('cdk.json carries the same flags (run scripts/sync-feature-flags.js after an aws-cdk-lib upgrade)', () => {
    const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {context: Record<string, unknown>}
    const {'@aws-cdk/core:failSynthOnValidationErrors': failSynth, ...flags} = cdkJson.context
    expect(failSynth).toBe(false)
    expect(flags).toEqual(FEATURE_FLAGS)
  })

  it('keep the wizard tags on the stack itself (explicitStackTags is among them)', async () => {
    const {app} = buildApp([await specFor('genomics', {name: 'course'})])
    const artifact = app.synth().getStackByName('arw-course')
    expect(artifact.tags).toMatchObject({
      'aws-research-wizard:environment': 'course',
      'aws-research-wizard:domain': 'genomics',
      'aws-research-wizard:owner': 'ada',
    })
  })

  it('give two environments in one account and region different launch template names', async () => {
    const specs = [await specFor('genomics', {name: 'course'}), await specFor('machine-learning', {name: 'gpu-box'})]
    const {stacks} = buildApp(specs)
    const names = stacks.map((stack) =>
      Object.values(Template.fromStack(stack).findResources('AWS::EC2::LaunchTemplate')).map(
        (resource) => (resource as {Properties: {LaunchTemplateName: unknown}}).Properties.LaunchTemplateName,
      ),
    )
    expect(names[0]).toHaveLength(1)
    expect(names[1]).toHaveLength(1)
    expect(names[0]![0]).not.toEqual('ResourceLaunchTemplate')
    expect(JSON.stringify(names[0]![0])).not.toEqual(JSON.stringify(names[1]![0]))
  })
})
