import type {CloudFormationClient} from '@aws-sdk/client-cloudformation'
import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch'
import type {CloudWatchLogsClient} from '@aws-sdk/client-cloudwatch-logs'
import type {BudgetsClient} from '@aws-sdk/client-budgets'
import type {CognitoIdentityProviderClient} from '@aws-sdk/client-cognito-identity-provider'
import type {CostExplorerClient} from '@aws-sdk/client-cost-explorer'
import type {EC2Client} from '@aws-sdk/client-ec2'
import type {EFSClient} from '@aws-sdk/client-efs'
import type {PricingClient} from '@aws-sdk/client-pricing'
import type {S3Client} from '@aws-sdk/client-s3'
import type {SSMClient} from '@aws-sdk/client-ssm'
import type {STSClient} from '@aws-sdk/client-sts'
import {credentialProcessFor, runCredentialProcess} from './credential-process.js'
import {awsTimeoutError} from './errors.js'

export interface AwsClientOptions {
  /** --region; falls back to AWS_REGION / AWS_DEFAULT_REGION / the profile's region. */
  readonly region?: string
  /** --profile; overrides AWS_PROFILE. */
  readonly profile?: string
  /** Bounds of every request; the defaults suit the CLI, tests shorten them. */
  readonly timeouts?: Partial<AwsTimeouts>
}

/**
 * Everything ends. connection: TCP/TLS connect. socketIdle: a response that stops
 * arriving (an endpoint that accepts and never answers, or stalls after the headers).
 * operation: one SDK call including its retries and credential resolution, after which
 * the call fails with aws-timeout naming the endpoint. credentialProcess: the profile's
 * credential_process is killed after this long.
 */
export interface AwsTimeouts {
  readonly connectionMs: number
  readonly socketIdleMs: number
  readonly operationMs: number
  readonly credentialProcessMs: number
}

export const DEFAULT_AWS_TIMEOUTS: AwsTimeouts = {
  connectionMs: 5_000,
  socketIdleMs: 30_000,
  operationMs: 90_000,
  credentialProcessMs: 30_000,
}
// Uploads of large objects keep the socket busy (so the idle bound holds) but may take longer overall.
const S3_OPERATION_MS = 15 * 60_000

interface DeadlineContext {
  arwEndpoint?: string
  commandName?: string
  clientName?: string
}

interface MiddlewareClient {
  middlewareStack: {add: (middleware: unknown, options: Record<string, unknown>) => void}
}

/**
 * Adds the per-operation deadline to a client: an outer middleware races the whole
 * operation (retries, signing, credential resolution) against a timer; an inner one
 * records the endpoint each attempt goes to, so the error can name it.
 */
export function addOperationDeadline(client: MiddlewareClient, operationMs: number, fallbackEndpoint: () => string): void {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: DeadlineContext) => async (args: unknown) => {
      let timer: NodeJS.Timeout | undefined
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(awsTimeoutError(context.arwEndpoint ?? fallbackEndpoint(), context.commandName ?? 'request', operationMs)),
          operationMs,
        )
        timer.unref()
      })
      try {
        return await Promise.race([next(args), deadline])
      } finally {
        clearTimeout(timer)
      }
    },
    {step: 'initialize', name: 'arwOperationDeadline', priority: 'high'},
  )
  client.middlewareStack.add(
    (next: (args: {request?: {protocol?: string; hostname?: string; port?: number}}) => Promise<unknown>, context: DeadlineContext) =>
      async (args: {request?: {protocol?: string; hostname?: string; port?: number}}) => {
        const request = args.request
        if (request?.hostname)
          context.arwEndpoint = `${request.protocol ?? 'https:'}//${request.hostname}${request.port ? `:${request.port}` : ''}`
        return next(args)
      },
    {step: 'finalizeRequest', name: 'arwRecordEndpoint', priority: 'high'},
  )
}

/**
 * The only place SDK clients are built. Credentials come from the default provider
 * chain (environment, profiles, SSO, instance roles); endpoints honour AWS_ENDPOINT_URL
 * and AWS_ENDPOINT_URL_<SERVICE> (LocalStack, moto); retries adapt to throttling.
 * Each SDK package is imported on first use so commands that do not call AWS stay fast.
 */
export class AwsClients {
  private readonly cache = new Map<string, unknown>()

  constructor(readonly options: AwsClientOptions = {}) {}

