import {claimEnvironment} from '../environments/creation-lock.js'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {AwsClients} from '../../aws/clients.js'
import {ExitCode, WizardError} from '../../errors.js'
import {adoptRestoredData} from '../data/restore.js'
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
import type {DeployTarget} from '../deploy/plan-environment.js'
import {imageParameterFor} from '../image/image-parameters.js'
import {recordedImage, resolveImage} from '../image/resolve-image.js'
import type {HubImage} from '../image/types.js'
import type {BootStatus} from '../readiness/boot-status.js'
import {bootTimeoutMinutes} from '../readiness/boot-timeout.js'
import {hubLogGroupName, OUTPUTS} from '../../constructs/contract.js'
import {followHub, type HubClients, hubFailureAfterDeployFailure, isHubFailure} from '../readiness/follow-hub.js'
import {waitForHub} from '../readiness/wait-for-hub.js'
import {describeReplacement, type HubDisruption} from '../readiness/replacement.js'
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
  /** What the update does to the running hub (replaced or restarted), for the preview. */
  readonly hub: readonly HubDisruption[]
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
  /** The hub image the deploy record pinned (absent in records older than image pinning). */
  readonly image?: HubImage
}

/** The spec recorded in a deployed template, or undefined when it no longer resolves. */
function recordedSpec(record: DeployedTemplate['record']): EnvironmentSpec | undefined {
  return resolveSpec(record.domain, record.pack, record.overrides, record.exampleNotebooks).spec
}

/** What replacing the deployed template with `next` would change; nothing for a new environment. */
export function previewChanges(
  deployed: DeployedEnvironment | undefined,
  next: CloudFormationTemplate,
  spec: EnvironmentSpec,
): ChangePreview {
  if (!deployed) return {changes: [], risks: [], summary: summarizeChanges([], spec), hub: []}
  const changes = classifyChanges(deployed.template, next).filter((c) => c.impact !== 'no-change')
  return {
    existing: deployed.environment,
    changes,
    risks: dataLossRisks(changes),
    summary: summarizeChanges(changes, spec, deployed.spec),
    hub: describeReplacement(changes, bootTimeoutMinutes(spec)),
  }
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
   * The hub image to pin when synthesizing here.
   * @default - the image the deployed environment recorded, so an update never falls back to the public parameter
   */
  readonly image?: HubImage
  /**
   * Follow the hub's boot on a create or when the update replaces the instance: each
   * status to onStatus during the deploy and, with `wait`, until the hub answers
   * (bootTimeoutMinutes). A hub that reports `failed` turns the failure into hub-not-ready.
   * @default - the hub is not followed
   */
  readonly hub?: {readonly wait: boolean; readonly onStatus?: (status: BootStatus) => void; readonly intervalMs?: number}
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
  /** The hub's last boot status seen (with options.hub): `ready` when the deploy waited for it. */
  readonly hub?: BootStatus
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
  return !prepared.existing || prepared.preview.changes.length > 0 || prepared.preview.hub.length > 0
}

