import {createServer} from 'node:http'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {toAwsError} from '../../src/aws/errors.js'
import {listEnvironments} from '../../src/lib/environments/discover.js'
import {freePort} from '../helpers/ports.js'

describe('adaptive retries against a throttling endpoint', () => {
  const bodies: string[] = []
  let url = ''
  let requests = 0
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => (body += chunk))
    request.on('end', () => {
      requests++
      bodies.push(body)
      if (requests <= 2) {
        response.writeHead(400, {'Content-Type': 'text/xml'})
        response.end(
          '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>',
        )
        return
      }
      response.writeHead(200, {'Content-Type': 'text/xml'})
      response.end(`<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>
        <StackName>arw-lab1</StackName><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/arw-lab1/1</StackId><StackStatus>CREATE_COMPLETE</StackStatus>
        <CreationTime>2026-11-01T09:00:00Z</CreationTime>
        <Tags><member><Key>aws-research-wizard:environment</Key><Value>lab1</Value></member><member><Key>aws-research-wizard:domain</Key><Value>genomics</Value></member></Tags>
        <Outputs><member><OutputKey>InstanceId</OutputKey><OutputValue>i-0123</OutputValue></member></Outputs>
      </member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata></DescribeStacksResponse>`)
    })
  })

  beforeAll(async () => {
    const port = await freePort()
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('retries throttled calls and succeeds, through AWS_ENDPOINT_URL', async () => {
    const saved = {...process.env}
    Object.assign(process.env, {AWS_ENDPOINT_URL: url, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing'})
    try {
      const environments = await listEnvironments(new AwsClients({region: 'us-east-1'}))
      expect(environments.map((e) => [e.name, e.domain, e.outputs.instanceId])).toEqual([['lab1', 'genomics', 'i-0123']])
      expect(requests).toBe(3)
      expect(bodies.every((b) => b.includes('Action=DescribeStacks'))).toBe(true)
    } finally {
      process.env = saved
    }
  }, 30_000)
})

describe('AWS error mapping', () => {
  const error = (name: string, message: string) => Object.assign(new Error(message), {name})
  it.each([
    [error('CredentialsProviderError', 'Could not load credentials from any providers'), 'no-credentials', 4],
    [
      error('TokenProviderError', 'The SSO session associated with this profile has expired or is otherwise invalid'),
      'sso-session-expired',
      4,
    ],
    [error('ExpiredTokenException', 'The security token included in the request is expired'), 'credentials-expired', 4],
    [error('UnrecognizedClientException', 'The security token included in the request is invalid'), 'invalid-credentials', 4],
    [
      error(
        'AccessDeniedException',
        'User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: ec2:StopInstances on resource: arn:aws:ec2:us-east-1:1:instance/i-1',
      ),
      'access-denied',
      4,
    ],
    [error('OptInRequired', 'You are not subscribed to this service in this region'), 'region-not-enabled', 4],
    [error('Error', 'Region is missing'), 'no-region', 2],
    [error('InsufficientInstanceCapacity', 'We currently do not have sufficient g5.xlarge capacity'), 'insufficient-capacity', 5],
    [
      error('VcpuLimitExceeded', 'You have requested more vCPU capacity than your current vCPU limit of 8 allows'),
      'instance-quota-exceeded',
      5,
    ],
    [
      error(
        'Error',
        "SSM parameter /cdk-bootstrap/hnb659fds/version not found. Has the environment been bootstrapped? Please run 'cdk bootstrap'",
      ),
      'not-bootstrapped',
      1,
    ],
  ])('%s -> %s', (input, code, exitCode) => {
    const mapped = toAwsError(input, {profile: 'research', region: 'us-east-1', alternativeInstanceTypes: ['g4dn.xlarge', 'g6.xlarge']})
    expect(mapped).toMatchObject({code, exitCode})
    expect((mapped as {actions: string[]}).actions.length).toBeGreaterThan(0)
  })

  it('names the missing action and suggests pack alternatives', () => {
    expect(toAwsError(error('AccessDenied', 'is not authorized to perform: cloudformation:CreateChangeSet on resource'))).toMatchObject({
      data: {action: 'cloudformation:CreateChangeSet'},
    })
    const capacity = toAwsError(error('InsufficientInstanceCapacity', 'no capacity'), {
      alternativeInstanceTypes: ['g4dn.xlarge', 'g6.xlarge'],
    }) as {actions: string[]}
    expect(capacity.actions.join(' ')).toContain('g4dn.xlarge, g6.xlarge')
    expect((toAwsError(error('TokenProviderError', 'SSO token expired')) as {actions: string[]}).actions[0]).toBe(
      'Sign in again: aws sso login',
    )
  })

  it('leaves unknown errors alone so they surface as bugs', () => {
    const bug = new TypeError('x is undefined')
    expect(toAwsError(bug)).toBe(bug)
  })
})
