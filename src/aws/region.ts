/** Where the region of a command came from, for messages and the plan. */
export type RegionSource = 'flag' | 'environment' | 'profile' | 'default'

export interface ResolvedRegion {
  readonly region: string
  readonly source: RegionSource
  /** Set when nothing chose a region and us-east-1 was assumed. */
  readonly note?: string
}

export const FALLBACK_REGION = 'us-east-1'

/**
 * The one region rule of every command: --region, then AWS_REGION / AWS_DEFAULT_REGION,
 * then the `region` of the selected profile (--profile, AWS_PROFILE, or default) in the
 * shared config file (AWS_CONFIG_FILE, ~/.aws/config; read with the SDK's own loader),
 * then us-east-1 with a note. The same rule the SDK clients follow, so `deploy` and
 * `list` never disagree about where an environment lives.
 */
export async function resolveRegion(
  options: {flag?: string; profile?: string},
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedRegion> {
  if (options.flag) return {region: options.flag, source: 'flag'}
  const fromEnv = env.AWS_REGION || env.AWS_DEFAULT_REGION
  if (fromEnv) return {region: fromEnv, source: 'environment'}
  const profile = options.profile || env.AWS_PROFILE || 'default'
  try {
    const {loadSharedConfigFiles} = await import('@smithy/shared-ini-file-loader')
    const {configFile} = await loadSharedConfigFiles({ignoreCache: true})
    const region = configFile[profile]?.region
    if (region) return {region, source: 'profile'}
  } catch {
    // An unreadable config file means no profile region; the fallback below says so.
  }
  return {
    region: FALLBACK_REGION,
    source: 'default',
    note: `No region given (--region, AWS_REGION, or a region in profile "${profile}"); using ${FALLBACK_REGION}.`,
  }
}
