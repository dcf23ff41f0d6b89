import type {IIoHost, IoMessage, IoRequest} from '@aws-cdk/toolkit-lib'
import {resourceKind} from '../diff/describe.js'

export interface StackEventSummary {
  readonly logicalId: string
  readonly resourceType: string
  readonly status: string
  readonly reason?: string
  readonly timestamp?: string
}

export interface IoHostOptions {
  /** Progress lines for the listr2 task (latest wins). */
  readonly onProgress?: (line: string) => void
  /** Confirmation answer: true with --yes; otherwise asked through this callback. */
  readonly confirm?: (question: string) => Promise<boolean>
  /** Where toolkit warnings go (stderr for people; collected under --json). */
  readonly onWarning?: (message: string) => void
  /** Pass every toolkit message on (--verbose); by default its internals are dropped. */
  readonly verbose?: boolean
}

/**
 * Toolkit lines that mean nothing to people: timings, an empty "Stack ARN:", asset
 * hashes and publishing chatter. Shown only with --verbose.
 */
const TOOLKIT_INTERNALS = [
  /\b(Synthesis|Deployment|Total) time\b/i,
  /Stack ARN:\s*$/,
  /\b[0-9a-f]{40,}\b/,
  /\b(start|success): (Building|Publishing)\b/,
  /current_account-current_region/,
]

/** True for a toolkit line people should see without --verbose. */
export function isUserFacing(line: string): boolean {
  return line.trim().length > 0 && !TOOLKIT_INTERNALS.some((pattern) => pattern.test(line))
}

/** Toolkit warnings that name CDK CLI flags this CLI does not have, said in our terms. */
export function rewordToolkitWarning(message: string): string {
  if (/--cloudformation-execution-policies/.test(message) && /AdministratorAccess/.test(message))
    return 'Deployments from this account use the CDK default execution policy (AdministratorAccess). To narrow it, bootstrap with the CDK CLI instead: npx cdk bootstrap --cloudformation-execution-policies <policy ARN>.'
  return message
}

/**
 * Adapts @aws-cdk/toolkit-lib's messages to our progress and prompts: stack events
 * become progress lines and are kept so a failure can name the first failing
 * resource; confirmations are answered by --yes or the user; debug chatter is dropped.
 */
export class WizardIoHost implements IIoHost {
  readonly events: StackEventSummary[] = []
  readonly errors: string[] = []

  constructor(private readonly options: IoHostOptions = {}) {}

  async notify(message: IoMessage<unknown>): Promise<void> {
    if (message.code === 'CDK_TOOLKIT_I5502') {
      const data = message.data as {
        event?: {
          LogicalResourceId?: string
          ResourceType?: string
          ResourceStatus?: string
          ResourceStatusReason?: string
          Timestamp?: Date
        }
        progress?: {formatted?: string}
      }
      const event = data.event
      if (event?.LogicalResourceId) {
        this.events.push({
          logicalId: event.LogicalResourceId,
          resourceType: event.ResourceType ?? '',
          status: event.ResourceStatus ?? '',
          ...(event.ResourceStatusReason ? {reason: event.ResourceStatusReason} : {}),
          ...(event.Timestamp ? {timestamp: new Date(event.Timestamp).toISOString()} : {}),
        })
        const counter = data.progress?.formatted ? `[${data.progress.formatted.trim()}] ` : ''
        this.options.onProgress?.(
          this.options.verbose
            ? `${counter}${event.ResourceStatus} ${event.ResourceType} ${event.LogicalResourceId}`
            : `${counter}${event.ResourceType === 'AWS::CloudFormation::Stack' ? 'stack' : resourceKind(event.ResourceType ?? '')}: ${(event.ResourceStatus ?? '').toLowerCase().replaceAll('_', ' ')}`,
        )
      }
      return
    }
    if (message.level === 'error') {
      this.errors.push(message.message)
      return
    }
    if (message.level === 'warn') {
      this.options.onWarning?.(rewordToolkitWarning(stripAnsi(message.message)))
      return
    }
    if (message.level === 'info' || message.level === 'result') {
      const line = message.message
        .split('\n')
        .map(stripAnsi)
        .find((l) => (this.options.verbose ? l.trim().length > 0 : isUserFacing(l)))
      if (line) this.options.onProgress?.(line.slice(0, 160))
    }
  }

  async requestResponse<T>(request: IoRequest<unknown, T>): Promise<T> {
    if (typeof request.defaultResponse === 'boolean' && this.options.confirm) {
      return (await this.options.confirm(stripAnsi(request.message))) as T
    }
    return request.defaultResponse
  }

  /** The first resource that failed, the usual root cause of a rollback. */
  firstFailure(): StackEventSummary | undefined {
    return [...this.events]
      .filter((e) => /_FAILED$/.test(e.status) && e.reason && !/Resource creation cancelled|Resource update cancelled/i.test(e.reason))
      .sort((a, b) => (a.timestamp ?? '').localeCompare(b.timestamp ?? ''))[0]
  }
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}
