import {writeFile} from 'node:fs/promises'
import {resolve} from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand, offlineBaseFlags} from '../../base-command.js'
import {publishedSchemaText} from '../../lib/domain/published-schema.js'

export interface DomainSchemaResult {
  written?: string
  schema: unknown
}

export default class DomainSchema extends BaseCommand<typeof DomainSchema> {
  static override baseFlags = offlineBaseFlags()
  static override summary = 'Print or write the domain-pack JSON Schema for editors.'
  static override description =
    'Point your editor at the file (e.g. `# yaml-language-server: $schema=./domain-pack.schema.json` at the top of a pack) to get completion and checks while writing packs.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> > domain-pack.schema.json',
    '<%= config.bin %> <%= command.id %> --output .vscode/domain-pack.schema.json',
  ]
  static override flags = {output: Flags.string({char: 'o', description: 'Write the schema to this file instead of stdout.'})}

  public async run(): Promise<DomainSchemaResult> {
    const text = publishedSchemaText()
    const schema = JSON.parse(text) as unknown
    if (this.flags.output) {
      const written = resolve(this.flags.output)
      await writeFile(written, text)
      if (!this.jsonEnabled()) this.logToStderr(`Wrote ${written}`)
      return {written, schema}
    }
    if (!this.jsonEnabled()) process.stdout.write(text)
    return {schema}
  }
}
