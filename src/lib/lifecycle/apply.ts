import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {AwsClients} from '../../aws/clients.js'
import {ExitCode, WizardError} from '../../errors.js'
import {deployEnvironment, type DeployOutcome} from '../deploy/engine.js'
import {classifyChanges, dataLossRisks, type ResourceChange} from '../diff/data-safety.js'
import {type ChangeSummary, resourceKind, summarizeChanges} from '../diff/describe.js'
import {type DeployedTemplate, readDeployedTemplate} from '../environments/deploy-record.js'
import {type EnvironmentRecord, getEnvironment} from '../environments/discover.js'
import {
  assertStillAsPrepared,
  environmentBusyError,
  foreignStackError,
  lookupStack,
  operationInProgress,
} from '../environments/ownership.js'
import {resolveSpec} from '../spec/resolve-spec.js'
import type {EnvironmentSpec, SpecOverrides} from '../spec/types.js'
import {assertNoBlockingFindings} from '../synth/checks.js'
import {type CloudFormationTemplate, type SynthesisResult, synthesize} from '../synth/synthesize.js'

export interface ChangePreview {
  readonly existing?: EnvironmentRecord
  readonly changes: readonly ResourceChange[]
  readonly risks: readonly ResourceChange[]
  /** The changes in words, with the instance type and monthly cost change. */
  readonly summary: ChangeSummary
}

