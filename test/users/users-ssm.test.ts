// The private-hub path of `jupyter users` (SSM Run Command) and the public remove with
// --delete-home, with aws-sdk-client-mock: moto runs no commands on instances.
import {execFileSync} from 'node:child_process'
import {CloudFormationClient, DescribeStacksCommand} from '@aws-sdk/client-cloudformation'
import {
  AdminDeleteUserCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider'
import {GetCommandInvocationCommand, GetParameterCommand, SendCommandCommand, SSMClient} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {afterAll, beforeEach, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {usersShellCommand} from '../../src/lib/users/instance.js'
import {addUsers, listUsers, removeUsers} from '../../src/lib/users/manage.js'
import {stackFor} from '../lifecycle/fixtures.js'

const cfn = mockClient(CloudFormationClient)
const ssm = mockClient(SSMClient)
const cognito = mockClient(CognitoIdentityProviderClient)
const clients = () => new AwsClients({region: 'us-east-1'})
const noWait = {sleep: async () => {}}
const named = (name: string) => Object.assign(new Error(name), {name})

const PRIVATE_OUTPUTS = {InstanceId: 'i-0123456789abcdef0', AccessMode: 'private', Region: 'us-east-1'}
const privateStack = () => cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1', {outputs: PRIVATE_OUTPUTS})]})
const hubAnswers = (output: unknown, status: 'Success' | 'Failed' = 'Success') =>
  ssm
    .on(SendCommandCommand)
    .resolves({Command: {CommandId: 'cmd-1'}})
    .on(GetCommandInvocationCommand)
    .resolvesOnce({Status: 'InProgress'})
    .resolves({Status: status, StandardOutputContent: `${JSON.stringify(output)}\n`})

/** Runs the shell the hub would run, with `cat` in place of python: what reaches configure/users.py on stdin. */
function stdinOnHub(commands: string[]): unknown {
  const pipeline = commands.at(-1)!.replace(/\| \/usr\/bin\/python3 -m configure\.users \w+ --json -$/, '')
  return JSON.parse(execFileSync('sh', ['-c', pipeline], {encoding: 'utf8'}))
}

beforeEach(() => [cfn, ssm, cognito].forEach((m) => m.reset()))
afterAll(() => [cfn, ssm, cognito].forEach((m) => m.restore()))

describe('users on a private hub (SSM Run Command)', () => {
  it("sends AWS-RunShellScript to the stack's instance, the request out of band, and reads each password back once", async () => {
    privateStack()
    hubAnswers({
      results: [
        {
          email: 'ada@example.org',
          name: 'ada',
          uid: 2000,
          admin: true,
          status: 'created',
          passwordParameter: '/arw/lab1/users/ada/password',
        },
      ],
    })
    ssm.on(GetParameterCommand, {Name: '/arw/lab1/users/ada/password', WithDecryption: true}).resolves({Parameter: {Value: 's3cret-Pw'}})
    const {result, passwords} = await addUsers(clients(), 'lab1', ['ada@example.org', 'bad address'], {admin: true, ...noWait})
    const sent = ssm.commandCalls(SendCommandCommand)[0]!.args[0].input
    expect(sent.DocumentName).toBe('AWS-RunShellScript')
    expect(sent.InstanceIds).toEqual(['i-0123456789abcdef0'])
    expect(stdinOnHub(sent.Parameters!.commands!)).toEqual({users: [{email: 'ada@example.org', admin: true}]})
    expect(result.changes).toEqual([
      {
        email: 'ada@example.org',
        name: 'ada',
        admin: true,
        status: 'created',
        passwordParameter: '/arw/lab1/users/ada/password',
        passwordCommand:
          'aws ssm get-parameter --region us-east-1 --with-decryption --name /arw/lab1/users/ada/password --query Parameter.Value --output text',
      },
      {email: 'bad address', status: 'invalid', message: 'not an e-mail address such as ada@example.org'},
    ])
    expect(result.failed).toBe(1)
    expect(passwords.get('ada@example.org')).toBe('s3cret-Pw')
    expect(JSON.stringify(result)).not.toContain('s3cret-Pw')
  })

  it('never splices addresses into the shell: hostile ones arrive byte for byte', () => {
    const hostile = ["a'$(touch /tmp/pwned)'@x.org", 'b`id`;rm -rf /@x.org', 'c\n"d@x.org', 'é${IFS}@x.org']
    const commands = usersShellCommand('add', {users: hostile.map((email) => ({email, admin: false}))})
    for (const email of hostile) expect(commands.join('\n')).not.toContain(email)
    expect(stdinOnHub(commands)).toEqual({users: hostile.map((email) => ({email, admin: false}))})
  })

  it('a stopped hub is a coded error with the remedy', async () => {
    privateStack()
    ssm.on(SendCommandCommand).rejects(named('InvalidInstanceId'))
    await expect(addUsers(clients(), 'lab1', ['ada@example.org'], {admin: false, ...noWait})).rejects.toMatchObject({
      code: 'hub-unreachable',
      actions: expect.arrayContaining([expect.stringContaining('jupyter start lab1')]),
    })
  })

  it('a hub that never answers times out with a coded error', async () => {
    privateStack()
    ssm
      .on(SendCommandCommand)
      .resolves({Command: {CommandId: 'cmd-1'}})
      .on(GetCommandInvocationCommand)
      .resolves({Status: 'InProgress'})
    await expect(listUsers(clients(), 'lab1', {timeoutSeconds: 0, ...noWait})).rejects.toMatchObject({code: 'hub-unreachable'})
  })

  it('what the hub says is untrusted: unknown statuses fail, odd parameter names are dropped', async () => {
    privateStack()
    hubAnswers({results: [{email: 'ada@example.org', status: 'pwned', passwordParameter: '/other/secret'}]})
    const {result} = await addUsers(clients(), 'lab1', ['ada@example.org'], {admin: false, ...noWait})
    expect(result.changes).toEqual([{email: 'ada@example.org', status: 'failed'}])
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0)
  })

  it('many people go in batches whose answers fit in what Systems Manager returns, and the answers are merged', async () => {
    privateStack()
    const emails = Array.from({length: 120}, (_, i) => `person${i}@example.org`)
    let lastBatch: {email: string}[] = []
    ssm
      .on(SendCommandCommand)
      .callsFake((input: {Parameters: {commands: string[]}}) => {
        lastBatch = (stdinOnHub(input.Parameters.commands) as {users: {email: string}[]}).users
        return {Command: {CommandId: `cmd-${lastBatch[0]!.email}`}}
      })
      .on(GetCommandInvocationCommand)
      .callsFake(() => ({
        Status: 'Success',
        StandardOutputContent: JSON.stringify({results: lastBatch.map(({email}) => ({email, status: 'removed', homeKept: true}))}),
      }))
    const result = await removeUsers(clients(), 'lab1', emails, {deleteHome: false, ...noWait})
    expect(
      ssm
        .commandCalls(SendCommandCommand)
        .map((c) => stdinOnHub(c.args[0].input.Parameters!.commands!) as {users: unknown[]})
        .map((r) => r.users.length),
    ).toEqual([50, 50, 20])
    expect(result.changes.map((c) => c.email)).toEqual(emails)
    expect(result.failed).toBe(0)
  })

  it('a batch after the first that fails keeps the earlier results and fails only the rest, each item saying why', async () => {
    privateStack()
    const emails = Array.from({length: 60}, (_, i) => `person${i}@example.org`)
    let lastBatch: {email: string}[] = []
    ssm
      .on(SendCommandCommand)
      .callsFake((input: {Parameters: {commands: string[]}}) => {
        lastBatch = (stdinOnHub(input.Parameters.commands) as {users: {email: string}[]}).users
        if (lastBatch.length < 50) throw named('InvalidInstanceId')
        return {Command: {CommandId: 'cmd-1'}}
      })
      .on(GetCommandInvocationCommand)
      .callsFake(() => ({
        Status: 'Success',
        StandardOutputContent: JSON.stringify({results: lastBatch.map(({email}) => ({email, status: 'created', name: 'x'}))}),
      }))
    const result = await addUsers(clients(), 'lab1', emails, {admin: false, ...noWait})
    expect(result.result.changes.filter((c) => c.status === 'created')).toHaveLength(50)
    expect(result.result.changes.slice(50).every((c) => c.status === 'failed' && /not added: .*not running/.test(c.message ?? ''))).toBe(
      true,
    )
  })

  it('lists what the hub reports, and removes keeping homes unless asked', async () => {
    privateStack()
    hubAnswers({
      users: [{email: 'ada@example.org', name: 'ada', admin: true, status: 'active', lastSignIn: 'Nov 23 10:00', homeBytes: 4096}],
    })
    expect((await listUsers(clients(), 'lab1', noWait)).users).toEqual([
      {email: 'ada@example.org', name: 'ada', admin: true, status: 'active', lastSignIn: 'Nov 23 10:00', homeBytes: 4096},
    ])
    ssm.reset()
    hubAnswers({results: [{email: 'ada@example.org', name: 'ada', status: 'removed', homeKept: true}]}, 'Success')
    const removed = await removeUsers(clients(), 'lab1', ['ada@example.org'], {deleteHome: false, ...noWait})
    expect(stdinOnHub(ssm.commandCalls(SendCommandCommand)[0]!.args[0].input.Parameters!.commands!)).toEqual({
      users: [{email: 'ada@example.org'}],
      deleteHome: false,
    })
    expect(removed.changes).toEqual([{email: 'ada@example.org', name: 'ada', status: 'removed', homeKept: true}])
  })
})

describe('remove on a public hub', () => {
  it('leaves the pool, then deletes the home on the hub; someone who never signed in had none', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1')]})
    cognito.on(AdminDeleteUserCommand).resolves({})
    hubAnswers(
      {
        results: [
          {email: 'ada@example.org', name: 'ada', status: 'removed', homeKept: false},
          {email: 'grace@example.org', status: 'not-found', message: 'no such hub user'},
        ],
      },
      'Failed',
    )
    const result = await removeUsers(clients(), 'lab1', ['ada@example.org', 'grace@example.org'], {deleteHome: true, ...noWait})
    expect(cognito.commandCalls(AdminDeleteUserCommand).map((c) => c.args[0].input)).toEqual([
      {UserPoolId: 'us-east-1_AbCdEf123', Username: 'ada@example.org'},
      {UserPoolId: 'us-east-1_AbCdEf123', Username: 'grace@example.org'},
    ])
    expect(result.changes.map((c) => [c.email, c.status, c.homeKept])).toEqual([
      ['ada@example.org', 'removed', false],
      ['grace@example.org', 'removed', false],
    ])
    expect(result.failed).toBe(0)
  })

  it('without --delete-home: signed out everywhere, out of the pool, and ended on the hub (session, server, account; home kept)', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1')]})
    cognito.on(AdminUserGlobalSignOutCommand).resolves({})
    cognito.on(AdminDeleteUserCommand).resolves({})
    hubAnswers({results: [{email: 'ada@example.org', name: 'ada', status: 'removed', homeKept: true}]})
    const result = await removeUsers(clients(), 'lab1', ['ada@example.org'], {deleteHome: false, ...noWait})
    const calls = cognito.calls().map((c) => c.args[0].constructor.name)
    expect(calls).toEqual(['AdminUserGlobalSignOutCommand', 'AdminDeleteUserCommand'])
    expect(stdinOnHub(ssm.commandCalls(SendCommandCommand)[0]!.args[0].input.Parameters!.commands!)).toEqual({
      users: [{email: 'ada@example.org'}],
      deleteHome: false,
    })
    expect(result.changes).toEqual([expect.objectContaining({email: 'ada@example.org', status: 'removed', homeKept: true})])
    expect(result.changes[0]!.message).toMatch(/hub session, server and account ended/)
    expect(result.failed).toBe(0)
  })

  it('without --delete-home and a stopped hub: out of the pool, but the item fails saying the hub session stays', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1')]})
    cognito.on(AdminUserGlobalSignOutCommand).resolves({})
    cognito.on(AdminDeleteUserCommand).resolves({})
    ssm.on(SendCommandCommand).rejects(named('InvalidInstanceId'))
    const result = await removeUsers(clients(), 'lab1', ['ada@example.org'], {deleteHome: false, ...noWait})
    expect(result.changes[0]).toMatchObject({status: 'failed', homeKept: true})
    expect(result.changes[0]!.message).toMatch(
      /signed out, but not removed from the hub \(its session, server and account stay; run this again/,
    )
    expect(result.failed).toBe(1)
  })

  it('a stopped hub: removed from the pool, the home kept, and the item failed (exit 1)', async () => {
    cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1')]})
    cognito.on(AdminDeleteUserCommand).resolves({})
    ssm.on(SendCommandCommand).rejects(named('InvalidInstanceId'))
    const result = await removeUsers(clients(), 'lab1', ['ada@example.org'], {deleteHome: true, ...noWait})
    expect(result.changes[0]).toMatchObject({status: 'failed', homeKept: true})
    expect(result.changes[0]!.message).toMatch(
      /removed from the user pool and signed out, but not removed from the hub and the home directory was not deleted/,
    )
  })
})
