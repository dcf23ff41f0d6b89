import {App} from 'aws-cdk-lib'
import {CURRENTLY_RECOMMENDED_FLAGS} from 'aws-cdk-lib/cx-api'
import {TAG_KEYS} from '../../constructs/contract.js'
import {ResearchEnvironmentStack} from '../../constructs/research-environment-stack.js'
import type {HubImage} from '../image/types.js'
import type {EnvironmentSpec} from '../spec/types.js'

export interface BuildAppOptions {
  readonly outdir?: string
  /** Extra context (e.g. from cdk.json or -c flags). */
  readonly context?: Record<string, unknown>
  /**
   * The hub image of each stack, by stack name (resolveImage at a deploy, recordedImage on
   * an update). A stack without one falls back to the public image parameter, which is
   * right only for plans and `cdk synth`.
   * @default - no stack is pinned
   */
  readonly images?: Readonly<Record<string, HubImage>>
}

/**
 * The feature flags aws-cdk-lib recommends for new projects, as `cdk init` writes them
 * into cdk.json (the CLI copies aws-cdk-lib's recommended-feature-flags.json, which is
 * this object). Among them @aws-cdk/aws-ec2:uniqueImdsv2TemplateName: without it every
 * stack names its IMDSv2 launch template the same and a second environment in an
 * account and region fails. cdk.json carries the same object (drift-tested).
 */
export const RECOMMENDED_FEATURE_FLAGS: Readonly<Record<string, unknown>> = CURRENTLY_RECOMMENDED_FLAGS

/**
 * Where we knowingly differ from the recommendation, each with its reason. Keep this short:
 * every entry is a flag a new `cdk init` project would have and we do not.
 */
export const FEATURE_FLAG_EXCEPTIONS: Readonly<Record<string, unknown>> = {
  // Literal partitions ("arn:aws:...") instead of ${AWS::Partition}: the cdk-nag
  // acknowledgements in src/constructs name ARNs with <AWS::Partition>, so every one of them
  // would stop matching. Drop this once they are partition-independent.
  '@aws-cdk/core:enablePartitionLiterals': false,
}

/** The flags of every synthesis, by the CLI and through cdk.json alike. */
export const FEATURE_FLAGS: Readonly<Record<string, unknown>> = {...RECOMMENDED_FEATURE_FLAGS, ...FEATURE_FLAG_EXCEPTIONS}

/** Context every synthesis sets on top of the feature flags. */
export const APP_CONTEXT: Readonly<Record<string, unknown>> = {
  ...FEATURE_FLAGS,
  '@aws-cdk/core:failSynthOnValidationErrors': false,
  // Construct paths in resource metadata, as the CDK CLI adds them: the same template
  // either way, and CloudFormation resources map back to constructs.
  'aws:cdk:enable-path-metadata': true,
}

/**
 * The stack's own tags, by which every command finds the environment (and which mark it as
 * the wizard's). Given explicitly: with @aws-cdk/core:explicitStackTags (recommended),
 * Tags.of(stack) reaches the resources but no longer the stack itself.
 */
export function stackTags(spec: EnvironmentSpec): Record<string, string> {
  return {
    ...spec.tags,
    [TAG_KEYS.environment]: spec.name,
    [TAG_KEYS.domain]: spec.domain,
    [TAG_KEYS.owner]: spec.owner,
  }
}

/**
 * The one CDK App used by the CLI, `cdk.json` and the tests: one stack per spec.
 * Validation failures are collected from the report instead of being printed by
 * the App, so every caller presents them the same way.
 */
export function buildApp(specs: readonly EnvironmentSpec[], options: BuildAppOptions = {}): {app: App; stacks: ResearchEnvironmentStack[]} {
  const app = new App({
    ...(options.outdir ? {outdir: options.outdir} : {}),
    context: {...APP_CONTEXT, ...options.context},
    analyticsReporting: false,
  })
  const stacks = specs.map(
    (spec) =>
      new ResearchEnvironmentStack(app, spec.stackName, {
        spec,
        stackName: spec.stackName,
        tags: stackTags(spec),
        ...(options.images?.[spec.stackName] ? {image: options.images[spec.stackName]} : {}),
      }),
  )
  return {app, stacks}
}