/** Stack states from which an update cannot proceed. */
const BLOCKED_STATES = new Set(['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'DELETE_FAILED', 'UPDATE_ROLLBACK_FAILED'])

/** The wizard environment at arw-<name>, if any; a stack the wizard did not make is refused, never touched. */
async function findEnvironment(clients: AwsClients, name: string): Promise<EnvironmentRecord | undefined> {
  const claim = await lookupStack(clients, name)
  if (claim.kind === 'foreign') throw foreignStackError(claim.stackName, claim.stackStatus)
  return claim.kind === 'environment' ? claim.record : undefined
}

/** An environment as it runs now: its stack record and the template it was deployed with. */
export interface DeployedEnvironment {
  readonly environment: EnvironmentRecord
  readonly template: DeployedTemplate['template']
  /** The spec it was deployed with, rebuilt from its deploy record (absent when that pack no longer resolves). */
  readonly spec?: EnvironmentSpec
  /** The domain in the deploy record, to compare with the stack's tag. */
  readonly recordDomain?: string
}

/** The spec recorded in a deployed template, or undefined when it no longer resolves. */
function recordedSpec(record: DeployedTemplate['record']): EnvironmentSpec | undefined {
  return resolveSpec(record.domain, record.pack, record.overrides).spec
}

/** What replacing the deployed template with `next` would change; nothing for a new environment. */
export function previewChanges(
  deployed: DeployedEnvironment | undefined,
  next: CloudFormationTemplate,
  spec: EnvironmentSpec,
): ChangePreview {
  if (!deployed) return {changes: [], risks: [], summary: summarizeChanges([], spec)}
  const changes = classifyChanges(deployed.template, next).filter((c) => c.impact !== 'no-change')
  return {existing: deployed.environment, changes, risks: dataLossRisks(changes), summary: summarizeChanges(changes, spec, deployed.spec)}
}

export interface ApplyOptions {
  readonly clients: AwsClients
  /** Where the cloud assembly is synthesized (and deployed from). */
  readonly outdir: string
  /** The assembly of this spec when the caller already synthesized it (the deploy plan). */
  readonly synthesis?: SynthesisResult
  /** The environment as it runs now, when the caller already read it (scale). */
  readonly deployed?: DeployedEnvironment
  /**
   * Run aws-cdk-lib's template validation when synthesizing here.
   * @default true - as before every real deploy
   */
  readonly validateTemplates?: boolean
  readonly allowReplacement?: boolean
  /** Asked (by applyEnvironment) before a create or an update is applied; absent means "yes". */
  readonly confirm?: (preview: ChangePreview) => Promise<boolean>
  readonly onProgress?: (line: string) => void
  readonly onWarning?: (message: string) => void
  /** Pass the deploy toolkit's own messages on (--verbose). */
  readonly verbose?: boolean
}

export interface ApplyResult {
  readonly environment: string
  readonly created: boolean
  readonly changes: readonly ResourceChange[]
  readonly outputs: Record<string, string>
  readonly applied: boolean
}

/**
 * Creates or updates an environment safely: refuses to take over an environment of
 * another domain, refuses stacks stuck after a failed create, and refuses updates
 * that would replace a data-bearing resource unless explicitly allowed.
 */
export async function applyEnvironment(spec: EnvironmentSpec, options: ApplyOptions): Promise<ApplyResult> {
  const prepared = await prepareApply(spec, options)
  if (needsConfirmation(prepared) && options.confirm && !(await options.confirm(prepared.preview))) throw applyCancelled()
  return executeApply(prepared, options)
}

/** An apply that passed every check and knows what it would change. */
export interface PreparedApply {
  readonly spec: EnvironmentSpec
  readonly existing?: EnvironmentRecord
  readonly synthesis: SynthesisResult
  readonly preview: ChangePreview
}

/** Creates and updates with changes are confirmed first (both bill); no-op updates are not. */
export function needsConfirmation(prepared: PreparedApply): boolean {
  return !prepared.existing || prepared.preview.changes.length > 0
}

/** A person said no: not a failure (exit 0), and nothing changed. */
export function applyCancelled(): WizardError {
  return new WizardError({code: 'cancelled', message: 'Cancelled, nothing changed.', actions: [], exitCode: ExitCode.ok})
}

/**
 * Everything before the deploy: the existing-stack checks, one synthesis, the preview
 * and the data-replacement refusal. Separate from executeApply() so that a command
 * can ask its question between the two, outside any progress display.
 */
export async function prepareApply(spec: EnvironmentSpec, options: ApplyOptions): Promise<PreparedApply> {
  const {clients} = options
  options.onProgress?.(`checking for an existing ${spec.stackName}`)
  const existing = options.deployed?.environment ?? (await findEnvironment(clients, spec.name))
  if (existing) {
    if (existing.domain && existing.domain !== spec.domain) {
      throw new WizardError({
        code: 'environment-exists',
        message: `An environment named "${spec.name}" already exists in ${existing.region} with the ${existing.domain} pack; this deploy asked for ${spec.domain}.`,
        actions: [`Choose another --name, or destroy the existing one first: aws-research-wizard jupyter destroy ${spec.name}`],
        exitCode: ExitCode.usage,
      })
    }
    if (BLOCKED_STATES.has(existing.stackStatus)) {
      throw new WizardError({
        code: 'stack-not-updatable',
        message: `Stack ${existing.stackName} is in ${existing.stackStatus}${existing.stackStatusReason ? ` (${existing.stackStatusReason})` : ''} and cannot be updated.`,
        actions: [
          existing.stackStatus === 'ROLLBACK_COMPLETE'
            ? `Its first creation failed; remove it with: aws-research-wizard jupyter destroy ${spec.name} (retained data stays), then deploy again.`
            : `Inspect it with: aws cloudformation describe-stack-events --stack-name ${existing.stackName}`,
        ],
        exitCode: ExitCode.deployFailed,
      })
    }
    if (operationInProgress(existing.stackStatus)) throw environmentBusyError(existing)
  }
  const deployed = existing && (options.deployed ?? (await readDeployed(clients, existing)))
  // The deploy record must agree with the tags: a stack relabelled by hand is not ours to change.
  if (deployed && existing?.domain && deployed.recordDomain && deployed.recordDomain !== existing.domain)
    throw foreignStackError(existing.stackName, existing.stackStatus)
  // One synthesis serves the preview and the deploy.
  const synthesis =
    options.synthesis ??
    (await synthesize([spec], {outdir: options.outdir, validateTemplates: options.validateTemplates ?? true, nag: false}))
  assertNoBlockingFindings(synthesis.findings)
  const preview = previewChanges(deployed, synthesis.stacks[0]!.template, spec)
  if (preview.risks.length > 0 && !options.allowReplacement) {
    throw new WizardError({
      code: 'data-replacement-refused',
      message: `This change would replace data-bearing resources:\n${preview.risks.map((r) => `  ${resourceKind(r.type)} (${r.impact}; changed: ${r.properties.join(', ') || 'n/a'})`).join('\n')}`,
      actions: ['Undo the change that causes it, or back up and pass --allow-replacement if losing that data is intended.'],
      exitCode: ExitCode.usage,
      data: {risks: preview.risks},
    })
  }
  return {spec, ...(existing ? {existing} : {}), synthesis, preview}
}

/** Deploys a prepared apply (nothing happens when an existing stack has no changes). */
export async function executeApply(prepared: PreparedApply, options: Omit<ApplyOptions, 'confirm'>): Promise<ApplyResult> {
  const {spec, existing, synthesis, preview} = prepared
  if (existing && preview.changes.length === 0) {
    return {environment: spec.name, created: false, changes: [], outputs: {...existing.outputs} as Record<string, string>, applied: false}
  }
  const outcome: DeployOutcome = await deployEnvironment(spec, {
    clients: options.clients,
    // Right before the stack is created or the change set executed (assets already published).
    beforeChange: () => assertStillAsPrepared(options.clients, spec.name, existing),
    outdir: synthesis.outdir,
    update: Boolean(existing),
    onProgress: options.onProgress,
    onWarning: options.onWarning,
    verbose: options.verbose,
    confirm: async () => true,
  })
  return {environment: spec.name, created: !existing, changes: preview.changes, outputs: outcome.outputs, applied: true}
}

/**
 * Rebuilds the spec an environment was deployed with, optionally changed by `changes`,
 * and returns the environment as it runs now alongside (one DescribeStacks, one GetTemplate).
 */
export async function respecFromDeployed(
  clients: AwsClients,
  name: string,
  changes: Partial<SpecOverrides>,
): Promise<{spec: EnvironmentSpec; deployed: DeployedEnvironment}> {
  const environment = await getEnvironment(clients, name)
  const {record, template} = await readDeployedTemplate(clients, environment.stackName)
  const overrides: SpecOverrides = {...record.overrides, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined))}
  // A new type chosen explicitly wins over sizing; new users alone re-size within the pack.
  if (changes.users !== undefined && changes.instanceType === undefined) delete (overrides as {instanceType?: string}).instanceType
  const {spec, findings} = resolveSpec(record.domain, record.pack, overrides)
  if (!spec) {
    const errors = findings.filter((f) => f.level === 'error')
    throw new WizardError({
      code: 'invalid-environment',
      message: `The ${record.domain} pack of ${name} does not allow this change:\n${errors.map((f) => `  ${f.code}: ${f.message}\n    fix: ${f.remedy}`).join('\n')}`,
      actions: errors.map((f) => f.remedy),
      exitCode: ExitCode.usage,
      data: {findings},
    })
  }
  return {spec, deployed: {environment, template, recordDomain: record.domain, ...optional('spec', recordedSpec(record))}}
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({[key]: value} as Record<K, V>)
}

async function readDeployed(clients: AwsClients, environment: EnvironmentRecord): Promise<DeployedEnvironment> {
  const {record, template} = await readDeployedTemplate(clients, environment.stackName)
  return {environment, template, recordDomain: record.domain, ...optional('spec', recordedSpec(record))}
}

/** What a redeploy (with `changes`) would do to an environment, without deploying. */
export async function diffEnvironment(clients: AwsClients, name: string, changes: Partial<SpecOverrides>): Promise<ChangePreview> {
  const {spec, deployed} = await respecFromDeployed(clients, name, changes)
  // A scratch assembly only for the comparison: removed whatever happens.
  const outdir = mkdtempSync(join(tmpdir(), 'arw-diff-'))
  try {
    const synthesis = await synthesize([spec], {outdir, validateTemplates: false, nag: false})
    return previewChanges(deployed, synthesis.stacks[0]!.template, spec)
  } finally {
    rmSync(outdir, {recursive: true, force: true})
  }
}
