import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CreateStackCommand, DescribeStacksCommand, GetTemplateCommand} from '@aws-sdk/client-cloudformation'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {runBuiltJson} from '../helpers/built-cli.js'
import {cliEnvironment, pointSdkAt, motoPlacementFlags, type MotoServer, startMoto} from '../helpers/moto.js'

/**
 * Several environments in one account and region, driven at once, with the built CLI
 * against moto (same moto workarounds as lifecycle-moto.test.ts: private access, an
 * existing VPC, --ami-id). No --output: each run works in its own cache directory.
 */
describe.sequential('many environments against moto', () => {
  let moto: MotoServer
  let env: NodeJS.ProcessEnv
  let restoreSdk: (() => void) | undefined
  let clients: AwsClients
  let common: string[]
  const work = mkdtempSync(join(tmpdir(), 'e2e-many-'))

  const cli = (...argv: string[]) => runBuiltJson(argv, {cwd: work, env, timeoutMs: 180_000})
  const deploy = (domain: string, name: string, ...extra: string[]) =>
    // --no-wait: no instance boots in moto, so nothing would ever report the hub ready.
    cli('jupyter', 'deploy', '--domain', domain, '--name', name, ...common, ...extra, '--yes', '--no-wait')

  beforeAll(async () => {
    moto = await startMoto()
    env = cliEnvironment(moto.url, work)
    restoreSdk = pointSdkAt(moto.url)
    clients = new AwsClients({region: 'us-east-1'})
    const ec2 = await clients.ec2()
    common = await motoPlacementFlags(ec2)
    expect((await cli('bootstrap')).envelope.status).toBe(0)
  }, 120_000)

  afterAll(async () => {
    restoreSdk?.()
    await moto?.stop()
  })

  // Packs without a shared file system: moto's CloudFormation has no EFS attributes.
  it('deploys three environments of different packs side by side, at once', async () => {
    const runs = await Promise.all([deploy('astronomy', 'course'), deploy('geospatial', 'lab'), deploy('social-science', 'stats')])
    for (const run of runs) expect(run.envelope.status, `${JSON.stringify(run.envelope)}\n${run.stderr}`).toBe(0)
    const {envelope} = await cli('jupyter', 'list')
    const environments = envelope.result?.environments as {name: string; domain: string; stackStatus: string}[]
    expect(environments.map((e) => [e.name, e.domain, e.stackStatus])).toEqual([
      ['course', 'astronomy', 'CREATE_COMPLETE'],
      ['lab', 'geospatial', 'CREATE_COMPLETE'],
      ['stats', 'social-science', 'CREATE_COMPLETE'],
    ])
  }, 240_000)

  it('two concurrent deploys of one name: exactly one creates it, the other changes nothing', async () => {
    // Started together, so both plan while neither has created anything: a second run that
    // began after the first had finished would rightly be an update of its stack instead.
    const first = deploy('astronomy', 'twin')
    const second = deploy('astronomy', 'twin', '--users', '3')
    const runs = await Promise.all([first, second])
    const succeeded = runs.filter((r) => r.envelope.status === 0)
    const refused = runs.filter((r) => r.envelope.status !== 0)
    expect(succeeded, runs.map((r) => JSON.stringify(r.envelope)).join('\n')).toHaveLength(1)
    expect(refused).toHaveLength(1)
    expect(refused[0]!.code, JSON.stringify(refused[0]!.envelope) + refused[0]!.stderr).toBe(1)
    expect(['environment-exists', 'environment-busy'], JSON.stringify(refused[0]!.envelope) + refused[0]!.stderr).toContain(
      refused[0]!.envelope.error?.code,
    )
    // The stack was created once and never updated by the loser.
    const {Stacks = []} = await (await clients.cloudFormation()).send(new DescribeStacksCommand({StackName: 'arw-twin'}))
    expect(Stacks[0]?.StackStatus).toBe('CREATE_COMPLETE')
    expect(Stacks[0]?.LastUpdatedTime).toBeUndefined()
  }, 240_000)

  it('never touches a stack called arw-<name> that the wizard did not make', async () => {
    const cfn = await clients.cloudFormation()
    const foreign = JSON.stringify({Resources: {Handle: {Type: 'AWS::CloudFormation::WaitConditionHandle'}}})
    await cfn.send(new CreateStackCommand({StackName: 'arw-foreign', TemplateBody: foreign}))
    const {envelope, code} = await deploy('astronomy', 'foreign')
    expect(code).toBe(1)
    expect(envelope.error?.code).toBe('foreign-stack')
    const {TemplateBody} = await cfn.send(new GetTemplateCommand({StackName: 'arw-foreign'}))
    expect(JSON.parse(TemplateBody!)).toEqual(JSON.parse(foreign))
    const {Stacks = []} = await cfn.send(new DescribeStacksCommand({StackName: 'arw-foreign'}))
    expect(Stacks[0]?.LastUpdatedTime).toBeUndefined()
  }, 120_000)
})
