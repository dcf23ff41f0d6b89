import {CloudFormationClient, DescribeStacksCommand, GetTemplateCommand} from '@aws-sdk/client-cloudformation'
import {mockClient} from 'aws-sdk-client-mock'
import {afterAll, beforeEach, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {assertStillAsPrepared, lookupStack, operationInProgress} from '../../src/lib/environments/ownership.js'
import {prepareApply} from '../../src/lib/lifecycle/apply.js'
import {specFor} from '../helpers/specs.js'
import {stackFor, stackMissing} from './fixtures.js'

const cfn = mockClient(CloudFormationClient)
const clients = new AwsClients({region: 'us-east-1'})

beforeEach(() => cfn.reset())
afterAll(() => cfn.restore())

describe('who owns arw-<name>', () => {
  it('a stack without the wizard tags is foreign; with them, an environment; none, absent', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [{...stackFor('lab1'), Tags: []}]})
    expect(await lookupStack(clients, 'lab1')).toMatchObject({kind: 'foreign', stackName: 'arw-lab1'})
    // Tagged for another name (copied tags) is not ours either.
    cfn.on(DescribeStacksCommand).resolves({Stacks: [{...stackFor('other'), StackName: 'arw-lab1'}]})
    expect(await lookupStack(clients, 'lab1')).toMatchObject({kind: 'foreign'})
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1')]})
    expect(await lookupStack(clients, 'lab1')).toMatchObject({kind: 'environment', record: {name: 'lab1'}})
    cfn.on(DescribeStacksCommand).rejects(stackMissing('lab1'))
    expect(await lookupStack(clients, 'lab1')).toEqual({kind: 'absent'})
  })

  it('deploy refuses a foreign stack before synthesizing anything, and never asks for its template', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [{...stackFor('lab1'), Tags: [{Key: 'team', Value: 'x'}]}]})
    await expect(prepareApply(await specFor('genomics'), {clients, outdir: '/nonexistent'})).rejects.toMatchObject({
      code: 'foreign-stack',
      exitCode: 1,
    })
    expect(cfn.commandCalls(GetTemplateCommand)).toHaveLength(0)
  })

  it('a stack in *_IN_PROGRESS is busy, and the error names the operation', async () => {
    expect(operationInProgress('UPDATE_ROLLBACK_IN_PROGRESS')).toMatch(/rolling back/)
    expect(operationInProgress('UPDATE_COMPLETE')).toBeUndefined()
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {StackStatus: 'UPDATE_IN_PROGRESS'})]})
    const error = await prepareApply(await specFor('genomics'), {clients, outdir: '/nonexistent'}).catch((e) => e)
    expect(error).toMatchObject({code: 'environment-busy', exitCode: 1})
    expect(error.message).toContain('being updated')
  })

  it('a deploy record that disagrees with the tags makes the stack foreign', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {domain: 'genomics'})]})
    const other = await specFor('climate-science')
    const record = {version: 1, domain: 'climate-science', pack: other.pack, overrides: {name: 'lab1', region: 'us-east-1', owner: 'ada'}}
    cfn
      .on(GetTemplateCommand)
      .resolves({TemplateBody: JSON.stringify({Metadata: {AwsResearchWizard: JSON.stringify(record)}, Resources: {}})})
    const error = await prepareApply(await specFor('genomics'), {clients, outdir: '/nonexistent'}).catch((e) => e)
    expect(error).toMatchObject({code: 'foreign-stack'})
  })
})

describe('right before the change', () => {
  it('a create finds the stack appeared meanwhile: environment-exists, or busy while it is being created', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {StackStatus: 'CREATE_COMPLETE'})]})
    await expect(assertStillAsPrepared(clients, 'lab1', undefined)).rejects.toMatchObject({code: 'environment-exists', exitCode: 1})
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {StackStatus: 'CREATE_IN_PROGRESS'})]})
    await expect(assertStillAsPrepared(clients, 'lab1', undefined)).rejects.toMatchObject({
      code: 'environment-busy',
      message: expect.stringContaining('being created'),
    })
    cfn.on(DescribeStacksCommand).rejects(stackMissing('lab1'))
    await expect(assertStillAsPrepared(clients, 'lab1', undefined)).resolves.toBeUndefined()
  })

  it('an update finds the stack changed since the preview (another run updated it): busy, nothing applied', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {StackStatus: 'UPDATE_COMPLETE'})]})
    const prepared = await lookupStack(clients, 'lab1')
    if (prepared.kind !== 'environment') throw new Error('expected an environment')
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [stackFor('lab1', {StackStatus: 'UPDATE_COMPLETE', LastUpdatedTime: new Date('2026-11-23T10:00:00Z')})],
    })
    await expect(assertStillAsPrepared(clients, 'lab1', prepared.record)).rejects.toMatchObject({code: 'environment-busy'})
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {StackStatus: 'UPDATE_COMPLETE'})]})
    await expect(assertStillAsPrepared(clients, 'lab1', prepared.record)).resolves.toBeUndefined()
  })
})
