import {BaseCommand, offlineBaseFlags} from '../base-command.js'

export interface VersionResult {
  name: string
  version: string
  node: string
  platform: string
}

/** `version`, for people who type it as a command; --version and -v print the same line. */
export default class Version extends BaseCommand<typeof Version> {
  static override baseFlags = offlineBaseFlags()
  static override summary = 'Show the version of aws-research-wizard (also --version and -v).'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  public async run(): Promise<VersionResult> {
    if (!this.jsonEnabled()) this.log(this.config.userAgent)
    return {name: this.config.name, version: this.config.version, node: process.version, platform: `${process.platform}-${process.arch}`}
  }
}
