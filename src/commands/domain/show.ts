import {Args} from '@oclif/core'
import {BaseCommand, offlineBaseFlags} from '../../base-command.js'
import type {DomainPack} from '../../domain-pack/schema.js'
import {packDirFlag} from '../../flags.js'

export interface DomainShowResult {
  name: string
  file: string
  pack: DomainPack
}

export default class DomainShow extends BaseCommand<typeof DomainShow> {
  static override baseFlags = offlineBaseFlags()
  static override summary = 'Show a domain pack with every default filled in.'
  static override description = 'Prints the pack after the compact form is expanded and defaults are applied: exactly what deploy will use.'
  static override examples = ['<%= config.bin %> <%= command.id %> genomics', '<%= config.bin %> <%= command.id %> ./my-pack.yaml --json']
  static override args = {pack: Args.string({description: 'Pack name or path to a pack file', required: true})}
  static override flags = {'pack-dir': packDirFlag}

  public async run(): Promise<DomainShowResult> {
    const [{requirePack}, {packToYaml}, {escapeControl}] = await Promise.all([
      import('../../lib/domain/require-pack.js'),
      import('../../lib/domain/show-pack.js'),
      import('../../output/sanitize.js'),
    ])
    const loaded = await requirePack(this.args.pack, {packDirs: this.flags['pack-dir']})
    // A valid pack holds no control characters, but the file name may: escape the whole text.
    if (!this.jsonEnabled()) this.log(escapeControl(packToYaml(loaded.file, loaded.pack), {multiline: true}))
    return {name: loaded.name, file: loaded.file, pack: loaded.pack}
  }
}
