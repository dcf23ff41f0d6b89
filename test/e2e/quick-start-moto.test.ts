import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PutParameterCommand} from '@aws-sdk/client-ssm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import type {QuickStartResult} from '../../src/commands/jupyter/quick-start.js'
import {runBuilt, runBuiltJson} from '../helpers/built-cli.js'
import {cliEnvironment, pointSdkAt, motoPlacementFlags, type MotoServer, startMoto} from '../helpers/moto.js'

/**
 * quick-start without a terminal, the built CLI against moto: every answer from flags, the
 * deploy it runs is deploy's own, and the closing checklist says only what the hub
 * reported (moto boots no hub: the test writes the hub's boot report itself).
 */
describe.sequential('jupyter quick-start against moto', () => {
  let moto: MotoServer
  let env: NodeJS.ProcessEnv
  let restoreSdk: (() => void) | undefined
  let clients: AwsClients
  let placement: string[]
  const work = mkdtempSync(join(tmpdir(), 'e2e-qs-'))

  const cli = (...argv: string[]) => runBuilt(argv, {cwd: work, env, timeoutMs: 180_000})
  const json = <R>(...argv: string[]) => runBuiltJson<R>(argv, {cwd: work, env, timeoutMs: 180_000})
  const answers = () => ['--domain', 'astronomy', '--team-size', '3', '--name', 'qs1', '--budget', '300', '--admin-email', 'pi@example.org']

  beforeAll(async () => {
    moto = await startMoto()
    env = cliEnvironment(moto.url, work)
    restoreSdk = pointSdkAt(moto.url)
    clients = new AwsClients({region: 'us-east-1'})
    placement = await motoPlacementFlags(await clients.ec2())
    expect((await json('bootstrap')).code).toBe(0)
  }, 120_000)

  afterAll(async () => {
    restoreSdk?.()
    await moto?.stop()
  })

  it('names every missing answer at once (exit 2) before touching anything', async () => {
    const run = await json('jupyter', 'quick-start', '--domain', 'astronomy')
    expect(run.code).toBe(2)
    expect(run.envelope.error).toMatchObject({
      code: 'missing-answers',
      data: {missing: ['--team-size', '--name', '--budget', '--admin-email', '--access']},
    })
  })

  it('without --yes and without a terminal it stops before the deploy (exit 2)', async () => {
    const run = await json('jupyter', 'quick-start', ...answers(), ...placement)
    expect(run.code, run.stdout).toBe(2)
    expect(run.envelope.error?.code).toBe('confirmation-required')
  }, 120_000)

  it('deploys through deploy and ends with a checklist of what is known: the hub has not reported yet', async () => {
    const run = await json<QuickStartResult>('jupyter', 'quick-start', ...answers(), ...placement, '--yes', '--no-wait')
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0)
    const result = run.envelope.result!
    expect(result.deployment!.created).toBe(true)
    expect(result.plan.users).toBe(3)
    expect(result.answers).toMatchObject({domain: 'astronomy', teamSize: 3, name: 'qs1', access: 'private'})
    expect(result.checklist!.items.map((i: {state: string}) => i.state)).toEqual(['pending', 'pending', 'pending', 'done'])
    expect(result.checklist!.items[3]!.text).toBe('Cost tracking enabled (budget $300/month, alerts to pi@example.org)')
    expect(result.checklist!.access).toContain(`--target ${result.deployment!.outputs.InstanceId}`)
    expect(result.checklist!.userManagement).toBe('aws-research-wizard jupyter users add qs1 <email>')
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
