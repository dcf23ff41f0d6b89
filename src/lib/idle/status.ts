import type {AwsClients} from '../../aws/clients.js'
import {idleStatusParameterName} from '../../constructs/contract.js'
import {decideIdle, type IdleObservation, idleSettings, type IdleState, loadIdleModel, signalMeaning} from './model.js'

/** How idle the hub is, as `jupyter status` reports it. */
export interface IdleReport {
  /** `agent`: the instance's own decision (every signal); `metrics`: the model over CloudWatch's CPU and GPU series. */
  readonly source: 'agent' | 'metrics'
  /** Minutes every signal has been quiet. */
  readonly idleMinutes: number
  /** Signals keeping the hub busy now (model names: kernels, terminals, cpu, disk, network, gpu, gpuMemory, hub). */
  readonly busy: readonly string[]
  /** What the first busy signal means, in words. */
  readonly reason?: string
  /** Set while a stop is announced: minutes left unless there is activity. */
  readonly stopsInMinutes?: number
  /** When the agent decided (source agent). */
  readonly decidedAt?: string
}

export interface IdleThresholds {
  readonly idleMinutes?: number
  readonly warnMinutes?: number
  readonly cpuThresholdPercent?: number
  readonly gpuThresholdPercent?: number
  readonly signals?: readonly string[]
}

export interface MetricPoint {
  readonly time: Date
  readonly value: number
}

/** The agent decides every minute; a decision older than this means the agent is not running. */
export const AGENT_FRESH_MINUTES = 5

/**
 * The agent's latest decision (`/arw/<name>/idle-status`), or undefined when there is none,
 * it is stale, or it cannot be read: `status` then works it out from CloudWatch instead.
 */
export async function readAgentDecision(clients: AwsClients, name: string, now: Date): Promise<IdleReport | undefined> {
  let raw: string | undefined
  try {
    const {GetParameterCommand} = await import('@aws-sdk/client-ssm')
    const ssm = await clients.ssm()
    raw = (await ssm.send(new GetParameterCommand({Name: idleStatusParameterName(name)}))).Parameter?.Value
  } catch {
    return undefined
  }
  let value: Record<string, unknown>
  try {
    value = JSON.parse(raw ?? '') as Record<string, unknown>
  } catch {
    return undefined
  }
  // Written by the instance: every field is checked, none trusted.
  const time = typeof value.time === 'string' ? new Date(value.time) : undefined
  if (!time || Number.isNaN(time.getTime()) || now.getTime() - time.getTime() > AGENT_FRESH_MINUTES * 60_000) return undefined
  const idleMinutes =
    typeof value.idleMinutes === 'number' && Number.isFinite(value.idleMinutes) ? Math.max(0, Math.floor(value.idleMinutes)) : undefined
  if (idleMinutes === undefined) return undefined
  const model = loadIdleModel()
  const known = new Set(['hub', ...model.signals.map((s) => s.name)])
  const busy = Array.isArray(value.busy) ? value.busy.filter((b): b is string => typeof b === 'string' && known.has(b)) : []
  const stops = value.action === 'warn' || value.action === 'stop' ? value.stopsInMinutes : undefined
  return {
    source: 'agent',
    idleMinutes,
    busy,
    ...(busy.length > 0 ? {reason: signalMeaning(model, busy[0]!)} : {}),
    ...(typeof stops === 'number' && Number.isFinite(stops) ? {stopsInMinutes: Math.max(0, Math.ceil(stops))} : {}),
    decidedAt: time.toISOString(),
  }
}

/**
 * The model run minute by minute over what CloudWatch holds (busiest core, GPU utilisation and
 * memory): kernels, terminals, disks and network are not there, so this is what the backstop
 * alarm sees, not the agent. The clock starts at launch, as on the instance.
 */
export function idleFromMetrics(
  series: Readonly<Record<'cpu' | 'gpu' | 'gpumem', readonly MetricPoint[]>>,
  thresholds: IdleThresholds,
  options: {readonly now: Date; readonly launchTime?: Date},
): IdleReport | undefined {
  const model = loadIdleModel()
  const settings = idleSettings(model, {
    idleMinutes: thresholds.idleMinutes,
    warnMinutes: thresholds.warnMinutes,
    cpuThresholdPercent: thresholds.cpuThresholdPercent,
    gpuThresholdPercent: thresholds.gpuThresholdPercent,
    ...(thresholds.signals ? {signals: thresholds.signals} : {}),
  })
  const byMinute = new Map<number, Record<string, number>>()
  for (const [key, observation] of [
    ['cpu', 'busiestCorePercent'],
    ['gpu', 'gpuPercent'],
    ['gpumem', 'gpuMemoryMiB'],
  ] as const) {
    for (const point of series[key]) {
      const at = Math.floor(point.time.getTime() / 1000)
      byMinute.set(at, {...byMinute.get(at), [observation]: point.value})
    }
  }
  if (byMinute.size === 0) return undefined
  const bootTime = options.launchTime ? Math.floor(options.launchTime.getTime() / 1000) : Math.min(...byMinute.keys())
  let state: IdleState = {}
  let last: Record<string, number> = {}
  for (const at of [...byMinute.keys()].sort((a, b) => a - b)) {
    last = byMinute.get(at)!
    state = decideIdle(model, settings, state, {...last, now: at, bootTime} as IdleObservation).state
  }
  // Now: the latest values still hold (CloudWatch lags a minute or two behind).
  const {decision} = decideIdle(model, settings, state, {
    ...last,
    now: Math.floor(options.now.getTime() / 1000),
    bootTime,
  } as IdleObservation)
  return {
    source: 'metrics',
    idleMinutes: decision.idle_minutes,
    busy: decision.busy,
    ...(decision.busy.length > 0 ? {reason: signalMeaning(model, decision.busy[0]!)} : {}),
  }
}
