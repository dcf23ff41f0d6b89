import {resolve} from 'node:path'
import type {ResolvedImage} from '../image/resolve-image.js'
import type {DeployedEnvironment} from '../lifecycle/apply.js'
import {buildPlan, type DeploymentPlan} from '../plan/build-plan.js'
import type {EnvironmentSpec, SpecOverrides} from '../spec/types.js'
import {type SynthesisResult, synthesize} from '../synth/synthesize.js'
import {prepareEnvironment} from './prepare.js'
import {describeRecordedRestore, type RestorePlan} from '../data/restore.js'

export interface PlanOptions {
  readonly outdir?: string
  readonly validateTemplates?: boolean
  readonly nag?: boolean
  readonly packDirs?: readonly string[]
  /**
   * A real deploy: finds the deployed environment and resolves the hub image (AWS calls)
   * before synthesis, so the template pins a concrete image.
   * @default - none: a plan, offline; the template falls back to the public image parameter
   */
  readonly target?: (spec: EnvironmentSpec) => Promise<DeployTarget>
}

/** What a real deploy learns before synthesis (resolveDeployTarget in lifecycle/apply.ts). */
export interface DeployTarget {
  readonly image: ResolvedImage
  /** The environment as it runs now; absent for a new one. */
  readonly deployed?: DeployedEnvironment
  /** Kept data to create the environment on (deploy --restore-from; planRestore in src/lib/data). */
  readonly restore?: RestorePlan
}

export interface PlannedEnvironment {
  readonly spec: EnvironmentSpec
  readonly synthesis: SynthesisResult
  readonly plan: DeploymentPlan
  /** Present when options.target was given. */
  readonly target?: DeployTarget
}

/** Pack + flags -> synthesized cloud assembly and a plan. No AWS calls. */
export async function planEnvironment(
  domain: string,
  overrides: SpecOverrides,
  options: PlanOptions = {},
  onStep: (step: string) => void = () => {},
): Promise<PlannedEnvironment> {
  onStep('resolve')
  let prepared = await prepareEnvironment(domain, overrides, {packDirs: options.packDirs})
  if (options.target) onStep('image')
  const target = options.target ? await options.target(prepared.spec) : undefined
  // Restored pieces become part of the spec (and so of the deploy record): a later deploy,
  // scale or diff of the environment keeps them instead of making new, empty storage.
  const restore = target?.restore?.ids ?? target?.deployed?.spec?.restore
  if (restore) prepared = await prepareEnvironment(domain, {...overrides, restore}, {packDirs: options.packDirs})
  onStep('synthesize')
  const synthesis = await synthesize([prepared.spec], {
    outdir: resolve(options.outdir ?? 'cdk.out'),
    validateTemplates: options.validateTemplates ?? false,
    nag: options.nag ?? true,
    ...(target ? {images: {[prepared.spec.stackName]: target.image}} : {}),
  })
  const stack = synthesis.stacks[0]
  if (!stack) throw new Error('synthesis produced no stack')
  const packFindings = prepared.findings.map((f) => ({source: 'pack', level: f.level, rule: f.code, message: `${f.message} ${f.remedy}`}))
  return {
    spec: prepared.spec,
    synthesis,
    plan: {
      ...buildPlan(prepared.spec, stack, [...packFindings, ...synthesis.findings], target?.image),
      ...(restore ? {restore: {from: restore.from, pieces: target?.restore?.pieces ?? describeRecordedRestore(restore)}} : {}),
    },
    ...(target ? {target} : {}),
  }
}
