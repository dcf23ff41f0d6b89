import {BaseCommand, offlineBaseFlags} from '../../base-command.js'
import {packDirFlag} from '../../flags.js'
import type {PackSummary} from '../../lib/domain/list-packs.js'

export interface DomainListResult {
  packs: PackSummary[]
}

export default class DomainList extends BaseCommand<typeof DomainList> {
  static override baseFlags = offlineBaseFlags()
  static override summary = 'List the domain packs you can deploy.'
  static override description =
    'Shows built-in packs, packs in ./domain-packs of the current directory and packs from --pack-dir. A pack in a later location shadows a built-in one of the same name.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --pack-dir ~/lab-packs',
    '<%= config.bin %> <%= command.id %> --json | jq -r ".result.packs[].name"',
  ]
  static override flags = {'pack-dir': packDirFlag}

  public async run(): Promise<DomainListResult> {
    // Loaded on use so that `--help` and other commands never parse YAML or load validators.
    const [{listPacks}, {renderTable}, {escapeControl}] = await Promise.all([
      import('../../lib/domain/list-packs.js'),
      import('../../output/table.js'),
      import('../../output/sanitize.js'),
    ])
    const packs = await listPacks({packDirs: this.flags['pack-dir']})
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['NAME', 'TITLE', 'DEFAULT INSTANCE', 'GPU', 'KERNELS', 'MOUNTS', 'SOURCE'],
          // Any ./domain-packs/ in the working directory is listed: its names and titles are untrusted text.
          packs.map((p) => [
            escapeControl(p.name),
            escapeControl(p.title),
            escapeControl(p.defaultInstanceType ?? '-'),
            p.gpu ? 'yes' : 'no',
            escapeControl(p.kernels.join(', ') || '-'),
            p.dataMounts,
            p.valid ? p.origin : `${p.origin} (${p.errors} errors)`,
          ]),
        ),
      )
    }
    return {packs}
  }
}
