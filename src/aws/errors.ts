import {ExitCode, isWizardError, WizardError} from '../errors.js'

export interface AwsErrorContext {
  /** --profile in effect, to name it in remedies. */
  readonly profile?: string
  readonly region?: string
  /** Instance types to suggest when capacity or quota runs out. */
  readonly alternativeInstanceTypes?: readonly string[]
}

interface SdkError {
  name?: string
  code?: string
  message?: string
  Code?: string
  $metadata?: {httpStatusCode?: number; requestId?: string; extendedRequestId?: string}
  $fault?: 'client' | 'server'
  $response?: unknown
  address?: string
  port?: number
  hostname?: string
  cause?: unknown
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'EPIPE'])
/** What the SDK says when a response body is not the XML/JSON the protocol expects. */
const UNPARSEABLE =
  /Deserialization error|Unexpected token|is not valid JSON|Expected closing tag|non-whitespace before first tag|Unexpected end of JSON|not well-formed|char '.' is not expected/i

/** The connection error in an error or its cause chain (the toolkit wraps SDK errors). */
function connectionFailure(error: SdkError | undefined, depth = 0): SdkError | undefined {
  if (!error || depth > 4) return undefined
  if (CONNECTION_CODES.has(error.code ?? '') || /\b(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)\b/.test(error.message ?? ''))
    return error
  return connectionFailure(error.cause as SdkError | undefined, depth + 1)
}

/** The endpoint a failed connection went to, as precisely as the error tells. */
function endpointOf(error: SdkError): string {
  if (error.address) return `${error.hostname ?? error.address}${error.port ? `:${error.port}` : ''}`
  const named = /(?:connect|getaddrinfo)\s+[A-Z_]+\s+(\S+)/.exec(error.message ?? '')
  if (named) return named[1]!
  return process.env.AWS_ENDPOINT_URL ?? 'the AWS endpoint'
}

const NO_CREDENTIALS =
  /could not load credentials|no credentials|credentials? (?:have|has) not been configured|unable to resolve credentials|need to perform aws calls/i
const SSO_EXPIRED = /(sso|token).*(expired|refresh failed)|the sso session .* has expired|invalid_grant/i
const NOT_AUTHORIZED = /is not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9*]+)/i

/** An AWS call that did not finish in time: exit 1, naming the endpoint and the operation. */
export function awsTimeoutError(endpoint: string, operation: string, afterMs?: number): WizardError {
  return new WizardError({
    code: 'aws-timeout',
    message: `${operation} at ${endpoint} did not answer ${afterMs === undefined ? 'in time' : `within ${Math.round(afterMs / 1000)} s`}.`,
    actions: [
      'Check the network path to AWS (proxy, VPN, firewall) and retry.',
      'If AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_<SERVICE> is set, check that the endpoint it names is running.',
    ],
    exitCode: ExitCode.failure,
    data: {endpoint, operation},
  })
}

/**
 * Turns SDK and toolkit failures into coded errors with the fix. Unknown errors pass
 * through unchanged so they are reported as bugs rather than mislabelled.
 */
