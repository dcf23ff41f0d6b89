import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {CreateStackCommand} from '@aws-sdk/client-cloudformation'
import {AdminGetUserCommand, CreateUserPoolCommand, ListUsersInGroupCommand} from '@aws-sdk/client-cognito-identity-provider'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {OUTPUTS, TAG_KEYS} from '../../src/constructs/contract.js'
import type {UserChange, UsersChangeResult, UsersListResult} from '../../src/lib/users/types.js'
import {type Envelope, runBuilt, runBuiltJson} from '../helpers/built-cli.js'
import {cliEnvironment, pointSdkAt, type MotoServer, startMoto} from '../helpers/moto.js'

/**
 * `jupyter users` on a public hub, the built CLI against moto's Cognito. moto's
 * CloudFormation has no CloudFront, so a public environment cannot be deployed into it:
 * the test creates the user pool directly and a stack `arw-team1` carrying the
 * environment tag and the UserPoolId/AccessMode outputs the real stack has. The CLI
 * finds the pool exactly as in AWS, through that stack's outputs.
 */
describe.sequential('jupyter users against moto (Cognito)', () => {
  let moto: MotoServer
  let env: NodeJS.ProcessEnv
  let restoreSdk: (() => void) | undefined
  let clients: AwsClients
  let userPoolId: string
  const work = mkdtempSync(join(tmpdir(), 'e2e-users-'))

  const cli = (...argv: string[]) => runBuilt(argv, {cwd: work, env, timeoutMs: 60_000})
  const json = <R>(...argv: string[]) => runBuiltJson<R>(argv, {cwd: work, env, timeoutMs: 60_000})
  /** Per-person results of add/remove: the result on success, the error's data when any failed. */
  const changes = (run: {envelope: Envelope<UsersChangeResult>}) =>
    (run.envelope.result?.changes ?? (run.envelope.error?.data?.changes as UserChange[] | undefined))!

  beforeAll(async () => {
    moto = await startMoto()
    env = cliEnvironment(moto.url, work)
    restoreSdk = pointSdkAt(moto.url)
    clients = new AwsClients({region: 'us-east-1'})
    const cognito = await clients.cognito()
    const pool = await cognito.send(new CreateUserPoolCommand({PoolName: 'arw-team1', UsernameAttributes: ['email']}))
    userPoolId = pool.UserPool!.Id!
    const template = {
      Resources: {Marker: {Type: 'AWS::SSM::Parameter', Properties: {Name: '/arw/team1/marker', Type: 'String', Value: 'x'}}},
      Outputs: {[OUTPUTS.userPoolId]: {Value: userPoolId}, [OUTPUTS.accessMode]: {Value: 'public'}},
    }
    await (
      await clients.cloudFormation()
    ).send(
      new CreateStackCommand({
        StackName: 'arw-team1',
        TemplateBody: JSON.stringify(template),
        Tags: [
          {Key: TAG_KEYS.environment, Value: 'team1'},
          {Key: TAG_KEYS.domain, Value: 'genomics'},
        ],
      }),
    )
  }, 60_000)

  afterAll(async () => {
    restoreSdk?.()
    await moto?.stop()
  })

  it('adds people through the pool found by the stack output: per-item results, exit 1 when any fails', async () => {
    const run = await json<UsersChangeResult>(
      'jupyter',
      'users',
      'add',
      'team1',
      'ada@example.org',
      'not-an-address',
      'Ada@Example.org',
      '--admin',
    )
    expect(run.code, run.stderr).toBe(1)
    expect(run.envelope.error?.code).toBe('users-failed')
    expect(changes(run).map((c: {email: string; status: string}) => [c.email, c.status])).toEqual([
      ['ada@example.org', 'created'],
      ['not-an-address', 'invalid'],
      ['Ada@Example.org', 'duplicate'],
    ])
    const cognito = await clients.cognito()
    const ada = await cognito.send(new AdminGetUserCommand({UserPoolId: userPoolId, Username: 'ada@example.org'}))
    expect(ada.UserStatus).toBe('FORCE_CHANGE_PASSWORD')
    expect(ada.UserAttributes).toContainEqual({Name: 'email', Value: 'ada@example.org'})
    const admins = await cognito.send(new ListUsersInGroupCommand({UserPoolId: userPoolId, GroupName: 'hub-admins'}))
    expect(admins.Users?.map((u) => u.Attributes?.find((a) => a.Name === 'email')?.Value)).toEqual(['ada@example.org'])
  })

  it('adding someone already there is "exists", not an error', async () => {
    const first = await json<UsersChangeResult>('jupyter', 'users', 'add', 'team1', 'grace@example.org')
    expect(first.code, first.stderr).toBe(0)
    expect(changes(first)).toEqual([expect.objectContaining({email: 'grace@example.org', status: 'created', admin: false})])
    const again = await json<UsersChangeResult>('jupyter', 'users', 'add', 'team1', 'grace@example.org')
    expect(again.code).toBe(0)
    expect(changes(again)[0]?.status).toBe('exists')
  })

  it('lists who can sign in, with admin and status (human and --json)', async () => {
    const run = await json<UsersListResult>('jupyter', 'users', 'list', 'team1')
    expect(run.code, run.stderr).toBe(0)
    expect(run.envelope.result?.access).toBe('public')
    expect(run.envelope.result!.users.map((u: {email: string; admin: boolean; status: string}) => [u.email, u.admin, u.status])).toEqual([
      ['ada@example.org', true, 'FORCE_CHANGE_PASSWORD'],
      ['grace@example.org', false, 'FORCE_CHANGE_PASSWORD'],
    ])
    const human = await cli('jupyter', 'users', 'list', 'team1')
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/NAME\s+E-MAIL\s+ADMIN\s+STATUS\s+LAST SIGN-IN\s+HOME/)
    expect(human.stdout).toMatch(/ada@example\.org\s+yes\s+FORCE_CHANGE_PASSWORD/)
  })

  it('removes people; unknown ones get their own result and exit 1', async () => {
    const run = await json<UsersChangeResult>('jupyter', 'users', 'remove', 'team1', 'grace@example.org', 'nobody@example.org')
    expect(run.code).toBe(1)
    expect(changes(run).map((c: {status: string}) => c.status)).toEqual(['removed', 'not-found'])
    const list = await json<UsersListResult>('jupyter', 'users', 'list', 'team1')
    expect(list.envelope.result!.users.map((u: {email: string}) => u.email)).toEqual(['ada@example.org'])
  })

  it('--delete-home needs a confirmation: without a terminal and --yes it stops before any change (exit 2)', async () => {
    const run = await json<UsersChangeResult>('jupyter', 'users', 'remove', 'team1', 'ada@example.org', '--delete-home')
    expect(run.code).toBe(2)
    expect(run.envelope.error?.code).toBe('confirmation-required')
    const list = await json<UsersListResult>('jupyter', 'users', 'list', 'team1')
    expect(list.envelope.result?.users).toHaveLength(1)
  })

  it('an unknown environment is a coded error', async () => {
    const run = await json('jupyter', 'users', 'list', 'nope')
    expect(run.code).toBe(1)
    expect(run.envelope.error?.code).toBe('environment-not-found')
  })
})
