/** What happened to one person named on the command line. */
export type UserChangeStatus = 'created' | 'restored' | 'exists' | 'removed' | 'invalid' | 'duplicate' | 'not-found' | 'failed'

/** Statuses that are a success; any other fails the command (exit 1) after every person was tried. */
export const SUCCESSFUL: ReadonlySet<UserChangeStatus> = new Set(['created', 'restored', 'exists', 'removed'])

export interface UserChange {
  readonly email: string
  readonly status: UserChangeStatus
  /** The Linux account on the hub (private hubs; public hubs create it at first sign-in). */
  readonly name?: string
  readonly admin?: boolean
  readonly message?: string
  /** Private hubs: the SecureString holding the new password. */
  readonly passwordParameter?: string
  /** Private hubs: the command that prints the password again. */
  readonly passwordCommand?: string
  /** After remove: whether the home directory is still on the home volume (unknown: absent). */
  readonly homeKept?: boolean
}

export interface UsersChangeResult {
  readonly environment: string
  readonly access: 'public' | 'private'
  readonly changes: readonly UserChange[]
  readonly failed: number
}

export interface HubUser {
  readonly email: string
  readonly name?: string
  readonly admin: boolean
  /** Cognito: CONFIRMED, FORCE_CHANGE_PASSWORD (invited, not signed in yet), ...; private: active | no-password. */
  readonly status: string
  readonly enabled?: boolean
  /** ISO-8601 where AWS records it (private hubs: the instance's lastlog); otherwise absent. */
  readonly lastSignIn?: string
  readonly homeBytes?: number
  readonly createdAt?: string
}

export interface UsersListResult {
  readonly environment: string
  readonly access: 'public' | 'private'
  readonly users: readonly HubUser[]
}
