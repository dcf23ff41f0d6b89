import type {AwsClients} from '../../aws/clients.js'
import {toAwsError} from '../../aws/errors.js'
import {ExitCode, isWizardError, WizardError} from '../../errors.js'
import {environmentAppearedError} from '../environments/ownership.js'
import type {EnvironmentSpec} from '../spec/types.js'
import {type IoHostOptions, type StackEventSummary, WizardIoHost} from './io-host.js'

export interface EngineOptions extends IoHostOptions {
  readonly clients: AwsClients
  /** The cloud assembly to deploy (bootstrap: the toolkit's working directory). */
  readonly outdir: string
  /** True when the stack already exists (an update rather than a create). */
  readonly update?: boolean
  /**
   * Called after the assets are published and right before the stack is created or changed;
   * throws to stop (the environment is busy, appeared, or is no longer what was previewed).
   */
  readonly beforeChange?: () => Promise<void>
}

export interface DeployOutcome {
  readonly stackName: string
  readonly outputs: Record<string, string>
  readonly events: readonly StackEventSummary[]
}

async function toolkitFor(options: EngineOptions, ioHost: WizardIoHost) {
  const toolkitLib = await import('@aws-cdk/toolkit-lib')
  const toolkit = new toolkitLib.Toolkit({
    ioHost,
    color: false,
    emojis: false,
    // publishAssets() lets a deploy publish first and check the stack right before changing it
    // (the toolkit version is pinned exactly, so the unstable API cannot move under us).
    unstableFeatures: ['publish-assets'],
    sdkConfig: {
      baseCredentials: toolkitLib.BaseCredentials.awsCliCompatible({
        profile: options.clients.options.profile,
        defaultRegion: options.clients.region,
      }),
    },
  })
  return {toolkit, toolkitLib}
}

/**
 * Deploys one environment through @aws-cdk/toolkit-lib, in process, from the cloud
 * assembly the CLI synthesized and validated (options.outdir): a change set for
 * updates, stack events as progress.
 */
export async function deployEnvironment(spec: EnvironmentSpec, options: EngineOptions): Promise<DeployOutcome> {
  const ioHost = new WizardIoHost(options)
  const {toolkit, toolkitLib} = await toolkitFor(options, ioHost)
  try {
    const source = await toolkit.fromAssemblyDirectory(options.outdir)
    if (options.beforeChange) {
      // Publishing first keeps the slow part before the check, so the check is as close to
      // the CloudFormation call as the toolkit allows (its deploy finds the assets in place).
      await toolkit.publishAssets(source, {
        stacks: {strategy: toolkitLib.StackSelectionStrategy.PATTERN_MUST_MATCH_SINGLE, patterns: [spec.stackName]},
      })
      await options.beforeChange()
    }
    const result = await toolkit.deploy(source, {
      stacks: {strategy: toolkitLib.StackSelectionStrategy.PATTERN_MUST_MATCH_SINGLE, patterns: [spec.stackName]},
      // A new environment has nothing to preview, so it is created directly; updates go
      // through a change set, which is what lets us show replacements before applying.
      deploymentMethod: options.update ? {method: 'change-set'} : {method: 'direct'},
      // Resources that failed stay for inspection only when asked; the default rolls back cleanly.
      rollback: true,
      stackEventPollingInterval: 2000,
    })
    const stack = result.stacks[0]
    return {stackName: spec.stackName, outputs: {...(stack?.outputs ?? {})}, events: ioHost.events}
  } catch (error) {
    if (isWizardError(error)) throw error
    // Another run created the stack between our check and the toolkit's CreateStack.
    const text = `${(error as Error)?.name} ${(error as Error)?.message}`
    if (!options.update && /AlreadyExists|already exists/i.test(text) && text.includes(spec.stackName))
      throw environmentAppearedError(spec.name, spec.stackName)
    throw explainDeployFailure(error, ioHost, spec, await currentStackStatus(options.clients, spec.stackName))
  }
}

/**
 * The stack's status after a failed deploy, as CloudFormation reports it: 'absent' when
 * there is no stack, undefined when it cannot be read (the endpoint is down, say).
 */