/** The synthesize option pinning the hub image of `spec`, if there is one. */
function pinned(spec: EnvironmentSpec, image: HubImage | undefined): {images?: Record<string, HubImage>} {
  return image ? {images: {[spec.stackName]: image}} : {}
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
  if (existing) assertUpdatable(existing, spec)
  const deployed = existing && (options.deployed ?? (await readDeployed(clients, existing)))
  // The deploy record must agree with the tags: a stack relabelled by hand is not ours to change.
  if (deployed && existing?.domain && deployed.recordDomain && deployed.recordDomain !== existing.domain)
    throw foreignStackError(existing.stackName, existing.stackStatus)
  // One synthesis serves the preview and the deploy.
  const synthesis =
    options.synthesis ??
    (await synthesize([spec], {
      outdir: options.outdir,
      validateTemplates: options.validateTemplates ?? true,
      nag: false,
      ...pinned(spec, options.image ?? deployed?.image),
    }))
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

/** Refuses an existing stack of another domain, one stuck after a failed create, or one busy. */
function assertUpdatable(existing: EnvironmentRecord, spec: EnvironmentSpec): void {
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

/** Clients for following the hub's boot. */
async function hubClients(clients: AwsClients): Promise<HubClients> {
  const [cloudFormation, ssm, logs] = await Promise.all([clients.cloudFormation(), clients.ssm(), clients.logs()])
  return {cloudFormation, ssm, logs}
}

/**
 * What a real deploy needs before synthesis: the environment as it runs now (checked
 * like prepareApply checks it) and the hub image, resolved once at the first deploy
 * and reused from the deploy record afterwards unless `updateImage`.
 */
export async function resolveDeployTarget(
  clients: AwsClients,
  spec: EnvironmentSpec,
  options: {readonly updateImage?: boolean} = {},
): Promise<DeployTarget> {
  const existing = await findEnvironment(clients, spec.name)
  if (existing) assertUpdatable(existing, spec)
  const deployed = existing && (await readDeployed(clients, existing))
  const [ssm, ec2] = await Promise.all([clients.ssm(), clients.ec2()])
  const image = await resolveImage({
    ssm,
    ec2,
    architecture: spec.instance.architecture,
    gpu: spec.instance.gpu,
    ...(spec.instance.amiId ? {amiId: spec.instance.amiId} : {}),
    ...(deployed?.image ? {recorded: deployed.image} : {}),
    ...(options.updateImage ? {updateImage: true} : {}),
  })
  return {image, ...(deployed ? {deployed} : {})}
}

/** Deploys a prepared apply (nothing happens when an existing stack has no changes). */
export async function executeApply(prepared: PreparedApply, options: Omit<ApplyOptions, 'confirm'>): Promise<ApplyResult> {
  const {spec, existing, synthesis, preview} = prepared
  if (existing && preview.changes.length === 0) {
    // An environment created before restored pieces were retagged up front gets them now.
    await adoptRestoredData(options.clients, spec)
    return {environment: spec.name, created: false, changes: [], outputs: stackOutputNames(existing.outputs), applied: false}
  }
  const instanceLogicalId = Object.entries(synthesis.stacks[0]!.template.Resources).find(([, r]) => r.Type === 'AWS::EC2::Instance')?.[0]
  const previousInstanceId = existing?.outputs.instanceId
  const clients = options.hub && instanceLogicalId ? await hubClients(options.clients) : undefined
  const stop = new AbortController()
  const started = Date.now()
  let last: BootStatus | undefined
  const watch =
    clients && instanceLogicalId
      ? followHub({
          clients,
          environmentName: spec.name,
          stackName: spec.stackName,
          instanceLogicalId,
          ...(previousInstanceId ? {previousInstanceId} : {}),
          timeoutMs: bootTimeoutMinutes(spec) * 60_000,
          signal: stop.signal,
          ...(options.hub?.intervalMs ? {intervalMs: options.hub.intervalMs} : {}),
          onStatus: (status) => {
            last = status
            options.hub?.onStatus?.(status)
          },
        })
      : undefined
  let outcome: DeployOutcome
  // A create or an update is claimed first: a second run on the same environment stops
  // here (environment-busy) instead of updating it, or racing the first run's change set.
  const release = await claimEnvironment(await options.clients.ssm(), spec.name, existing ? 'updating' : 'creating')
  try {
    outcome = await deployEnvironment(spec, {
      clients: options.clients,
      // Right before the stack is created or the change set executed (assets already published).
      beforeChange: async () => {
        await assertStillAsPrepared(options.clients, spec.name, existing)
        // Reused pieces carry this environment's tag before its stack runs on them: a deploy
        // stopped later (Ctrl-C, a hub that failed) must not leave them under the old name,
        // whose `destroy --delete-data` would take them. Idempotent, so every deploy re-checks.
        await adoptRestoredData(options.clients, spec)
      },
      outdir: synthesis.outdir,
      update: Boolean(existing),
      onProgress: options.onProgress,
      onWarning: options.onWarning,
      verbose: options.verbose,
      confirm: async () => true,
    })
  } catch (error) {
    stop.abort(new Error('the deploy failed'))
    // A hub that reported `failed` (its FAILURE signal is why CloudFormation gave up) says what went wrong.
    const hubError = clients
      ? await hubFailureAfterDeployFailure({
          clients,
          environmentName: spec.name,
          ...(watch?.instanceId() ? {instanceId: watch.instanceId()} : {}),
          ...(previousInstanceId ? {previousInstanceId} : {}),
        })
      : undefined
    if (hubError) throw hubError
    throw error
  } finally {
    await release?.()
  }
  let hub = last
  const instanceId = outcome.outputs.InstanceId
  // A create or a replaced instance boots from scratch; an unchanged instance's status is its old one.
  const newInstance = !existing || (instanceId !== undefined && instanceId !== previousInstanceId)
  // The watch may not have found the instance yet (the stack's outputs name it now): stop it
  // and keep what it learnt; a hub that already reported ready or failed has settled it.
  stop.abort(new Error('the deploy finished'))
  const settled = watch ? await watch.result : undefined
  if (settled?.error && isHubFailure(settled.error)) throw settled.error
  if (settled?.status) hub = settled.status
  if (clients && options.hub?.wait && newInstance && hub?.phase !== 'ready') {
    hub = await waitForHub({
      ssm: clients.ssm,
      logs: clients.logs,
      environmentName: spec.name,
      logGroup: outcome.outputs.LogGroup ?? hubLogGroupName(spec.name),
      ...(instanceId ? {instanceId} : {}),
      timeoutMs: Math.max(0, started + bootTimeoutMinutes(spec) * 60_000 - Date.now()),
      ...(options.hub.intervalMs ? {intervalMs: options.hub.intervalMs} : {}),
      onProgress: (status) => options.hub?.onStatus?.(status),
    })
  }
  return {
    environment: spec.name,
    created: !existing,
    changes: preview.changes,
    outputs: outcome.outputs,
    applied: true,
    ...(hub ? {hub} : {}),
  }
}

/**
 * Rebuilds the spec an environment was deployed with, optionally changed by `changes`,
 * and returns the environment as it runs now alongside (one DescribeStacks, one GetTemplate).
 */
export async function respecFromDeployed(
  clients: AwsClients,
  name: string,
  changes: Partial<SpecOverrides>,
): Promise<{spec: EnvironmentSpec; deployed: DeployedEnvironment; image?: HubImage}> {
  const environment = await getEnvironment(clients, name)
  const {record, template} = await readDeployedTemplate(clients, environment.stackName)
  const overrides: SpecOverrides = {...record.overrides, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined))}
  // A new type chosen explicitly wins over sizing; new users alone re-size within the pack.
  if (changes.users !== undefined && changes.instanceType === undefined) delete (overrides as {instanceType?: string}).instanceType
  const {spec, findings} = resolveSpec(record.domain, record.pack, overrides, record.exampleNotebooks)
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
  const deployed: DeployedEnvironment = {
    environment,
    template,
    recordDomain: record.domain,
    ...optional('spec', recordedSpec(record)),
    ...optional('image', recordedImage(record)),
  }
  return {spec, deployed, ...optional('image', await imageForUpdate(clients, spec, deployed.image))}
}

