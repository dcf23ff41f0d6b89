import type {IIoHost, IoMessage, IoRequest} from '@aws-cdk/toolkit-lib'

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
        this.options.onProgress?.(
          `${data.progress?.formatted ? `[${data.progress.formatted.trim()}] ` : ''}${event.ResourceStatus} ${event.ResourceType} ${event.LogicalResourceId}`,
        )
      }
      return
    }
    if (message.level === 'error') {
      this.errors.push(message.message)
      return
    }
    if (message.level === 'warn') {
      this.options.onWarning?.(message.message)
      return
    }
    if (message.level === 'info' || message.level === 'result') {
      const line = message.message.split('\n').find((l) => l.trim().length > 0)
      if (line) this.options.onProgress?.(stripAnsi(line).slice(0, 160))
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