export async function currentStackStatus(clients: AwsClients, stackName: string): Promise<string | undefined> {
  try {
    const {DescribeStacksCommand} = await import('@aws-sdk/client-cloudformation')
    const cfn = await clients.cloudFormation()
    const {Stacks} = await cfn.send(new DescribeStacksCommand({StackName: stackName}))
    return Stacks?.[0]?.StackStatus ?? 'absent'
  } catch (error) {
    return /does not exist/i.test((error as Error)?.message ?? '') ? 'absent' : undefined
  }
}

/** What the stack's status says happened, in words; only CloudFormation's own rollback states say "rolled back". */
export function describeOutcome(stackName: string, status: string | undefined): {words: string; rolledBack: boolean} {
  if (status === undefined) return {words: `The state of ${stackName} could not be read.`, rolledBack: false}
  if (status === 'absent') return {words: `No stack ${stackName} exists: nothing was created.`, rolledBack: false}
  if (status === 'UPDATE_ROLLBACK_COMPLETE')
    return {words: `CloudFormation rolled ${stackName} back to its previous state (${status}).`, rolledBack: true}
  if (status === 'ROLLBACK_COMPLETE')
    return {words: `CloudFormation rolled the creation of ${stackName} back (${status}); the empty stack remains.`, rolledBack: true}
  if (/_IN_PROGRESS$/.test(status)) return {words: `${stackName} is still ${status}: CloudFormation has not finished.`, rolledBack: false}
  if (/ROLLBACK_FAILED$/.test(status)) return {words: `CloudFormation could not roll ${stackName} back (${status}).`, rolledBack: false}
  return {words: `${stackName} is ${status}.`, rolledBack: false}
}

/** Turns a toolkit failure into a coded error naming the first failing resource (exit 5). */
export function explainDeployFailure(error: unknown, ioHost: WizardIoHost, spec: EnvironmentSpec, stackStatus?: string): unknown {
  const mapped = toAwsError(error, {
    region: spec.region,
    alternativeInstanceTypes: (spec.pack.instance.allowed_types ?? []).filter((t) => t !== spec.instance.type),
  })
  if (mapped !== error) return mapped
  const outcome = describeOutcome(spec.stackName, stackStatus)
  const statusAction = outcome.rolledBack
    ? []
    : [`Follow it with: aws-research-wizard jupyter status ${spec.name}${spec.region ? ` --region ${spec.region}` : ''}`]
  const first = ioHost.firstFailure()
  if (first) {
    const capacity = toAwsError(
      {name: '', message: first.reason ?? ''},
      {region: spec.region, alternativeInstanceTypes: spec.pack.instance.allowed_types},
    )
    return new WizardError({
      code: 'deploy-failed',
      message: `Deploying ${spec.stackName} failed. ${outcome.words} First failure: ${first.resourceType} ${first.logicalId}: ${first.reason}`,
      actions: [
        ...(capacity instanceof WizardError ? capacity.actions : []),
        ...statusAction,
        `See every event with: aws cloudformation describe-stack-events --stack-name ${spec.stackName} --region ${spec.region}`,
      ],
      exitCode: ExitCode.deployFailed,
      cause: error,
      data: {firstFailure: first, stackStatus},
    })
  }
  return new WizardError({
    code: 'deploy-failed',
    message: `Deploying ${spec.stackName} failed: ${(error as Error)?.message ?? String(error)}. ${outcome.words}`,
    actions: ['Fix the cause above and deploy again.', ...statusAction],
    exitCode: ExitCode.deployFailed,
    cause: error,
    data: {stackStatus},
  })
}

/** Prepares an account/region for deployments (the CDK bootstrap stack). */
export async function bootstrapEnvironment(account: string, region: string, options: EngineOptions): Promise<void> {
  const ioHost = new WizardIoHost(options)
  const {toolkit, toolkitLib} = await toolkitFor(options, ioHost)
  try {
    await toolkit.bootstrap(toolkitLib.BootstrapEnvironments.fromList([`aws://${account}/${region}`]), {})
  } catch (error) {
    const mapped = toAwsError(error, {region})
    if (mapped !== error) throw mapped
    throw new WizardError({
      code: 'bootstrap-failed',
      message: `Bootstrapping aws://${account}/${region} failed: ${(error as Error).message}`,
      actions: ['Check the permissions for CloudFormation, S3, IAM and SSM, then retry.'],
      exitCode: ExitCode.deployFailed,
      cause: error,
    })
  }
}
