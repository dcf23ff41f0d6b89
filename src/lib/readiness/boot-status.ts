/**
 * The hub's boot progress as the instance reports it in the boot-status SSM parameter
 * (see bootStatusParameterName in src/constructs/contract.ts). The value is written by
 * a machine users can log in to, so it is untrusted: every field is length-bounded and
 * control characters are escaped before anything reaches a terminal.
 */

/** pending: the stack wrote its placeholder and the instance has not reported yet. unknown: unreadable. */
export type BootPhase = 'pending' | 'install' | 'configure' | 'ready' | 'failed' | 'unknown'

export interface BootStatus {
  readonly phase: BootPhase
  /** Id of the step running (or that ran last), e.g. `kernels`. */
  readonly step?: string
  /** Human progress within the step, e.g. `installing kernels 2/3`. */
  readonly detail?: string
  readonly failedStep?: string
  readonly message?: string
  readonly instanceId?: string
  /** ISO-8601 as written by the instance; kept only if it parses. */
  readonly time?: string
  /** Kernel name -> `ok` or `failed: <reason>`. */
  readonly kernels: Readonly<Record<string, string>>
}

/** Bounds: a status is at most a few KiB (an SSM standard parameter holds 4 KiB). */
export const LIMITS = {rawChars: 16_384, step: 64, detail: 200, message: 1000, kernelName: 64, kernelValue: 200, kernels: 50} as const

const PHASES: readonly BootPhase[] = ['pending', 'install', 'configure', 'ready', 'failed']

// C0 controls, DEL, C1 controls and the bidirectional overrides that can make a
// terminal show text other than what it received (Trojan Source).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

const NAMED: Record<string, string> = {'\n': '\\n', '\r': '\\r', '\t': '\\t'}

/** Escapes control and bidi characters (`\x1b`, `\n`, `\u202e`) and cuts to `max` characters (with `…`). */
export function sanitizeText(value: string, max: number): string {
  const escaped = value.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0) ?? 0
    return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
  })
  return escaped.length > max ? `${escaped.slice(0, Math.max(0, max - 1))}…` : escaped
}

function text(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined
  const s = sanitizeText(String(value), max).trim()
  return s === '' ? undefined : s
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/

/**
 * Reads the parameter value into a BootStatus. Never throws: a value that is not a
 * JSON object, or names no known phase, is `{phase: 'unknown'}`.
 */
export function parseBootStatus(raw: string | undefined | null): BootStatus {
  const unknown: BootStatus = {phase: 'unknown', kernels: {}}
  if (typeof raw !== 'string' || raw.length > LIMITS.rawChars) return unknown
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return unknown
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return unknown
  const o = value as Record<string, unknown>
  const phase = PHASES.find((p) => p === o.phase) ?? 'unknown'
  const kernels: Record<string, string> = {}
  if (typeof o.kernels === 'object' && o.kernels !== null && !Array.isArray(o.kernels)) {
    for (const [name, result] of Object.entries(o.kernels as Record<string, unknown>).slice(0, LIMITS.kernels)) {
      const key = text(name, LIMITS.kernelName)
      const val = text(result, LIMITS.kernelValue)
      // Object.defineProperty: a kernel called "__proto__" must stay plain data.
      if (key && val) Object.defineProperty(kernels, key, {value: val, enumerable: true, writable: false})
    }
  }
  const time = typeof o.time === 'string' && o.time.length <= 40 && !Number.isNaN(Date.parse(o.time)) ? o.time : undefined
  const instanceId = typeof o.instanceId === 'string' && INSTANCE_ID.test(o.instanceId) ? o.instanceId : undefined
  const status: BootStatus = {
    phase,
    step: text(o.step, LIMITS.step),
    detail: text(o.detail, LIMITS.detail),
    failedStep: text(o.failedStep, LIMITS.step),
    message: text(o.message, LIMITS.message),
    instanceId,
    time,
    kernels,
  }
  // Drop absent optional fields so statuses compare and serialize cleanly.
  return Object.fromEntries(Object.entries(status).filter(([, v]) => v !== undefined)) as unknown as BootStatus
}

/** One line for `jupyter status` and deploy progress: `installing kernels 2/3`, `ready`, `failed at kernels: ...`. */
export function formatBootStatus(status: BootStatus): string {
  switch (status.phase) {
    case 'ready':
      return 'ready'
    case 'failed':
      return `failed at ${status.failedStep ?? status.step ?? 'an unknown step'}: ${status.message ?? status.detail ?? 'no message'}`
    case 'pending':
      return 'waiting for the instance to report'
    case 'unknown':
      return 'unknown (the boot status is unreadable)'
    default:
      return status.detail ?? (status.step ? `${status.phase}: ${status.step}` : status.phase)
  }
}

/** Kernels whose install failed, as `name: reason` lines (already sanitized). */
export function failedKernels(status: BootStatus): string[] {
  return Object.entries(status.kernels)
    .filter(([, result]) => result !== 'ok')
    .map(([name, result]) => `${name}: ${result.replace(/^failed:\s*/, '')}`)
}
