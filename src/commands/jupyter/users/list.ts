import {BaseCommand} from '../../../base-command.js'
import {environmentNameArg} from '../../../flags.js'
import type {UsersListResult} from '../../../lib/users/types.js'

export default class JupyterUsersList extends BaseCommand<typeof JupyterUsersList> {
  static override summary = "List a hub's users: name, e-mail, admin, status, last sign-in and home size where known."
  static override description =
    'Public hubs read the Cognito user pool (status FORCE_CHANGE_PASSWORD: invited, not signed in yet; Cognito records no last sign-in). Private hubs ask the hub itself through Systems Manager (it must be running).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab1',
    '<%= config.bin %> <%= command.id %> lab1 --json | jq -r ".result.users[].email"',
  ]
  static override args = {environment: environmentNameArg({description: 'Environment name', required: true})}

  public async run(): Promise<UsersListResult> {
    const [{listUsers}, {renderUserList}] = await Promise.all([import('../../../lib/users/manage.js'), import('../../../output/users.js')])
    const clients = await this.awsClients()
    const result = await this.step(`Reading the users of ${this.args.environment}`, (report) =>
      listUsers(clients, this.args.environment, {onProgress: report}),
    )
    if (!this.jsonEnabled()) this.log(renderUserList(result.users))
    return result
  }
}
