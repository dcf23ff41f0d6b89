import {DescribeImagesCommand, DescribeSubnetsCommand, DescribeVpcsCommand, type EC2Client} from '@aws-sdk/client-ec2'
import {type ChildProcess, spawn} from 'node:child_process'
import {createServer, request, type Server} from 'node:http'
import {join} from 'node:path'
import {freePort, waitFor} from './ports.js'

export interface MotoServer {
  readonly url: string
  readonly port: number
  stop(): Promise<void>
  reset(): Promise<void>
}

/**
 * Starts the moto AWS API server from this machine's python3 on 127.0.0.1; `script`, a
 * Python file taking the port, starts it with the test's own patches for moto's gaps.
 */
export async function startMoto(options: {script?: string} = {}): Promise<MotoServer> {
  const port = await freePort()
  let log = ''
  const args = options.script ? [options.script, String(port)] : ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)]
  const child: ChildProcess = spawn('python3', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (d) => (log += d))
  child.stderr?.on('data', (d) => (log = (log + d).slice(-20_000)))
  const url = `http://localhost:${port}`
  await waitFor('moto', async () => (await fetch(`${url}/moto-api/`, {signal: AbortSignal.timeout(2000)})).ok, 30_000).catch((error) => {
    child.kill('SIGKILL')
    throw new Error(`${error.message}\n${log}`)
  })
  return {
    url,
    port,
    reset: async () => void (await fetch(`${url}/moto-api/reset`, {method: 'POST'})),
    stop: async () => {
      child.kill('SIGTERM')
      await new Promise((r) => setTimeout(r, 300))
      if (child.exitCode === null) child.kill('SIGKILL')
    },
  }
}

export interface RecordingProxy {
  readonly url: string
  /** Service names from each request's SigV4 credential scope (e.g. cloudformation, ec2, monitoring). */
  readonly services: Set<string>
  readonly requests: number
  stop(): Promise<void>
}

/**
 * A pass-through HTTP proxy in front of moto that records which AWS service each
 * signed request was for, so a test can prove every client honoured AWS_ENDPOINT_URL.
 */
export async function startRecordingProxy(targetPort: number): Promise<RecordingProxy> {
  const services = new Set<string>()
  let requests = 0
  const server: Server = createServer((incoming, outgoing) => {
    requests++
    const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(String(incoming.headers.authorization ?? ''))
    if (scope?.[1]) services.add(scope[1])
    const forward = request(
      {host: '127.0.0.1', port: targetPort, method: incoming.method, path: incoming.url, headers: incoming.headers},
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers)
        response.pipe(outgoing)
      },
    )
    forward.on('error', (error) => {
      outgoing.writeHead(502)
      outgoing.end(String(error))
    })
    incoming.pipe(forward)
  })
  const port = await freePort()
  // Dual-stack where possible: "localhost" may resolve to ::1 or 127.0.0.1.
  await new Promise<void>((resolve) => {
    server.once('error', () => server.listen(port, '127.0.0.1', resolve))
    server.listen({port, host: '::', ipv6Only: false}, resolve)
  })
  return {
    url: `http://localhost:${port}`,
    services,
    get requests() {
      return requests
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/**
 * Deploy flags that place an environment in moto's default VPC with an image moto
 * knows: moto has no public Ubuntu parameters, no CloudFront or Cognito, and cannot
 * delete a stack-made VPC with a NAT gateway, so environments there are private and
 * use an existing network.
 */
export async function motoPlacementFlags(ec2: EC2Client): Promise<string[]> {
  const {Vpcs = []} = await ec2.send(new DescribeVpcsCommand({Filters: [{Name: 'is-default', Values: ['true']}]}))
  const {Subnets = []} = await ec2.send(new DescribeSubnetsCommand({Filters: [{Name: 'vpc-id', Values: [Vpcs[0]!.VpcId!]}]}))
  const {Images = []} = await ec2.send(new DescribeImagesCommand({Filters: [{Name: 'architecture', Values: ['x86_64']}]}))
  return [
    '--access',
    'private',
    '--ami-id',
    Images[0]!.ImageId!,
    '--vpc-id',
    Vpcs[0]!.VpcId!,
    '--subnet-id',
    Subnets[0]!.SubnetId!,
    '--availability-zone',
    Subnets[0]!.AvailabilityZone!,
    '--vpc-cidr',
    Vpcs[0]!.CidrBlock!,
    '--owner',
    'ada',
  ]
}

/**
 * The environment the built CLI runs in against an AWS stand-in: fake credentials, no
 * user config files, a home of the test's own, CI set (no prompts without --yes).
 */
export function cliEnvironment(endpoint: string, home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    CI: 'true',
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
  }
}

/**
 * Points this process's own SDK clients (the test's checks and seeding) at `endpoint`
 * with moto's fake credentials; returns the undo for afterAll.
 */
export function pointSdkAt(endpoint: string): () => void {
  const values = {AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing'}
  for (const [key, value] of Object.entries(values)) process.env[key] = value
  return () => {
    for (const key of Object.keys(values)) delete process.env[key]
  }
}
