import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {packageRoot} from '../../package-root.js'

/** A signal of the idleness model: busy when its observation is at least the threshold. */
export interface IdleSignal {
  readonly name: string
  /** The pack's auto_shutdown.signals entry that switches it on. */
  readonly group: 'kernels' | 'cpu' | 'gpu'
  readonly observation: string
  readonly busyAtLeast: number | {readonly config: keyof IdleSettings}
  readonly means: string
}

/** templates/instance/agent/idle_model.json: the one model, shared with the instance's idle agent. */
export interface IdleModel {
  readonly defaults: {
    readonly idleMinutes: number
    readonly warnMinutes: number
    readonly cpuThresholdPercent: number
    readonly gpuThresholdPercent: number
  }
  readonly hubUnreachableLimitMinutes: number
  readonly signals: readonly IdleSignal[]
}

export interface IdleSettings {
  readonly idleMinutes: number
  readonly warnMinutes: number
  readonly signals: readonly string[]
  readonly cpuThresholdPercent: number
  readonly gpuThresholdPercent: number
}

/** Epoch seconds, like the agent's clock. */
export interface IdleObservation {
  readonly now: number
  readonly bootTime?: number
  readonly hubReachable?: boolean
  readonly [observation: string]: number | boolean | null | undefined
}

export interface IdleState {
  readonly bootTime?: number
  readonly quietSince?: number
  readonly hubDownSince?: number | null
  readonly warnedAt?: number | null
}

export interface SignalReading {
  readonly value: number | boolean | null
  readonly threshold?: number
  readonly busy: boolean
  readonly counted?: boolean
  readonly unreachableMinutes?: number
}

/** The decision, field for field what `idle_agent.py --once --dry-run` prints. */
export interface IdleDecision {
  readonly idle: boolean
  readonly idle_minutes: number
  readonly busy: readonly string[]
  readonly action: 'none' | 'warn' | 'stop'
  readonly stops_in_minutes: number | null
  readonly signals: Readonly<Record<string, SignalReading>>
}

let cached: IdleModel | undefined

/** The model as shipped to the instance (read once). */
export function loadIdleModel(): IdleModel {
  cached ??= JSON.parse(readFileSync(join(packageRoot(), 'templates', 'instance', 'agent', 'idle_model.json'), 'utf8')) as IdleModel
  return cached
}

/** The pack's auto-shutdown settings over the model's defaults (as the agent merges environment.json). */
export function idleSettings(model: IdleModel, auto: Partial<IdleSettings> = {}): IdleSettings {
  const defined = Object.fromEntries(Object.entries(auto).filter(([, value]) => value !== undefined && value !== null))
  return {...model.defaults, signals: ['kernels', 'cpu', 'gpu'], ...defined}
}

function thresholdOf(signal: IdleSignal, settings: IdleSettings): number {
  const limit = signal.busyAtLeast
  return typeof limit === 'number' ? limit : Number(settings[limit.config])
}

/**
 * The pure model: (state, observation) -> (new state, decision). A line-for-line twin of
 * `decide` in templates/instance/agent/idle_agent.py; both run test/fixtures/idle/scenarios.json.
 */
export function decideIdle(
  model: IdleModel,
  settings: IdleSettings,
  previous: IdleState,
  observation: IdleObservation,
): {state: IdleState; decision: IdleDecision} {
  const now = observation.now
  const boot = observation.bootTime || now
  // A state from an earlier boot (or none): the clock starts at this boot.
  const state: IdleState = previous.bootTime === boot ? previous : {bootTime: boot}
  let quietSince = state.quietSince ?? boot
  let hubDownSince = state.hubDownSince ?? null
  let warnedAt = state.warnedAt ?? null
  const groups = new Set(settings.signals)
  const limit = model.hubUnreachableLimitMinutes * 60
  const busy: string[] = []
  const signals: Record<string, SignalReading> = {}

  if (observation.hubReachable === false) {
    hubDownSince ??= now
    const downFor = now - hubDownSince
    const hubBusy = groups.has('kernels') && downFor < limit
    if (hubBusy) busy.push('hub')
    // Quiet only from the moment the outage passed the limit: the outage itself is not idle time.
    else quietSince = Math.max(quietSince, hubDownSince + limit)
    signals.hub = {value: false, unreachableMinutes: Math.floor(downFor / 60), busy: hubBusy}
  } else {
    hubDownSince = null
    if (observation.hubReachable !== undefined) signals.hub = {value: observation.hubReachable, busy: false}
  }

  for (const signal of model.signals) {
    const raw = observation[signal.observation]
    const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : null
    const threshold = thresholdOf(signal, settings)
    const counted = groups.has(signal.group)
    const isBusy = counted && value !== null && value >= threshold
    if (isBusy) busy.push(signal.name)
    signals[signal.name] = {value, threshold, busy: isBusy, counted}
  }

  if (busy.length > 0) {
    quietSince = now
    warnedAt = null
  }
  const quiet = Math.max(0, now - quietSince)
  const idleLimit = Math.trunc(settings.idleMinutes || 0) * 60
  const warn = Math.max(0, Math.trunc(settings.warnMinutes || 0)) * 60
  let action: IdleDecision['action'] = 'none'
  let stopsIn: number | null = null
  if (idleLimit > 0 && busy.length === 0 && quiet >= idleLimit - warn) {
    warnedAt ??= now
    const remaining = Math.max(idleLimit - quiet, Math.min(warn, idleLimit) - (now - warnedAt))
    action = remaining <= 0 ? 'stop' : 'warn'
    stopsIn = Math.max(0, Math.ceil(remaining / 60))
  } else if (busy.length === 0) {
    warnedAt = null
  }
  return {
    state: {bootTime: boot, quietSince, hubDownSince, warnedAt},
    decision: {idle: busy.length === 0, idle_minutes: Math.floor(quiet / 60), busy, action, stops_in_minutes: stopsIn, signals},
  }
}

/** What a signal name means, for `status` ("busy: the busiest core is working"). */
export function signalMeaning(model: IdleModel, name: string): string {
  if (name === 'hub') return 'the hub did not answer (not counted as idle for a while)'
  return model.signals.find((s) => s.name === name)?.means ?? name
}
