import {execFile} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {App, Stack, Validations} from 'aws-cdk-lib'
import * as s3 from 'aws-cdk-lib/aws-s3'
import {AwsSolutionsChecks} from 'cdk-nag'
import {beforeAll, describe, expect, it} from 'vitest'
import {classifyChanges, DATA_BEARING_TYPES, dataLossRisks} from '../../src/lib/diff/data-safety.js'
import {CLOUDFORMATION_LIMITS, type SynthesisResult, synthesize} from '../../src/lib/synth/synthesize.js'
import {SHIPPED_PACKS, specFor} from '../helpers/specs.js'

const run = promisify(execFile)

/** Every shipped pack synthesized once, with cdk-nag, into its own assembly. */
const synthesized = new Map<string, SynthesisResult>()
/** The private-access variant (no CloudFront or Cognito) is checked like the packs. */
let privateVariant: SynthesisResult

beforeAll(async () => {
  for (const pack of SHIPPED_PACKS) {
    const spec = await specFor(pack, {sharedStorage: '500GB', monthlyBudgetUsd: 300})
    synthesized.set(
      pack,
      await synthesize([spec], {outdir: mkdtempSync(join(tmpdir(), `synth-${pack}-`)), validateTemplates: false, nag: true}),
    )
  }
  const privateSpec = await specFor('genomics', {access: 'private', sharedStorage: '500GB', monthlyBudgetUsd: 300})
  privateVariant = await synthesize([privateSpec], {
    outdir: mkdtempSync(join(tmpdir(), 'synth-private-')),
    validateTemplates: false,
    nag: true,
  })
}, 300_000)

it('private access synthesizes with zero unacknowledged cdk-nag errors', () => {
  expect(privateVariant.findings.filter((f) => f.level === 'error')).toEqual([])
})

describe.each(SHIPPED_PACKS)('pack %s', (pack) => {
  it('synthesizes with zero unacknowledged cdk-nag AwsSolutions errors and no error annotations', () => {
    const result = synthesized.get(pack)!
    expect(result.findings.filter((f) => f.level === 'error')).toEqual([])
  })

  it('matches its template snapshot', () => {
    expect(synthesized.get(pack)!.stacks[0]!.template).toMatchSnapshot()
  })
})

describe('cdk-nag wiring', () => {
  it('reports an unacknowledged violation (negative control)', async () => {
    process.env.CDK_VALIDATION = 'false'
    const app = new App({outdir: mkdtempSync(join(tmpdir(), 'nag-')), context: {'@aws-cdk/core:failSynthOnValidationErrors': false}})
    new s3.Bucket(new Stack(app, 'Control'), 'Unlogged')
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
    const assembly = app.synth()
    const {readFileSync} = await import('node:fs')
    const report = readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')
    expect(report).toContain('AwsSolutions-S1')
  })
})

describe('CloudFormation checks', () => {
  it('cfn-lint passes every synthesized template with no errors or warnings', async () => {
    const files = [...synthesized.values(), privateVariant].map((r) => r.stacks[0]!.templateFile)
    const result = await run('cfn-lint', ['--format', 'parseable', '--', ...files]).catch(
      (error: {stdout: string; stderr: string; code: number}) => error,
    )
    const output = 'stdout' in result ? `${result.stdout}${result.stderr}` : ''
    expect(output.trim()).toBe('')
  }, 180_000)

  it('stays within CloudFormation limits for the largest pack', () => {
    const stacks = [...synthesized.values()].map((r) => r.stacks[0]!)
    const largest = stacks.sort((a, b) => b.templateBytes - a.templateBytes)[0]!
    expect(largest.resourceCount).toBeLessThan(CLOUDFORMATION_LIMITS.maxResources)
    expect(largest.templateBytes).toBeLessThan(CLOUDFORMATION_LIMITS.maxTemplateBytes)
    // Templates over 51,200 bytes must be uploaded to S3 rather than sent inline; the deploy engine does that.
    expect(Object.keys(largest.template.Outputs ?? {}).length).toBeLessThan(CLOUDFORMATION_LIMITS.maxOutputs)
  })

  it("passes aws-cdk-lib's own template validation (the check a real deploy runs)", async () => {
    const spec = await specFor('machine-learning', {sharedStorage: '1TB', monthlyBudgetUsd: 300})
    const result = await synthesize([spec], {outdir: mkdtempSync(join(tmpdir(), 'validate-')), validateTemplates: true, nag: false})
    expect(result.findings.filter((f) => f.level === 'error')).toEqual([])
  }, 120_000)
})

describe('data-bearing resources survive updates', () => {
  it.each(SHIPPED_PACKS)(
    '%s: changing users and instance type replaces no volume, file system, bucket or user pool',
    async (pack) => {
      const base = await specFor(pack, {sharedStorage: '500GB'})
      const allowed = base.pack.instance.allowed_types ?? [base.instance.type]
      const otherType = allowed.find((t) => t !== base.instance.type) ?? base.instance.type
      const variants = [
        await specFor(pack, {sharedStorage: '500GB', users: 2}),
        await specFor(pack, {sharedStorage: '500GB', users: Math.min(base.pack.users.max ?? 50, 12)}),
        await specFor(pack, {sharedStorage: '500GB', instanceType: otherType}),
        await specFor(pack, {sharedStorage: '500GB', instanceType: otherType, users: 3}),
      ]
      const outdir = mkdtempSync(join(tmpdir(), `variants-${pack}-`))
      const baseTemplate = (await synthesize([base], {outdir: join(outdir, 'base'), validateTemplates: false, nag: false})).stacks[0]!
        .template
      for (const [index, variant] of variants.entries()) {
        const next = (await synthesize([variant], {outdir: join(outdir, String(index)), validateTemplates: false, nag: false})).stacks[0]!
          .template
        const changes = classifyChanges(baseTemplate, next)
        expect(dataLossRisks(changes), `${pack} variant ${index}: ${JSON.stringify(changes)}`).toEqual([])
        // The data-bearing resources are all still there, under the same logical ids.
        for (const type of DATA_BEARING_TYPES) {
          const ids = (t: typeof next) =>
            Object.entries(t.Resources)
              .filter(([, r]) => r.Type === type)
              .map(([id]) => id)
          expect(ids(next)).toEqual(ids(baseTemplate))
        }
        if (variant.instance.type !== base.instance.type) {
          // The change is real: the instance itself is updated (stop/start), not just nothing.
          expect(changes.some((c) => c.type === 'AWS::EC2::Instance' && c.properties.includes('InstanceType'))).toBe(true)
        }
      }
    },
    120_000,
  )

  it('flags the replacement of a data-bearing resource (control)', async () => {
    const base = (
      await synthesize([await specFor('genomics', {sharedStorage: '1TB'})], {
        outdir: mkdtempSync(join(tmpdir(), 'control-')),
        validateTemplates: false,
        nag: false,
      })
    ).stacks[0]!.template
    const next = structuredClone(base)
    for (const resource of Object.values(next.Resources)) {
      if (resource.Type === 'AWS::EFS::FileSystem') resource.Properties = {...resource.Properties, PerformanceMode: 'maxIO'}
      if (resource.Type === 'AWS::S3::Bucket') resource.Properties = {...resource.Properties, BucketName: 'renamed-notebooks'}
    }
    const risks = dataLossRisks(classifyChanges(base, next))
    expect(risks.map((r) => r.type).sort()).toEqual(['AWS::EFS::FileSystem', 'AWS::S3::Bucket'])
  })
})
