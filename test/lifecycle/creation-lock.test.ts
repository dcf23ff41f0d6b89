import {DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'
import {CLAIM_STALE_MS, claimCreation, claimEnvironment} from '../../src/lib/environments/creation-lock.js'

const ssm = mockClient(SSMClient)
const exists = Object.assign(new Error('The parameter already exists.'), {name: 'ParameterAlreadyExists'})
const now = new Date('2026-11-23T12:00:00Z')

describe('claiming the creation of an environment', () => {
  beforeEach(() => ssm.reset())

  it('claims without overwriting and releases the claim', async () => {
    ssm.on(PutParameterCommand).resolves({})
    const release = await claimCreation(new SSMClient({region: 'us-east-1'}), 'lab1', () => now)
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toMatchObject({Name: '/arw/lab1/creating', Overwrite: false})
    await release()
    expect(ssm.commandCalls(DeleteParameterCommand)).toHaveLength(1)
  })

  it('refuses while another run holds a recent claim, naming it', async () => {
    ssm.on(PutParameterCommand).rejects(exists)
    ssm.on(GetParameterCommand).resolves({Parameter: {Value: JSON.stringify({host: 'ci-7', pid: 42, since: '2026-11-23T11:59:00Z'})}})
    await expect(claimCreation(new SSMClient({region: 'us-east-1'}), 'lab1', () => now)).rejects.toMatchObject({
      code: 'environment-busy',
      exitCode: 1,
      message: expect.stringContaining('from ci-7, since 2026-11-23T11:59:00Z'),
    })
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(1)
  })

  it('takes over a claim older than any create can take', async () => {
    ssm.on(PutParameterCommand, {Overwrite: false}).rejects(exists).on(PutParameterCommand, {Overwrite: true}).resolves({})
    const since = new Date(now.getTime() - CLAIM_STALE_MS - 60_000).toISOString()
    ssm.on(GetParameterCommand).resolves({Parameter: {Value: JSON.stringify({host: 'gone', pid: 1, since})}})
    await claimCreation(new SSMClient({region: 'us-east-1'}), 'lab1', () => now)
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Overwrite)).toEqual([false, true])
  })

  it('an update is claimed too: of two concurrent updates the second is environment-busy naming the update', async () => {
    let held: string | undefined
    ssm.on(PutParameterCommand).callsFake((input: {Value: string; Overwrite: boolean}) => {
      if (held !== undefined && !input.Overwrite) throw exists
      held = input.Value
      return {}
    })
    ssm.on(GetParameterCommand).callsFake(() => ({Parameter: {Value: held}}))
    const client = new SSMClient({region: 'us-east-1'})
    await claimEnvironment(client, 'lab1', 'updating', () => now)
    const second = await claimEnvironment(client, 'lab1', 'updating', () => now).catch((error: unknown) => error)
    expect(second).toMatchObject({
      code: 'environment-busy',
      message: expect.stringContaining('another deploy is updating it'),
      data: {operation: 'updating'},
    })
    // A create of the same name waits for the update as well.
    await expect(claimCreation(client, 'lab1', () => now)).rejects.toMatchObject({code: 'environment-busy'})
  })
})