export function toAwsError(error: unknown, context: AwsErrorContext = {}): unknown {
  if (isWizardError(error)) return error
  const e = (error ?? {}) as SdkError
  const name = e.name ?? e.code ?? e.Code ?? ''
  const message = e.message ?? String(error)
  const profileHint = context.profile ? ` --profile ${context.profile}` : ''

  // The HTTP handler's own connection and socket-idle timeouts, once retries are spent.
  if (name === 'TimeoutError' || /^(Connection timed out after|socket hang up|Request timed out)/i.test(message)) {
    return awsTimeoutError('the AWS endpoint', 'A request', undefined)
  }
  const unreachable = connectionFailure(e)
  if (unreachable) {
    const endpoint = endpointOf(unreachable)
    return new WizardError({
      code: 'aws-unreachable',
      message: `Could not connect to ${endpoint} (${unreachable.code ?? unreachable.name ?? 'connection failed'}); nothing was sent to AWS by this request.`,
      actions: [
        'Check the network path to AWS (proxy, VPN, firewall, DNS) and retry.',
        'If AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_<SERVICE> is set, check that the endpoint it names is running.',
      ],
      exitCode: ExitCode.failure,
      cause: error,
      data: {endpoint},
    })
  }
  if (name === 'TokenProviderError' || (SSO_EXPIRED.test(message) && /sso/i.test(message))) {
    return new WizardError({
      code: 'sso-session-expired',
      message: `Your AWS SSO session has expired: ${message}`,
      actions: [`Sign in again: aws sso login${profileHint}`],
      exitCode: ExitCode.credentials,
      cause: error,
    })
  }
  if (name === 'CredentialsProviderError' || NO_CREDENTIALS.test(message)) {
    return new WizardError({
      code: 'no-credentials',
      message: 'No AWS credentials were found.',
      actions: [
        'Configure a profile (aws configure, or aws configure sso) and pass --profile NAME, or set AWS_PROFILE.',
        'In CI, set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or use an OIDC role.',
        'To plan without AWS, add --dry-run.',
      ],
      exitCode: ExitCode.credentials,
      cause: error,
    })
  }
  if (['ExpiredToken', 'ExpiredTokenException', 'RequestExpired'].includes(name)) {
    return new WizardError({
      code: 'credentials-expired',
      message: `Your AWS credentials have expired (${name}).`,
      actions: [`Refresh them (aws sso login${profileHint}, or new session credentials) and retry.`],
      exitCode: ExitCode.credentials,
      cause: error,
    })
  }
  if (['UnrecognizedClientException', 'InvalidClientTokenId', 'AuthFailure', 'SignatureDoesNotMatch'].includes(name)) {
    return new WizardError({
      code: 'invalid-credentials',
      message: `AWS rejected the credentials (${name}): ${message}`,
      actions: ['Check the access key, or pick the right --profile.'],
      exitCode: ExitCode.credentials,
      cause: error,
    })
  }
  if (['OptInRequired', 'InvalidRegion'].includes(name) || /region .* (not enabled|opted|disabled)/i.test(message)) {
    return new WizardError({
      code: 'region-not-enabled',
      message: `Region ${context.region ?? '(unknown)'} is not enabled for this account: ${message}`,
      actions: ['Enable the region under Account > AWS Regions in the console, or choose another --region.'],
      exitCode: ExitCode.credentials,
      cause: error,
    })
  }
  if (/region is missing/i.test(message)) {
    return new WizardError({
      code: 'no-region',
      message: 'No AWS region is configured.',
      actions: ['Pass --region (e.g. --region us-east-1), set AWS_REGION, or set a region in your profile.'],
      exitCode: ExitCode.usage,
      cause: error,
    })
  }
  const denied = NOT_AUTHORIZED.exec(message)
  if (denied || ['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess'].includes(name)) {
    const action = denied?.[1]
    return new WizardError({
      code: 'access-denied',
      message: action ? `Access denied: your identity may not call ${action}.` : `Access denied (${name}): ${message}`,
      actions: [
        action
          ? `Ask your AWS administrator to allow ${action} for your role or user.`
          : 'Ask your AWS administrator for the missing permission named above.',
      ],
      exitCode: ExitCode.credentials,
      cause: error,
      data: action ? {action} : undefined,
    })
  }
  if (
    ['InsufficientInstanceCapacity', 'InstanceLimitExceeded', 'VcpuLimitExceeded', 'MaxSpotInstanceCountExceeded', 'Unsupported'].includes(
      name,
    ) ||
    /InsufficientInstanceCapacity|VcpuLimitExceeded|InstanceLimitExceeded/.test(message)
  ) {
    const quota = /Limit/.test(name) || /VcpuLimitExceeded|InstanceLimitExceeded/.test(message)
    const alternatives = context.alternativeInstanceTypes?.length
      ? `Try another type from the pack: ${context.alternativeInstanceTypes.join(', ')}.`
      : 'Try another instance type.'
    return new WizardError({
      code: quota ? 'instance-quota-exceeded' : 'insufficient-capacity',
      message: quota
        ? `Your EC2 quota does not allow this instance: ${message}`
        : `AWS has no capacity for this instance type right now: ${message}`,
      actions: quota
        ? ['Request a quota increase (Service Quotas > Amazon EC2 > Running On-Demand instances).', alternatives]
        : [alternatives, 'Or retry later / in another --region.'],
      exitCode: ExitCode.deployFailed,
      cause: error,
    })
  }
  if (['ThrottlingException', 'Throttling', 'RequestLimitExceeded', 'TooManyRequestsException'].includes(name)) {
    return new WizardError({
      code: 'throttled',
      message: `AWS kept throttling requests after retries (${name}).`,
      actions: ['Wait a minute and retry.'],
      exitCode: ExitCode.failure,
      cause: error,
    })
  }
  const status = e.$metadata?.httpStatusCode
  if ((status !== undefined && status >= 500) || e.$fault === 'server' || UNPARSEABLE.test(message)) {
    const requestId = e.$metadata?.requestId ?? e.$metadata?.extendedRequestId
    const what = UNPARSEABLE.test(message) ? 'an answer that could not be read' : `HTTP ${status ?? '5xx'} (${name || 'server error'})`
    return new WizardError({
      code: 'aws-error',
      message: `AWS returned ${what}${requestId ? `, request id ${requestId}` : ''}: ${message.split('\n')[0]}`,
      actions: [
        'This is on the AWS side (or the endpoint in AWS_ENDPOINT_URL): retry in a minute.',
        `If it persists, check the AWS Health Dashboard${requestId ? ` and quote request id ${requestId} to AWS Support` : ''}.`,
      ],
      exitCode: ExitCode.failure,
      cause: error,
      data: {httpStatusCode: status, ...(requestId ? {requestId} : {})},
    })
  }
  if (/bootstrap/i.test(message) && /(not|no|requires|run)/i.test(message)) {
    return new WizardError({
      code: 'not-bootstrapped',
      message: `This account and region are not prepared for deployments: ${message.split('\n')[0]}`,
      actions: [
        `Run once per account and region: aws-research-wizard bootstrap${context.region ? ` --region ${context.region}` : ''}${profileHint}`,
      ],
      exitCode: ExitCode.failure,
      cause: error,
    })
  }
  return error
}

/** Wraps an async call so AWS failures surface as coded errors. */
export async function withAwsErrors<T>(call: () => Promise<T>, context: AwsErrorContext = {}): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw toAwsError(error, context)
  }
}
