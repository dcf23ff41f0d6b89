import type {CognitoIdentityProviderClient, UserType} from '@aws-sdk/client-cognito-identity-provider'
import {HUB_ADMIN_GROUP} from '../../constructs/contract.js'
import type {HubUser, UserChange} from './types.js'

/** Sign-in is by e-mail (the pool's username attribute): the address is the username. */
const attribute = (user: UserType, name: string) => user.Attributes?.find((a) => a.Name === name)?.Value

const errorName = (error: unknown) => (error as {name?: string})?.name ?? ''
const errorText = (error: unknown) => `${errorName(error)}: ${(error as Error)?.message ?? String(error)}`.slice(0, 300)

/**
 * The admin group the hub reads. The stack creates it; pools from before it existed get
 * it on first use, so `--admin` works on every environment.
 */
async function ensureAdminGroup(client: CognitoIdentityProviderClient, userPoolId: string): Promise<void> {
  const {CreateGroupCommand, GetGroupCommand} = await import('@aws-sdk/client-cognito-identity-provider')
  try {
    await client.send(new GetGroupCommand({UserPoolId: userPoolId, GroupName: HUB_ADMIN_GROUP}))
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw error
    await client
      .send(new CreateGroupCommand({UserPoolId: userPoolId, GroupName: HUB_ADMIN_GROUP, Description: 'JupyterHub administrators'}))
      .catch((createError: unknown) => {
        if (errorName(createError) !== 'GroupExistsException') throw createError
      })
  }
}

/**
 * Invites each person: Cognito e-mails a temporary password (valid 7 days) and asks for a
 * new one at first sign-in. Someone already in the pool is left as is ("exists"), except
 * that --admin still makes them an administrator. One failure never stops the others.
 */
export async function addCognitoUsers(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  emails: readonly string[],
  options: {admin: boolean},
): Promise<UserChange[]> {
  const {AdminAddUserToGroupCommand, AdminCreateUserCommand} = await import('@aws-sdk/client-cognito-identity-provider')
  if (options.admin && emails.length > 0) await ensureAdminGroup(client, userPoolId)
  const changes: UserChange[] = []
  for (const email of emails) {
    let status: UserChange['status'] = 'created'
    try {
      await client.send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: email,
          DesiredDeliveryMediums: ['EMAIL'],
          UserAttributes: [
            {Name: 'email', Value: email},
            // The address is the one the administrator typed; Cognito sends the invitation there.
            {Name: 'email_verified', Value: 'true'},
          ],
        }),
      )
    } catch (error) {
      if (errorName(error) !== 'UsernameExistsException') {
        changes.push({email, status: 'failed', message: errorText(error)})
        continue
      }
      status = 'exists'
    }
    try {
      if (options.admin)
        await client.send(new AdminAddUserToGroupCommand({UserPoolId: userPoolId, Username: email, GroupName: HUB_ADMIN_GROUP}))
    } catch (error) {
      changes.push({email, status: 'failed', message: `added, but not made an administrator: ${errorText(error)}`})
      continue
    }
    changes.push({
      email,
      status,
      admin: Boolean(options.admin),
      message: status === 'created' ? 'invitation e-mailed with a temporary password' : 'already in the user pool',
    })
  }
  return changes
}

/** Everyone in the pool, with admin membership; Cognito keeps no last sign-in without threat protection. */
export async function listCognitoUsers(client: CognitoIdentityProviderClient, userPoolId: string): Promise<HubUser[]> {
  const {paginateListUsers, paginateListUsersInGroup} = await import('@aws-sdk/client-cognito-identity-provider')
  const admins = new Set<string>()
  try {
    for await (const page of paginateListUsersInGroup({client}, {UserPoolId: userPoolId, GroupName: HUB_ADMIN_GROUP}))
      for (const user of page.Users ?? []) if (user.Username) admins.add(user.Username)
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw error
  }
  const users: HubUser[] = []
  for await (const page of paginateListUsers({client}, {UserPoolId: userPoolId})) {
    for (const user of page.Users ?? []) {
      const name = attribute(user, 'name')
      users.push({
        email: attribute(user, 'email') ?? user.Username ?? '',
        ...(name ? {name} : {}),
        admin: admins.has(user.Username ?? ''),
        status: user.UserStatus ?? 'UNKNOWN',
        enabled: user.Enabled ?? true,
        ...(user.UserCreateDate ? {createdAt: user.UserCreateDate.toISOString()} : {}),
      })
    }
  }
  return users.sort((a, b) => a.email.localeCompare(b.email))
}

/**
 * Takes people out of the pool: their tokens are revoked first (a global sign-out ends
 * every refresh token, so no new hub sign-in comes from an old session), then the account
 * goes. Their files stay on the hub; the hub side (session, server, account) is removeUsers'.
 */
export async function removeCognitoUsers(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  emails: readonly string[],
): Promise<UserChange[]> {
  const {AdminDeleteUserCommand, AdminUserGlobalSignOutCommand} = await import('@aws-sdk/client-cognito-identity-provider')
  const changes: UserChange[] = []
  for (const email of emails) {
    try {
      await client.send(new AdminUserGlobalSignOutCommand({UserPoolId: userPoolId, Username: email}))
      await client.send(new AdminDeleteUserCommand({UserPoolId: userPoolId, Username: email}))
      changes.push({email, status: 'removed', message: 'signed out everywhere and can no longer sign in'})
    } catch (error) {
      changes.push(
        errorName(error) === 'UserNotFoundException'
          ? {email, status: 'not-found', message: 'not in the user pool'}
          : {email, status: 'failed', message: errorText(error)},
      )
    }
  }
  return changes
}
