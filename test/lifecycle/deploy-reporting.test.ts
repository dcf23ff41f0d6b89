import {createServer} from 'node:http'
import {describe, expect, it} from 'vitest'
import {WizardIoHost} from '../../src/lib/deploy/io-host.js'
import {checkHubHealth} from '../../src/lib/lifecycle/status.js'
import {freePort} from '../helpers/ports.js'

const activity = (logicalId: string, status: string, reason: string | undefined, seconds: number) => ({
  time: new Date(),
  level: 'info' as const,
  action: 'deploy' as const,
  code: 'CDK_TOOLKIT_I5502' as const,
  message: `${status} ${logicalId}`,
  data: {
    event: {
      LogicalResourceId: logicalId,
      ResourceType: logicalId === 'Hub36E1280D' ? 'AWS::EC2::Instance' : 'AWS::CloudFormation::Stack',
      ResourceStatus: status,
      ResourceStatusReason: reason,
      Timestamp: new Date(Date.UTC(2026, 10, 23, 10, 0, seconds)),
    },
    progress: {formatted: `${seconds}/40`},
  },
})

describe('deploy progress and failures', () => {
  it('turns stack events into progress lines and finds the first real failure', async () => {
    const lines: string[] = []
    const host = new WizardIoHost({onProgress: (line) => lines.push(line)})
    await host.notify(activity('Hub36E1280D', 'CREATE_IN_PROGRESS', undefined, 1))
    await host.notify(activity('HomeVolume660EBB76', 'CREATE_FAILED', 'Resource creation cancelled', 3))
    await host.notify(
      activity(
        'Hub36E1280D',
        'CREATE_FAILED',
        'We currently do not have sufficient g5.xlarge capacity in the Availability Zone you requested (InsufficientInstanceCapacity)',
        2,
      ),
    )
    await host.notify(activity('arw-lab1', 'ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [Hub36E1280D]', 4))
    expect(lines[0]).toBe('[1/40] hub instance: create in progress')
    expect(host.firstFailure()).toMatchObject({logicalId: 'Hub36E1280D', resourceType: 'AWS::EC2::Instance'})
    expect(host.firstFailure()?.reason).toContain('InsufficientInstanceCapacity')
  })

  it('shows people no toolkit internals (timings, empty stack ARN, asset hashes); --verbose shows all', async () => {
    const info = (message: string) => ({time: new Date(), level: 'info' as const, action: 'deploy' as const, message, data: undefined})
    const noise = [
      '✨  Synthesis time: 0.01s',
      'Stack ARN:',
      'arw-lab1: start: Publishing 3f9a0c6e1b2d4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f:current_account-current_region',
      '✨  Deployment time: 212.4s',
    ]
    const lines: string[] = []
    const host = new WizardIoHost({onProgress: (line) => lines.push(line)})
    for (const message of [...noise, 'arw-lab1: deploying... [1/1]']) await host.notify(info(message))
    await host.notify(activity('Hub36E1280D', 'CREATE_COMPLETE', undefined, 5))
    expect(lines).toEqual(['arw-lab1: deploying... [1/1]', '[5/40] hub instance: create complete'])
    const verbose: string[] = []
    const loud = new WizardIoHost({verbose: true, onProgress: (line) => verbose.push(line)})
    for (const message of noise.slice(0, 1)) await loud.notify(info(message))
    await loud.notify(activity('Hub36E1280D', 'CREATE_COMPLETE', undefined, 5))
    expect(verbose).toEqual(['✨  Synthesis time: 0.01s', '[5/40] CREATE_COMPLETE AWS::EC2::Instance Hub36E1280D'])
  })

  it('rewords the toolkit advice to pass CDK CLI flags this CLI does not have', async () => {
    const warnings: string[] = []
    const host = new WizardIoHost({onWarning: (w) => warnings.push(w)})
    const message =
      "Using default execution policy of 'arn:aws:iam::aws:policy/AdministratorAccess'. Pass '--cloudformation-execution-policies' to customize."
    await host.notify({time: new Date(), level: 'warn', action: 'bootstrap', message, data: undefined})
    expect(warnings[0]).toContain('npx cdk bootstrap --cloudformation-execution-policies')
    expect(warnings[0]).not.toMatch(/^Using default .* Pass '--cloudformation/)
  })

  it('answers confirmations through the callback and keeps warnings out of progress', async () => {
    const warnings: string[] = []
    const host = new WizardIoHost({confirm: async (question) => question.includes('yes please'), onWarning: (w) => warnings.push(w)})
    const request = {
      time: new Date(),
      level: 'info' as const,
      action: 'deploy' as const,
      code: 'CDK_TOOLKIT_I5060' as const,
      message: 'Deploy? yes please',
      data: {},
      defaultResponse: false,
    }
    expect(await host.requestResponse(request)).toBe(true)
    await host.notify({time: new Date(), level: 'warn', action: 'deploy', message: 'careful', data: undefined})
    expect(warnings).toEqual(['careful'])
  })
})

describe('hub health check', () => {
  it('reports healthy, unhealthy and unreachable hubs, with a timeout', async () => {
    const port = await freePort()
    const server = createServer((request, response) => {
      if (request.url === '/ok/hub/health') response.writeHead(200).end('')
      else if (request.url === '/slow/hub/health') setTimeout(() => response.writeHead(200).end(''), 2000)
      else response.writeHead(502).end('bad gateway')
    })
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    try {
      const base = `http://127.0.0.1:${port}`
      expect(await checkHubHealth(`${base}/ok`, 'public')).toMatchObject({checked: true, healthy: true, status: 200})
      expect(await checkHubHealth(`${base}/down`, 'public')).toMatchObject({checked: true, healthy: false, status: 502})
      expect(await checkHubHealth(`${base}/slow`, 'public', {healthTimeoutMs: 200})).toMatchObject({
        checked: true,
        healthy: false,
        error: 'timed out',
      })
      expect(await checkHubHealth(`${base}/ok`, 'private')).toEqual({checked: false})
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})

describe('a failed deploy', () => {
  it('exits 5 naming the first failing resource, its reason and capacity alternatives from the pack', async () => {
    const {explainDeployFailure} = await import('../../src/lib/deploy/engine.js')
    const {specFor} = await import('../helpers/specs.js')
    const host = new WizardIoHost()
    await host.notify(
      activity(
        'Hub36E1280D',
        'CREATE_FAILED',
        'We currently do not have sufficient g5.xlarge capacity (Service: Ec2, Status Code: 500, InsufficientInstanceCapacity)',
        2,
      ),
    )
    const toolkitError = Object.assign(
      new Error('❌  arw-lab1 failed: The stack named arw-lab1 failed creation, it may need to be manually deleted'),
      {name: 'DeploymentError'},
    )
    const error = explainDeployFailure(toolkitError, host, await specFor('machine-learning')) as {
      code: string
      exitCode: number
      message: string
      actions: string[]
    }
    expect(error).toMatchObject({code: 'deploy-failed', exitCode: 5})
    expect(error.message).toContain('AWS::EC2::Instance Hub36E1280D')
    expect(error.actions.join(' ')).toContain('g4dn.xlarge')
  })
})
