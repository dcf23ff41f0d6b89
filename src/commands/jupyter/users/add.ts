import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../../base-command.js'
import {environmentNameArg} from '../../../flags.js'
import type {UsersChangeResult} from '../../../lib/users/types.js'

export default class JupyterUsersAdd extends BaseCommand<typeof JupyterUsersAdd> {
  static override summary = 'Give people access to a hub: a Cognito invitation (public) or a local account (private).'
  static override description =
    'Public hubs: each person gets an e-mail from the user pool with a temporary password. Private hubs: a local account is created on the hub through Systems Manager; its password is kept in an SSM SecureString and printed once with the command that reads it again. Each address gets its own result; the command exits 1 if any failed.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab1 ada@uni.edu grace@uni.edu',
    '<%= config.bin %> <%= command.id %> lab1 pi@uni.edu --admin',
    '<%= config.bin %> <%= command.id %> lab1 ada@uni.edu --json',
  ]
  static override strict = false
  static override args = {
    environment: environmentNameArg({description: 'Environment name', required: true}),
    email: Args.string({description: 'E-mail address (several may be given)', required: true}),
  }
  static override flags = {admin: Flags.boolean({description: 'Make them hub administrators.'})}

  public async run(): Promise<UsersChangeResult> {
    const [{addUsers}, {failedUsersError}, {renderUserChanges}] = await Promise.all([
      import('../../../lib/users/manage.js'),
      import('../../../lib/users/failures.js'),
      import('../../../output/users.js'),
    ])
    const [environment, ...emails] = this.positionals
    const clients = await this.awsClients()
    const {result, passwords} = await this.step(`Adding ${emails.length} user(s) to ${environment}`, (report) =>
      addUsers(clients, environment!, emails, {admin: this.flags.admin, onProgress: report}),
    )
    if (!this.jsonEnabled()) this.log(renderUserChanges(result, passwords))
    const failure = failedUsersError(result, 'added')
    if (failure) throw failure
    return result
  }
}
