import {resolveRegion} from '../../aws/region.js'
import {type EnvironmentFlagValues, overridesFromFlags} from '../deploy/overrides.js'
import {prepareEnvironment} from '../deploy/prepare.js'
import {buildApp} from './build-app.js'

/** Context keys accepted from cdk.json / `cdk synth -c key=value`: the CLI's flag names. */
const NUMBER_KEYS = ['users', 'auto-shutdown', 'budget'] as const

/**
 * Entry point for the CDK CLI (`cdk synth -c domain=genomics -c name=lab1`), which
 * passes context in CDK_CONTEXT_JSON and the output directory in CDK_OUTDIR. It
 * resolves the same spec and builds the same App as `aws-research-wizard jupyter synth`.
 */
export async function runCdkApp(environment: NodeJS.ProcessEnv = process.env): Promise<void> {
  const context = JSON.parse(environment.CDK_CONTEXT_JSON ?? '{}') as Record<string, unknown>
  const domain = context.domain
  const name = context.name
  if (typeof domain !== 'string' || typeof name !== 'string') {
    throw new Error('Pass the domain pack and environment name as context: cdk synth -c domain=genomics -c name=lab1')
  }
  const flags: Record<string, unknown> = {...context, name}
  for (const key of NUMBER_KEYS) if (flags[key] !== undefined) flags[key] = Number(flags[key])
  const packDirs = typeof context['pack-dir'] === 'string' ? [context['pack-dir']] : undefined
  const {region} = await resolveRegion({flag: typeof context.region === 'string' ? context.region : undefined})
  const {spec} = await prepareEnvironment(domain, overridesFromFlags(flags as unknown as EnvironmentFlagValues, region), {packDirs})
  // App reads CDK_OUTDIR itself; validation stays on as in a real deploy unless CDK_VALIDATION=false.
  buildApp([spec]).app.synth()
}
