import type {CloudFormationClient} from '@aws-sdk/client-cloudformation'
import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch'
import type {CloudWatchLogsClient} from '@aws-sdk/client-cloudwatch-logs'
import type {CognitoIdentityProviderClient} from '@aws-sdk/client-cognito-identity-provider'
import type {EC2Client} from '@aws-sdk/client-ec2'
import type {EFSClient} from '@aws-sdk/client-efs'
import type {S3Client} from '@aws-sdk/client-s3'
import type {STSClient} from '@aws-sdk/client-sts'

export interface AwsClientOptions {
  /** --region; falls back to AWS_REGION / AWS_DEFAULT_REGION / the profile's region. */
  readonly region?: string
  /** --profile; overrides AWS_PROFILE. */
  readonly profile?: string
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

  forRegion(region: string): AwsClients {
    return new AwsClients({...this.options, region})
  }

  private config() {
    return {
      ...(this.region ? {region: this.region} : {}),
      ...(this.options.profile ? {profile: this.options.profile} : {}),
      retryMode: 'adaptive',
      maxAttempts: 6,
    }
  }

  private async client<T>(key: string, create: () => Promise<T>): Promise<T> {
    if (!this.cache.has(key)) this.cache.set(key, await create())
    return this.cache.get(key) as T
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
}
