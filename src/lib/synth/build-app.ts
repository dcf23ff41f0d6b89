import {App} from 'aws-cdk-lib'
import {ResearchEnvironmentStack} from '../../constructs/research-environment-stack.js'
import type {EnvironmentSpec} from '../spec/types.js'

export interface BuildAppOptions {
  readonly outdir?: string
  /** Extra context (e.g. from cdk.json or -c flags). */
  readonly context?: Record<string, unknown>
}

/**
 * The one CDK App used by the CLI, `cdk.json` and the tests: one stack per spec.
 * Validation failures are collected from the report instead of being printed by
 * the App, so every caller presents them the same way.
 */
export function buildApp(specs: readonly EnvironmentSpec[], options: BuildAppOptions = {}): {app: App; stacks: ResearchEnvironmentStack[]} {
  const app = new App({
    ...(options.outdir ? {outdir: options.outdir} : {}),
    // Construct paths in resource metadata, as the CDK CLI adds them: the same template
    // either way, and CloudFormation resources map back to constructs.
    context: {'@aws-cdk/core:failSynthOnValidationErrors': false, 'aws:cdk:enable-path-metadata': true, ...options.context},
    analyticsReporting: false,
  })
  const stacks = specs.map((spec) => new ResearchEnvironmentStack(app, spec.stackName, {spec, stackName: spec.stackName}))
  return {app, stacks}
}
