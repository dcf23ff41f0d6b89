import type {BootStatus} from '../readiness/boot-status.js'
import {sanitizeText} from '../readiness/boot-status.js'
import type {EnvironmentSpec} from '../spec/types.js'

export type ChecklistState = 'done' | 'pending' | 'failed' | 'not-reported'

export interface ChecklistItem {
  readonly state: ChecklistState
  readonly text: string
}

export interface QuickStartChecklist {
  readonly items: readonly ChecklistItem[]
  readonly access: string
  readonly userManagement: string
}

export interface ChecklistInput {
  readonly spec: EnvironmentSpec
  readonly outputs: Readonly<Record<string, string>>
  /** The hub's boot status after deploy (absent with --no-wait on an unchanged hub). */
  readonly hub?: BootStatus
  /** Example notebooks the hub reported installing (the `examples` count of its boot status). */
  readonly examplesReported?: number
  /** How to reach the hub (the deploy's sign-in text: HTTPS address, or port forwarding). */
  readonly access: string
  readonly bin: string
}

/**
 * The closing checklist, every line derived from what AWS and the hub reported: the
 * instance type from the stack output, kernels from the boot status, examples from the
 * hub's own count, cost tracking from the spec the stack was deployed from. Nothing is
 * claimed that was not seen.
 */
export function buildChecklist(input: ChecklistInput): QuickStartChecklist {
  const {spec, outputs, hub} = input
  const ready = hub?.phase === 'ready'
  const instanceType = outputs.InstanceType ?? spec.instance.type
  const items: ChecklistItem[] = []
  items.push(
    ready
      ? {state: 'done', text: `JupyterHub deployed on ${instanceType}`}
      : hub?.phase === 'failed'
        ? {state: 'failed', text: `JupyterHub on ${instanceType} failed to start${hub.failedStep ? ` at ${hub.failedStep}` : ''}`}
        : {state: 'pending', text: `JupyterHub on ${instanceType} is still booting (jupyter status ${spec.name})`},
  )
  const kernels = Object.entries(hub?.kernels ?? {})
  const failed = kernels.filter(([, state]) => state !== 'ok')
  const label = `${spec.displayName} kernel${spec.kernels.length === 1 ? '' : 's'}`
  items.push(
    failed.length > 0
      ? {state: 'failed', text: `${label}: ${failed.map(([name, state]) => `${name} ${state}`).join('; ')}`}
      : ready
        ? {state: 'done', text: `${label} configured (${spec.kernels.map((k) => k.language).join(', ')})`}
        : {state: 'pending', text: `${label} being installed`},
  )
  if (spec.notebookExamples) {
    items.push(
      input.examplesReported !== undefined && input.examplesReported > 0
        ? {state: 'done', text: `Example notebooks installed (${input.examplesReported} in /shared/examples)`}
        : ready
          ? {state: 'not-reported', text: 'Example notebooks: the hub did not report installing any'}
          : {state: 'pending', text: 'Example notebooks: installed when the hub has booted'},
    )
  }
  items.push(
    spec.cost.tracking && spec.cost.monthlyBudgetUsd
      ? {
          state: 'done',
          text: `Cost tracking enabled (budget $${spec.cost.monthlyBudgetUsd}/month, alerts to ${spec.cost.alertEmails.join(', ') || 'nobody'})`,
        }
      : spec.cost.tracking
        ? {state: 'done', text: 'Cost tracking enabled (cost-allocation tags; no budget)'}
        : {state: 'not-reported', text: 'Cost tracking is off in this pack'},
  )
  return {
    items: items.map((item) => ({...item, text: sanitizeText(item.text, 300)})),
    access: input.access,
    userManagement: `${input.bin} jupyter users add ${spec.name} <email>`,
  }
}

const ICON: Record<ChecklistState, string> = {done: '✅', pending: '⏳', failed: '❌', 'not-reported': '⚠️ '}

export function renderChecklist(checklist: QuickStartChecklist): string {
  return [
    ...checklist.items.map((item) => `${ICON[item.state]} ${item.text}`),
    `🌐 Access: ${checklist.access}`,
    `👥 User management: ${checklist.userManagement}`,
  ].join('\n')
}

/** The `examples` count the hub writes into its boot status, if it writes one. */
export function examplesFromBootStatus(raw: string | undefined): number | undefined {
  try {
    const value = (JSON.parse(raw ?? '') as {examples?: unknown}).examples
    const count = typeof value === 'number' ? value : (value as {installed?: unknown} | undefined)?.installed
    return typeof count === 'number' && Number.isInteger(count) && count >= 0 && count < 100_000 ? count : undefined
  } catch {
    return undefined
  }
}
