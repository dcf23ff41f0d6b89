// Anything that creates, replaces or starts billed resources asks first; without a
// terminal (here: vitest's stdin) it needs --yes, and refuses with exit 2 before any
// AWS call that changes something.
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation'
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  type InstanceStateName,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2'
import {GetParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {mockClient} from 'aws-sdk-client-mock'
import {afterAll, beforeEach, describe, expect, it} from 'vitest'
import {synthesize} from '../../src/lib/synth/synthesize.js'
import {runHuman, runJson} from '../helpers/run.js'
import {specFor} from '../helpers/specs.js'
import {stackFor, stackMissing} from '../lifecycle/fixtures.js'

const cfn = mockClient(CloudFormationClient)
const ec2 = mockClient(EC2Client)
const ssm = mockClient(SSMClient)
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

beforeEach(() => {
  cfn.reset()
  ec2.reset()
  ssm.reset()
  // The image a real deploy resolves before synthesis (read-only calls).
  ssm.on(GetParameterCommand).resolves({Parameter: {Value: 'ami-0123456789abcdef0'}})
  ec2.on(DescribeImagesCommand).resolves({Images: [{ImageId: 'ami-0123456789abcdef0', Architecture: 'x86_64', Name: 'ubuntu-noble'}]})
})
afterAll(() => {
  cfn.restore()
  ec2.restore()
  ssm.restore()
})

function mutations(): number {
  return (
    cfn.commandCalls(CreateStackCommand).length +
    cfn.commandCalls(CreateChangeSetCommand).length +
    cfn.commandCalls(ExecuteChangeSetCommand).length +
    ec2.commandCalls(StartInstancesCommand).length +
    ec2.commandCalls(StopInstancesCommand).length
  )
}

const instance = (id: string, state: InstanceStateName) => ({Reservations: [{Instances: [{InstanceId: id, State: {Name: state}}]}]})

describe('creating an environment', () => {
  it('without a terminal and without --yes: exit 2, "add --yes", no stack created', async () => {
    cfn.on(DescribeStacksCommand).rejects(stackMissing('new1'))
    const {envelope, exitCode} = await runJson([
      'jupyter',
      'deploy',
      '-d',
      'genomics',
      '-n',
      'new1',
      '--admin-email',
      'pi@example.org',
      '--output',
      tmp('create-'),
      '--region',
      'us-east-1',
    ])
    expect(exitCode).toBe(2)
    expect(envelope.error?.code).toBe('confirmation-required')
    expect(envelope.error?.actions.join(' ')).toMatch(/Add --yes/)
    expect(mutations()).toBe(0)
  })

  it('tells people what it would create and what it costs before refusing', async () => {
    cfn.on(DescribeStacksCommand).rejects(stackMissing('new2'))
    const {stderr, exitCode} = await runHuman(['jupyter', 'deploy', '-d', 'genomics', '-n', 'new2', '--output', tmp('create-')])
    expect(exitCode).toBe(2)
    expect(stderr).toMatch(/This creates arw-new2 in us-east-1 \(\d+ AWS resources\): about \$[\d,]+\.\d\d\/month at typical use/)
    expect(stderr).toMatch(/Add --yes/)
    expect(mutations()).toBe(0)
  })
})

describe('scaling an environment', () => {
  async function deployed() {
    const spec = await specFor('genomics')
    const template = (await synthesize([spec], {outdir: tmp('scale-'), validateTemplates: false, nag: false})).stacks[0]!.template
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1')]})
    cfn.on(GetTemplateCommand).resolves({TemplateBody: JSON.stringify(template)})
    return spec
  }

  it('shows the type change, the cost change and the restart, then needs --yes', async () => {
    const spec = await deployed()
    const {stderr, exitCode} = await runHuman(['jupyter', 'scale', 'lab1', '--instance-type', 'r6i.4xlarge', '--output', tmp('out-')])
    expect(exitCode).toBe(2)
    expect(stderr).toContain(`hub instance type: ${spec.instance.type} -> r6i.4xlarge`)
    expect(stderr).toMatch(/cost: \+\$[\d,]+\.\d\d\/month at typical use/)
    expect(stderr).toContain('the hub stops and starts')
    expect(stderr).not.toMatch(/Hub[0-9A-F]{8}|AWS::EC2::Instance/)
    expect(mutations()).toBe(0)
  })

  it('diff says the same in words, and --json carries the summary', async () => {
    await deployed()
    const {envelope, exitCode} = await runJson<{summary: {instanceType: {to: string}; monthlyCostChangeUsd: number; hubRestarts: boolean}}>(
      ['jupyter', 'diff', 'lab1', '--instance-type', 'r6i.4xlarge'],
    )
    expect(exitCode).toBe(0)
    expect(envelope.result?.summary).toMatchObject({instanceType: {to: 'r6i.4xlarge'}, hubRestarts: true})
    expect(envelope.result?.summary.monthlyCostChangeUsd).toBeGreaterThan(0)
  })
})

describe('starting environments', () => {
  it('without --yes and without a terminal: exit 2, nothing started', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1')]})
    ec2.on(DescribeInstancesCommand).resolves(instance('i-0lab1000000000000', 'stopped'))
    const {envelope, exitCode} = await runJson(['jupyter', 'start', 'lab1'])
    expect(exitCode).toBe(2)
    expect(envelope.error?.code).toBe('confirmation-required')
    expect(mutations()).toBe(0)
  })

  it('with --yes starts it and waits until EC2 reports it running', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1')]})
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce(instance('i-0lab1000000000000', 'stopped'))
      .resolves(instance('i-0lab1000000000000', 'running'))
    ec2.on(StartInstancesCommand).resolves({})
    const {envelope, exitCode} = await runJson(['jupyter', 'start', 'lab1', '--yes'])
    expect(exitCode).toBe(0)
    expect(envelope.result).toMatchObject({name: 'lab1', changed: true, state: 'running'})
    expect(ec2.commandCalls(StartInstancesCommand)[0]!.args[0].input).toEqual({InstanceIds: ['i-0lab1000000000000']})
  })

  it('stop accepts several names and stops each', async () => {
    cfn.on(DescribeStacksCommand, {StackName: 'arw-lab1'}).resolves({Stacks: [stackFor('lab1')]})
    cfn.on(DescribeStacksCommand, {StackName: 'arw-lab2'}).resolves({Stacks: [stackFor('lab2')]})
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {InstanceId: 'i-0lab1000000000000', State: {Name: 'stopped'}},
            {InstanceId: 'i-0lab2000000000000', State: {Name: 'stopped'}},
          ],
        },
      ],
    })
    const {envelope, exitCode} = await runJson<{environments: {name: string; changed: boolean}[]}>(['jupyter', 'stop', 'lab1', 'lab2'])
    expect(exitCode).toBe(0)
    expect(envelope.result?.environments.map((e) => [e.name, e.changed])).toEqual([
      ['lab1', false],
      ['lab2', false],
    ])
  })
})
