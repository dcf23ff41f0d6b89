import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../../base-command.js'
import {environmentNameArg} from '../../../flags.js'
import type {UsersChangeResult} from '../../../lib/users/types.js'

export default class JupyterUsersRemove extends BaseCommand<typeof JupyterUsersRemove> {
  static override summary = 'Take away access to a hub; home directories are kept unless --delete-home.'
  static override description =
    'Public hubs: the person is signed out everywhere and leaves the user pool. Every hub (through SSM Run Command): their server and processes stop, the local account is removed and the hub user deleted, which ends their hub session; with the hub stopped the item fails and says so (run it again once the hub runs). The name and UID stay reserved, so adding the person again gives back the same home directory. --delete-home deletes it after a confirmation (--yes without a terminal).'
  static override examples = [
    '<%= config.bin %> <%= command.id %> lab1 ada@uni.edu',
    '<%= config.bin %> <%= command.id %> lab1 ada@uni.edu grace@uni.edu --delete-home --yes',
  ]
  static override strict = false
  static override args = {
    environment: environmentNameArg({description: 'Environment name', required: true}),
    email: Args.string({description: 'E-mail address (several may be given)', required: true}),
  }
  static override flags = {
    'delete-home': Flags.boolean({description: 'Also delete their home directories (cannot be undone).'}),
    yes: Flags.boolean({char: 'y', description: 'Delete home directories without asking (required without a terminal).'}),
  }

  public async run(): Promise<UsersChangeResult> {
    const [{removeUsers}, {failedUsersError}, {renderUserChanges}] = await Promise.all([
      import('../../../lib/users/manage.js'),
      import('../../../lib/users/failures.js'),
      import('../../../output/users.js'),
    ])
    const [environment, ...emails] = this.positionals
    const deleteHome = this.flags['delete-home']
    if (deleteHome)
      await this.requireConfirmation(
        'Deleting home directories',
        `Delete the home directories of ${emails.join(', ')} on ${environment}? Their files cannot be recovered.`,
        this.flags.yes,
      )
    const clients = await this.awsClients()
    const result = await this.step(`Removing ${emails.length} user(s) from ${environment}`, (report) =>
      removeUsers(clients, environment!, emails, {deleteHome, onProgress: report}),
    )
    if (!this.jsonEnabled()) this.log(renderUserChanges(result))
    const failure = failedUsersError(result, 'removed')
    if (failure) throw failure
    return result
  }
}
