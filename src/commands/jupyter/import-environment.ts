import {Flags} from '@oclif/core'
import {BaseCommand, offlineBaseFlags} from '../../base-command.js'
import type {ImportEnvironmentResult} from '../../lib/import-environment/import-environment.js'

export default class JupyterImportEnvironment extends BaseCommand<typeof JupyterImportEnvironment> {
  static override baseFlags = offlineBaseFlags()
  static override summary = 'Turn the kernels and packages on your own machine into a domain pack that validates.'
  static override description =
    'Reads `jupyter kernelspec list` (plain or --json), `pip freeze`, a conda environment.yml, an renv.lock and a Julia Project.toml. Each kernel becomes a pack kernel with its language and version. Every line that cannot be carried over (local paths, editable installs, URLs, private indexes, GitHub-only R packages) is reported as file:line with the fix. The pack is printed, or written with --output (an existing file is replaced only with --force).'
  static override examples = [
    'jupyter kernelspec list --json > kernels.json && pip freeze > requirements.txt\n<%= config.bin %> <%= command.id %> --kernels kernels.json --packages requirements.txt --domain my-lab --output my-lab.yaml',
    '<%= config.bin %> <%= command.id %> --kernels kernels.json --conda environment.yml --renv renv.lock --julia Project.toml --domain my-lab',
    '<%= config.bin %> <%= command.id %> --kernels kernels.json --packages requirements.txt --domain my-lab --json',
  ]
  static override flags = {
    kernels: Flags.string({description: 'Output of `jupyter kernelspec list --json` (or the plain listing).', required: true}),
    packages: Flags.string({description: 'Output of `pip freeze` for the Python kernel.'}),
    conda: Flags.string({description: 'A conda environment.yml for the Python kernel (best: conda env export --from-history).'}),
    renv: Flags.string({description: 'An renv.lock for the R kernel.'}),
    julia: Flags.string({description: 'A Julia Project.toml for the Julia kernel.'}),
    domain: Flags.string({description: 'Name of the new pack (lower-case letters, digits and hyphens).', required: true}),
    output: Flags.string({description: 'Write the pack to this file instead of printing it.'}),
    force: Flags.boolean({description: 'Replace --output if it exists.', dependsOn: ['output']}),
  }

  public async run(): Promise<ImportEnvironmentResult> {
    const [{importEnvironment}, {formatImportNote}] = await Promise.all([
      import('../../lib/import-environment/import-environment.js'),
      import('../../lib/import-environment/format.js'),
    ])
    const result = await importEnvironment(this.flags)
    if (!this.jsonEnabled()) {
      // The pack goes to stdout (pipeable); what happened to each line goes to stderr.
      for (const note of result.notes) this.logToStderr(formatImportNote(note))
      const left = result.notes.filter((n) => n.level === 'error').length
      const summary = result.kernels.map((k) => `${k.name} (${k.language}${k.version ? ` ${k.version}` : ''}, ${k.packages} packages)`)
      this.logToStderr(`Kernels: ${summary.join(', ')}. ${left} line(s) not carried over.`)
      if (result.output) this.logToStderr(`Wrote ${result.output}; check it with: ${this.config.bin} domain validate ${result.output}`)
      else this.log(result.yaml)
    }
    return result
  }
}
