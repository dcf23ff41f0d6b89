import {resolve} from 'node:path'
import {buildPlan, type DeploymentPlan} from '../plan/build-plan.js'
import type {EnvironmentSpec, SpecOverrides} from '../spec/types.js'
import {type SynthesisResult, synthesize} from '../synth/synthesize.js'
import {prepareEnvironment} from './prepare.js'

export interface PlanOptions {
  readonly outdir?: string
  readonly validateTemplates?: boolean
  readonly nag?: boolean
  readonly packDirs?: readonly string[]
}

export interface PlannedEnvironment {
  readonly spec: EnvironmentSpec
  readonly synthesis: SynthesisResult
  readonly plan: DeploymentPlan
}

/** Pack + flags -> synthesized cloud assembly and a plan. No AWS calls. */
export async function planEnvironment(
  domain: string,
  overrides: SpecOverrides,
  options: PlanOptions = {},
  onStep: (step: string) => void = () => {},
): Promise<PlannedEnvironment> {
  onStep('resolve')
  const prepared = await prepareEnvironment(domain, overrides, {packDirs: options.packDirs})
  onStep('synthesize')
  const synthesis = await synthesize([prepared.spec], {
    outdir: resolve(options.outdir ?? 'cdk.out'),
    validateTemplates: options.validateTemplates ?? false,
    nag: options.nag ?? true,
  })
  const stack = synthesis.stacks[0]
  if (!stack) throw new Error('synthesis produced no stack')
  const packFindings = prepared.findings.map((f) => ({source: 'pack', level: f.level, rule: f.code, message: `${f.message} ${f.remedy}`}))
  return {spec: prepared.spec, synthesis, plan: buildPlan(prepared.spec, stack, [...packFindings, ...synthesis.findings])}
}