/**
 * The image an update of `spec` pins: the recorded one, so the hub is not replaced because
 * a newer public image appeared. Only a recorded public image of another family or
 * architecture (a change to a GPU or Graviton type) is resolved again, which replaces the hub.
 * Records older than image pinning give undefined: the template keeps the public parameter it had.
 */
export async function imageForUpdate(
  clients: AwsClients,
  spec: EnvironmentSpec,
  recorded: HubImage | undefined,
): Promise<HubImage | undefined> {
  if (!recorded) return undefined
  if (spec.instance.amiId || recorded.parameter === undefined) return recorded
  if (recorded.parameter === imageParameterFor(spec.instance.architecture, spec.instance.gpu)) return recorded
  const [ssm, ec2] = await Promise.all([clients.ssm(), clients.ec2()])
  return resolveImage({ssm, ec2, architecture: spec.instance.architecture, gpu: spec.instance.gpu, recorded})
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({[key]: value} as Record<K, V>)
}

async function readDeployed(clients: AwsClients, environment: EnvironmentRecord): Promise<DeployedEnvironment> {
  const {record, template} = await readDeployedTemplate(clients, environment.stackName)
  return {
    environment,
    template,
    recordDomain: record.domain,
    ...optional('spec', recordedSpec(record)),
    ...optional('image', recordedImage(record)),
  }
}

/** What a redeploy (with `changes`) would do to an environment, without deploying. */
export async function diffEnvironment(clients: AwsClients, name: string, changes: Partial<SpecOverrides>): Promise<ChangePreview> {
  const {spec, deployed, image} = await respecFromDeployed(clients, name, changes)
  // A scratch assembly only for the comparison: removed whatever happens.
  const outdir = mkdtempSync(join(tmpdir(), 'arw-diff-'))
  try {
    const synthesis = await synthesize([spec], {outdir, validateTemplates: false, nag: false, ...pinned(spec, image)})
    return previewChanges(deployed, synthesis.stacks[0]!.template, spec)
  } finally {
    rmSync(outdir, {recursive: true, force: true})
  }
}

/**
 * The stack's outputs under their CloudFormation names (HubUrl, InstanceId, ...), as a
 * deploy that changed something returns them: one shape in `--json` either way.
 */
function stackOutputNames(outputs: Readonly<Partial<Record<keyof typeof OUTPUTS, string>>>): Record<string, string> {
  const named: Record<string, string> = {}
  for (const [field, value] of Object.entries(outputs)) if (value !== undefined) named[OUTPUTS[field as keyof typeof OUTPUTS]] = value
  return named
}
