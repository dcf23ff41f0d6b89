import {execFile} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PutParameterCommand} from '@aws-sdk/client-ssm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {cliEnvironment, motoPlacementFlags, type MotoServer, startMoto} from '../helpers/moto.js'
import {PROJECT_ROOT} from '../helpers/run.js'

/**
 * quick-start without a terminal, the built CLI against moto: every answer from flags, the
 * deploy it runs is deploy's own, and the closing checklist says only what the hub
 * reported (moto boots no hub: the test writes the hub's boot report itself).
 */
describe.sequential('jupyter quick-start against moto', () => {
  let moto: MotoServer
  let env: NodeJS.ProcessEnv
  let clients: AwsClients
  let placement: string[]
  const work = mkdtempSync(join(tmpdir(), 'e2e-qs-'))

  const cli = async (...argv: string[]) => {
    const result = await new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
      execFile(
        'node',
        [join(PROJECT_ROOT, 'bin', 'run.js'), ...argv],
        {cwd: work, env, timeout: 180_000, maxBuffer: 20 * 1024 * 1024},
        (error, stdout, stderr) => resolve({code: error ? ((error as {code?: number}).code ?? 1) : 0, stdout, stderr}),
      )
    })
    return result
  }
  const answers = () => ['--domain', 'astronomy', '--team-size', '3', '--name', 'qs1', '--budget', '300', '--admin-email', 'pi@example.org']

  beforeAll(async () => {
    moto = await startMoto()
    env = cliEnvironment(moto.url, work)
    for (const [key, value] of Object.entries({AWS_ENDPOINT_URL: moto.url, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing'}))
      process.env[key] = value
    clients = new AwsClients({region: 'us-east-1'})
    placement = await motoPlacementFlags(await clients.ec2())
    expect((await cli('bootstrap', '--json')).code).toBe(0)
  }, 120_000)

  afterAll(async () => {
    await moto?.stop()
  })

  it('names every missing answer at once (exit 2) before touching anything', async () => {
    const run = await cli('jupyter', 'quick-start', '--domain', 'astronomy', '--json')
    expect(run.code).toBe(2)
    expect(JSON.parse(run.stdout).error).toMatchObject({
      code: 'missing-answers',
      data: {missing: ['--team-size', '--name', '--budget', '--admin-email', '--access']},
    })
  })

  it('without --yes and without a terminal it stops before the deploy (exit 2)', async () => {
    const run = await cli('jupyter', 'quick-start', ...answers(), ...placement, '--json')
    expect(run.code, run.stdout).toBe(2)
    expect(JSON.parse(run.stdout).error.code).toBe('confirmation-required')
  }, 120_000)

  it('deploys through deploy and ends with a checklist of what is known: the hub has not reported yet', async () => {
    const run = await cli('jupyter', 'quick-start', ...answers(), ...placement, '--yes', '--no-wait', '--json')
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0)
    const result = JSON.parse(run.stdout).result
    expect(result.deployment.created).toBe(true)
    expect(result.plan.users).toBe(3)
    expect(result.answers).toMatchObject({domain: 'astronomy', teamSize: 3, name: 'qs1', access: 'private'})
    expect(result.checklist.items.map((i: {state: string}) => i.state)).toEqual(['pending', 'pending', 'pending', 'done'])
    expect(result.checklist.items[3].text).toBe('Cost tracking enabled (budget $300/month, alerts to pi@example.org)')
    expect(result.checklist.access).toContain(`--target ${result.deployment.outputs.InstanceId}`)
    expect(result.checklist.userManagement).toBe('aws-research-wizard jupyter users add qs1 <email>')
  }, 180_000)

  it('once the hub reports ready, kernels and examples, every line is ✅ (human output)', async () => {
    await (
      await clients.ssm()
    ).send(
      new PutParameterCommand({
        Name: '/arw/qs1/boot-status',
        Type: 'String',
        Overwrite: true,
        Value: JSON.stringify({phase: 'ready', step: 'ready', kernels: {python: 'ok'}, examples: 2}),
      }),
    )
    const run = await cli('jupyter', 'quick-start', ...answers(), ...placement, '--yes', '--no-wait')
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0)
    expect(run.stdout).toMatch(/✅ JupyterHub deployed on \S+/)
    expect(run.stdout).toMatch(/✅ .* kernels? configured/)
    expect(run.stdout).toContain('✅ Example notebooks installed (2 in /shared/examples)')
    expect(run.stdout).toContain('✅ Cost tracking enabled (budget $300/month')
    expect(run.stdout).toContain('🌐 Access: aws ssm start-session')
    expect(run.stdout).toContain('👥 User management: aws-research-wizard jupyter users add qs1 <email>')
  }, 180_000)
})
