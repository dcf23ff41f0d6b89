import {execFileSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {createServer as createHttpServer} from 'node:http'
import {createServer, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DescribeStacksCommand} from '@aws-sdk/client-cloudformation'
import {GetCallerIdentityCommand} from '@aws-sdk/client-sts'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {credentialProcessFor, parseIni} from '../../src/aws/credential-process.js'
import {toAwsError} from '../../src/aws/errors.js'
import {freePort} from '../helpers/ports.js'

/**
 * Everything ends: a silent endpoint, one that stalls after the headers and a
 * credential_process that never returns all fail in bounded time with a coded error.
 * Loopback servers only; every case is bounded by the short timeouts below.
 */
const SHORT = {connectionMs: 1_000, socketIdleMs: 1_000, operationMs: 3_000, credentialProcessMs: 1_000}

async function timed<T>(work: () => Promise<T>): Promise<{error: unknown; ms: number}> {
  const start = Date.now()
  try {
    await work()
    return {error: undefined, ms: Date.now() - start}
  } catch (error) {
    return {error: toAwsError(error), ms: Date.now() - start}
  }
}

function withEnv<T>(values: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const saved = {...process.env}
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  return work().finally(() => {
    process.env = saved
  })
}

describe('AWS calls against endpoints that never finish', () => {
  const sockets = new Set<Socket>()
  // Accepts connections and never writes a byte.
  const silent = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
  })
  // Sends the status line and headers, then nothing.
  const stalling = createHttpServer((_request, response) => {
    response.writeHead(200, {'Content-Type': 'text/xml', 'Content-Length': '1000'})
    response.write('<DescribeStacksResponse>')
  })
  let silentUrl = ''
  let stallingUrl = ''

  beforeAll(async () => {
    const [a, b] = [await freePort(), await freePort()]
    await new Promise<void>((resolve) => silent.listen(a, '127.0.0.1', resolve))
    await new Promise<void>((resolve) => stalling.listen(b, '127.0.0.1', resolve))
    silentUrl = `http://127.0.0.1:${a}`
    stallingUrl = `http://127.0.0.1:${b}`
  })
  afterAll(async () => {
    for (const socket of sockets) socket.destroy()
    stalling.closeAllConnections()
    await Promise.all([new Promise((r) => silent.close(r)), new Promise((r) => stalling.close(r))])
  })

  it.each([
    ['accepts and never answers', () => silentUrl],
    ['stalls after the headers', () => stallingUrl],
  ])(
    'an endpoint that %s fails with aws-timeout naming it, within the deadline',
    async (_title, url) => {
      const {error, ms} = await withEnv({AWS_ENDPOINT_URL: url(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing'}, () =>
        timed(async () =>
          (await new AwsClients({region: 'us-east-1', timeouts: SHORT}).cloudFormation()).send(new DescribeStacksCommand({})),
        ),
      )
      expect(error).toMatchObject({code: 'aws-timeout', exitCode: 1})
      expect((error as Error).message).toContain(url())
      expect((error as Error).message).toContain('DescribeStacks')
      expect(ms).toBeLessThan(SHORT.operationMs + 1_500)
    },
    20_000,
  )
})

describe('credential_process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'arw-credproc-'))
  const config = join(dir, 'config')
  const marker = `arw-test-${process.pid}`
  writeFileSync(
    config,
    [
      '[profile slow]',
      `credential_process = sleep 30 # ${marker}`,
      '[profile quick]',
      `credential_process = echo '{"Version": 1, "AccessKeyId": "AKIDQUICK", "SecretAccessKey": "s"}'`,
      '[profile sso]',
      'sso_session = corp',
      'credential_process = sleep 30',
      '',
    ].join('\n'),
  )
  const env = {
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_PROFILE: undefined,
  }

  it('reads which profiles get their credentials from a process', () => {
    expect(parseIni('[profile a]\ncredential_process = x y\n')).toEqual({'profile a': {credential_process: 'x y'}})
    const processEnv = {AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none')}
    expect(credentialProcessFor('quick', processEnv)).toMatch(/^echo/)
    expect(credentialProcessFor('sso', processEnv)).toBeUndefined()
    expect(credentialProcessFor('quick', {...processEnv, AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b'})).toBeUndefined()
  })

  it('a credential_process that sleeps is stopped and reported, and leaves no process behind', async () => {
    const {error, ms} = await withEnv({...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9'}, () =>
      timed(async () =>
        (await new AwsClients({region: 'us-east-1', profile: 'slow', timeouts: SHORT}).sts()).send(new GetCallerIdentityCommand({})),
      ),
    )
    expect(error).toMatchObject({code: 'credential-process-timeout', exitCode: 4})
    expect(ms).toBeLessThan(SHORT.operationMs)
    // The whole process group was killed: no "sleep 30 # marker" is left running.
    const running = execFileSync('ps', ['-eo', 'args'], {encoding: 'utf8'})
    expect(running).not.toContain(marker)
  }, 20_000)

  it('a credential_process that answers supplies the credentials', async () => {
    let seen = ''
    const server = createHttpServer((request, response) => {
      seen = String(request.headers.authorization ?? '')
      response.writeHead(200, {'Content-Type': 'text/xml'})
      response.end(
        '<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/a</Arn><UserId>A</UserId></GetCallerIdentityResult></GetCallerIdentityResponse>',
      )
    })
    const port = await freePort()
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    try {
      const identity = await withEnv({...env, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`}, async () =>
        (await new AwsClients({region: 'us-east-1', profile: 'quick', timeouts: SHORT}).sts()).send(new GetCallerIdentityCommand({})),
      )
      expect(identity.Account).toBe('123456789012')
      expect(seen).toContain('Credential=AKIDQUICK/')
    } finally {
      await new Promise((r) => server.close(r))
    }
  }, 20_000)
})
