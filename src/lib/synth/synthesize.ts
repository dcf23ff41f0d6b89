import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {EnvironmentSpec} from '../spec/types.js'
import type {HubImage} from '../image/types.js'
import {buildApp} from './build-app.js'

export interface SynthesizedStack {
  readonly stackName: string
  readonly templateFile: string
  readonly template: CloudFormationTemplate
  readonly resourceCount: number
  readonly templateBytes: number
}

export interface CloudFormationTemplate {
  Resources: Record<string, {Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string}>
  Outputs?: Record<string, {Value: unknown; Description?: string}>
  Parameters?: Record<string, unknown>
  [key: string]: unknown
}

/** A problem found while synthesizing: a construct annotation or a validation plugin rule. */
export interface SynthFinding {
  readonly source: 'annotation' | 'cdk-nag' | 'cfn-validate' | string
  readonly level: 'error' | 'warning' | 'info'
  readonly rule: string
  readonly message: string
  readonly constructPath?: string
}

export interface SynthesisResult {
  readonly outdir: string
  readonly stacks: readonly SynthesizedStack[]
  readonly findings: readonly SynthFinding[]
}

export interface SynthesizeOptions {
  readonly outdir: string
  /**
   * Run aws-cdk-lib's built-in CloudFormation validation (~2.5 s and ~300 MB per
   * process). Always on before a real deploy; off for plans, where the test suite
   * lints templates with cfn-lint instead.
   */
  readonly validateTemplates: boolean
  /** Run cdk-nag's AwsSolutions checks (lazy-loaded). */
  readonly nag: boolean
  readonly context?: Record<string, unknown>
  /** The hub image of each stack, by stack name (see BuildAppOptions.images). */
  readonly images?: Readonly<Record<string, HubImage>>
}

/** The number of CloudFormation quotas we check against (hard limits). */
export const CLOUDFORMATION_LIMITS = {maxResources: 500, maxTemplateBytes: 1_000_000, maxOutputs: 200} as const

export async function synthesize(specs: readonly EnvironmentSpec[], options: SynthesizeOptions): Promise<SynthesisResult> {
  const previous = process.env.CDK_VALIDATION
  process.env.CDK_VALIDATION = options.validateTemplates ? 'true' : 'false'
  try {
    const {app} = buildApp(specs, {outdir: options.outdir, context: options.context, images: options.images})
    if (options.nag) {
      const [{Validations}, {AwsSolutionsChecks}] = await Promise.all([import('aws-cdk-lib'), import('cdk-nag')])
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
    }
    const assembly = app.synth()
    const findings: SynthFinding[] = []
    const stacks = assembly.stacks.map((artifact): SynthesizedStack => {
      for (const message of artifact.messages) {
        const level = message.level === 'error' ? 'error' : message.level === 'warning' ? 'warning' : 'info'
        findings.push({source: 'annotation', level, rule: message.id, message: String(message.entry.data), constructPath: message.id})
      }
      const templateFile = join(assembly.directory, artifact.templateFile)
      const text = readFileSync(templateFile, 'utf8')
      const template = JSON.parse(text) as CloudFormationTemplate
      return {
        stackName: artifact.stackName,
        templateFile,
        template,
        resourceCount: Object.keys(template.Resources).length,
        templateBytes: Buffer.byteLength(JSON.stringify(template)),
      }
    })
    findings.push(...readValidationReport(assembly.directory))
    return {outdir: assembly.directory, stacks, findings: findings.filter((f) => !BY_DESIGN.test(`${f.rule} ${f.message}`))}
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION
    else process.env.CDK_VALIDATION = previous
  }
}

/**
 * Template-validation warnings about choices the wizard makes on purpose: the zone of an
 * existing subnet (--availability-zone) and a concrete image id (--ami-id, or the image
 * pinned at the first deploy so an update never replaces the hub). Nothing to act on.
 */
const BY_DESIGN = /\b(W3010|W9010)\b/

interface ReportViolation {
  ruleName: string
  description?: string
  severity?: string
  violatingConstructs?: {constructPath?: string}[]
}

function readValidationReport(directory: string): SynthFinding[] {
  const file = join(directory, 'validation-report.json')
  if (!existsSync(file)) return []
  const report = JSON.parse(readFileSync(file, 'utf8')) as {pluginReports?: {pluginName?: string; violations?: ReportViolation[]}[]}
  return (report.pluginReports ?? []).flatMap((pluginReport) =>
    (pluginReport.violations ?? []).flatMap((violation) =>
      (violation.violatingConstructs?.length ? violation.violatingConstructs : [{}]).map((construct): SynthFinding => ({
        source: pluginReport.pluginName === 'AwsSolutions' ? 'cdk-nag' : (pluginReport.pluginName ?? 'validation'),
        level: violation.severity === 'warning' ? 'warning' : violation.severity === 'info' ? 'info' : 'error',
        rule: violation.ruleName,
        message: violation.description ?? violation.ruleName,
        ...(construct.constructPath ? {constructPath: construct.constructPath} : {}),
      })),
    ),
  )
}
