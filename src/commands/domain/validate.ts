import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {ExitCode, WizardError} from '../../errors.js'
import {allowChannelFlag, packDirFlag} from '../../flags.js'
import type {ValidationReport} from '../../lib/domain/validate-packs.js'

export default class DomainValidate extends BaseCommand<typeof DomainValidate> {
  static override summary = 'Check domain packs and report every problem with its location and fix.'
  static override description =
    'Validates the schema and the semantic rules (GPU packages, mount paths, bucket names, sizing...). Each finding is printed as file:line:column level code message, followed by the fix. Exits 3 when a finding at or above --fail-on is present.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> domain-packs/*.yaml',
    '<%= config.bin %> <%= command.id %> genomics --region eu-west-1',
    '<%= config.bin %> <%= command.id %> my-pack.yaml --fail-on warning --json',
    '<%= config.bin %> <%= command.id %> lab-pack.yaml --allow-channel https://conda.example.org/lab',
  ]
  static override strict = false
  static override args = {packs: Args.string({description: 'Pack names or files', required: true})}
  static override flags = {
    'fail-on': Flags.string({description: 'Lowest finding level that fails the run.', options: ['error', 'warning'], default: 'error'}),
    'pack-dir': packDirFlag,
    'allow-channel': allowChannelFlag,
  }

  public async run(): Promise<ValidationReport> {
    const [{validatePacks}, {formatFindingLine}, {escapeControl}] = await Promise.all([
      import('../../lib/domain/validate-packs.js'),
      import('../../domain-pack/findings.js'),
      import('../../output/sanitize.js'),
    ])
    const report = await validatePacks(this.positionals, {
      failOn: this.flags['fail-on'] as 'error' | 'warning',
      region: this.flags.region,
      packDirs: this.flags['pack-dir'],
      allowedChannels: this.flags['allow-channel'],
    })
    if (!this.jsonEnabled()) {
      for (const file of report.files) {
        // Pack text and file names reach the terminal: escaped (JSON output stays as is).
        for (const finding of file.findings) this.log(`${formatFindingLine(finding)}\n    fix: ${escapeControl(finding.remedy)}`)
        this.log(`${file.valid ? '✔' : '✖'} ${escapeControl(file.file)}`)
      }
      this.log(
        `${report.files.length} pack(s): ${report.counts.error} error(s), ${report.counts.warning} warning(s), ${report.counts.info} note(s)`,
      )
    }
    if (report.failed) {
      throw new WizardError({
        code: 'invalid-pack',
        message: `${report.files.filter((f) => !f.valid).length} of ${report.files.length} pack(s) failed validation (--fail-on ${report.failOn}).`,
        actions: ['Fix the findings above; each one names its file:line:column and the fix.'],
        exitCode: ExitCode.invalidPack,
        data: report,
      })
    }
    return report
  }
}