  /** The region every client uses, or undefined when none is configured anywhere we can see without a call. */
  get region(): string | undefined {
    return this.options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION
  }

  /** Clients for another region; the same instance (and its built clients) for this one. */
  forRegion(region: string): AwsClients {
    return region === this.region ? this : new AwsClients({...this.options, region})
  }

  get timeouts(): AwsTimeouts {
    return {...DEFAULT_AWS_TIMEOUTS, ...this.options.timeouts}
  }

  private config() {
    const {connectionMs, socketIdleMs, credentialProcessMs} = this.timeouts
    const command = credentialProcessFor(this.options.profile)
    return {
      ...(this.region ? {region: this.region} : {}),
      ...(this.options.profile ? {profile: this.options.profile} : {}),
      retryMode: 'adaptive',
      maxAttempts: 6,
      // Without these the SDK waits on a silent endpoint for ever.
      requestHandler: {connectionTimeout: connectionMs, requestTimeout: socketIdleMs},
      ...(command ? {credentials: () => runCredentialProcess(command, credentialProcessMs)} : {}),
    }
  }

  private async client<T>(key: string, create: () => Promise<T>): Promise<T> {
    if (!this.cache.has(key)) {
      const client = await create()
      const operationMs = key === 's3' ? Math.max(S3_OPERATION_MS, this.timeouts.operationMs) : this.timeouts.operationMs
      addOperationDeadline(client as unknown as MiddlewareClient, operationMs, () => this.endpointFor(key))
      this.cache.set(key, client)
    }
    return this.cache.get(key) as T
  }

  /** The endpoint a service is reached at, for messages (the real one is recorded per request). */
  private endpointFor(service: string): string {
    const variable = `AWS_ENDPOINT_URL_${service.toUpperCase()}`
    return process.env[variable] ?? process.env.AWS_ENDPOINT_URL ?? `https://${service}.${this.region ?? '<region>'}.amazonaws.com`
  }

  cloudFormation(): Promise<CloudFormationClient> {
    return this.client(
      'cloudformation',
      async () => new (await import('@aws-sdk/client-cloudformation')).CloudFormationClient(this.config()),
    )
  }

  ec2(): Promise<EC2Client> {
    return this.client('ec2', async () => new (await import('@aws-sdk/client-ec2')).EC2Client(this.config()))
  }

  cloudWatch(): Promise<CloudWatchClient> {
    return this.client('cloudwatch', async () => new (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient(this.config()))
  }

  logs(): Promise<CloudWatchLogsClient> {
    return this.client('logs', async () => new (await import('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient(this.config()))
  }

  ssm(): Promise<SSMClient> {
    return this.client('ssm', async () => new (await import('@aws-sdk/client-ssm')).SSMClient(this.config()))
  }

  sts(): Promise<STSClient> {
    return this.client('sts', async () => new (await import('@aws-sdk/client-sts')).STSClient(this.config()))
  }

  s3(): Promise<S3Client> {
    return this.client(
      's3',
      async () =>
        new (await import('@aws-sdk/client-s3')).S3Client({
          ...this.config(),
          forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3),
        }),
    )
  }

  cognito(): Promise<CognitoIdentityProviderClient> {
    return this.client(
      'cognito',
      async () => new (await import('@aws-sdk/client-cognito-identity-provider')).CognitoIdentityProviderClient(this.config()),
    )
  }

  efs(): Promise<EFSClient> {
    return this.client('efs', async () => new (await import('@aws-sdk/client-efs')).EFSClient(this.config()))
  }

  // Cost Explorer, Budgets and the Price List API are global services answered from
  // us-east-1 (Price List also from ap-south-1/eu-central-1): pinned whatever the
  // environment's region, so a user in eu-west-1 still gets answers.
  costExplorer(): Promise<CostExplorerClient> {
    return this.client(
      'costexplorer',
      async () => new (await import('@aws-sdk/client-cost-explorer')).CostExplorerClient({...this.config(), region: 'us-east-1'}),
    )
  }

  budgets(): Promise<BudgetsClient> {
    return this.client(
      'budgets',
      async () => new (await import('@aws-sdk/client-budgets')).BudgetsClient({...this.config(), region: 'us-east-1'}),
    )
  }

  pricing(): Promise<PricingClient> {
    return this.client(
      'pricing',
      async () => new (await import('@aws-sdk/client-pricing')).PricingClient({...this.config(), region: 'us-east-1'}),
    )
  }
}
