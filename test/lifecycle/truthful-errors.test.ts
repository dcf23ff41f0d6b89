import {createServer, type Server} from 'node:http'
import {afterEach, describe, expect, it} from 'vitest'
import {WizardIoHost} from '../../src/lib/deploy/io-host.js'
import {explainDeployFailure} from '../../src/lib/deploy/engine.js'
import {freePort} from '../helpers/ports.js'
import {runJson} from '../helpers/run.js'
import {specFor} from '../helpers/specs.js'

const failure = () => Object.assign(new Error('❌  arw-lab1 failed: something went wrong'), {name: 'DeploymentError'})

describe('a failed deploy says what CloudFormation says', () => {
  it('"rolled back" only for a rollback status', async () => {
    const spec = await specFor('genomics')
    const explain = (status: string | undefined) =>
      explainDeployFailure(failure(), new WizardIoHost(), spec, status) as {
        code: string
        message: string
        exitCode: number
        actions: string[]
      }
    expect(explain('UPDATE_ROLLBACK_COMPLETE').message).toMatch(/rolled arw-lab1 back to its previous state/)
    expect(explain('ROLLBACK_COMPLETE').message).toMatch(/rolled the creation of arw-lab1 back/)
    for (const status of ['CREATE_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED', undefined, 'absent']) {
      const error = explain(status)
      expect(error.code).toBe('deploy-failed')
      expect(error.message, String(status)).not.toMatch(/rolled .*back/)
      expect(error.actions.join(' '), String(status)).not.toMatch(/rolled back/)
    }
    expect(explain('CREATE_IN_PROGRESS').message).toContain('still CREATE_IN_PROGRESS')
    expect(explain('CREATE_IN_PROGRESS').actions.join(' ')).toContain('jupyter status lab1')
  })

  it('a connection failure is not a deploy failure: aws-unreachable naming the endpoint', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4599'), {
      code: 'ECONNREFUSED',
      address: '127.0.0.1',
      port: 4599,
    })
    const wrapped = Object.assign(new Error('arw-lab1 failed: connect ECONNREFUSED 127.0.0.1:4599'), {cause: refused})
    const error = explainDeployFailure(wrapped, new WizardIoHost(), await specFor('genomics'), undefined) as {
      code: string
      message: string
      exitCode: number
    }
    expect(error).toMatchObject({code: 'aws-unreachable', exitCode: 1})
    expect(error.message).toContain('127.0.0.1:4599')
  })
})

describe('AWS failures through the built CLI (loopback endpoint)', () => {
  let server: Server | undefined
  const saved = {...process.env}
  afterEach(async () => {
    process.env = {...saved}
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()))
    server = undefined
  })

  async function serve(respond: (res: import('node:http').ServerResponse) => void): Promise<string> {
    const port = await freePort()
    server = createServer((req, res) => {
      req.resume()
      req.on('end', () => respond(res))
    })
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve))
    return `http://127.0.0.1:${port}`
  }

  function pointAt(endpoint: string) {
    process.env.AWS_ENDPOINT_URL = endpoint
    process.env.AWS_ACCESS_KEY_ID = 'testing'
    process.env.AWS_SECRET_ACCESS_KEY = 'testing'
    process.env.AWS_MAX_ATTEMPTS = '1'
  }

  it('connection refused: aws-unreachable, exit 1, naming the endpoint', async () => {
    const port = await freePort()
    pointAt(`http://127.0.0.1:${port}`)
    const {envelope, exitCode} = await runJson(['jupyter', 'status', 'lab1'])
    expect(exitCode).toBe(1)
    expect(envelope.error?.code).toBe('aws-unreachable')
    expect(envelope.error?.message).toContain(`127.0.0.1:${port}`)
  })

  it('a 5xx answer: aws-error with the request id, exit 1, not an internal error', async () => {
    pointAt(
      await serve((res) => {
        res.writeHead(503, {'content-type': 'text/xml', 'x-amzn-requestid': 'req-5xx-123'})
        res.end(
          '<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>try later</Message></Error><RequestId>req-5xx-123</RequestId></ErrorResponse>',
        )
      }),
    )
    const {envelope, exitCode} = await runJson(['jupyter', 'status', 'lab1'])
    expect(exitCode).toBe(1)
    expect(envelope.error?.code).toBe('aws-error')
    expect(envelope.error?.message).toContain('req-5xx-123')
  })

  it('an unparseable answer: aws-error, exit 1', async () => {
    pointAt(
      await serve((res) => {
        res.writeHead(200, {'content-type': 'text/xml', 'x-amzn-requestid': 'req-garbage-9'})
        res.end('<<<this is not xml')
      }),
    )
    const {envelope, exitCode} = await runJson(['jupyter', 'status', 'lab1'])
    expect(exitCode, JSON.stringify(envelope)).toBe(1)
    expect(envelope.error?.code).toBe('aws-error')
  })
})
