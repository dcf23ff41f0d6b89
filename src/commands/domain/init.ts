import {existsSync} from 'node:fs'
import {mkdir, writeFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand, offlineBaseFlags} from '../../base-command.js'
import type {Finding} from '../../domain-pack/findings.js'
import {ExitCode, WizardError} from '../../errors.js'
import type {InitAnswers} from '../../lib/domain/init-pack.js'
import {publishedSchemaText} from '../../lib/domain/published-schema.js'

export interface DomainInitResult {
  file: string
  schemaFile?: string
  findings: readonly Finding[]
}

export default class DomainInit extends BaseCommand<typeof DomainInit> {
  static override baseFlags = offlineBaseFlags()
  static override summary = 'Scaffold a new domain pack that validates.'
  static override description =
    'Asks a few questions when run in a terminal; in CI or with --no-interactive every answer comes from flags (only --name is required). Writes NAME.yaml and, next to it, the schema for editor completion.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --name proteomics --language python --package pyteomics --package pandas --bucket pride-archive',
    '<%= config.bin %> <%= command.id %> --name deep-vision --gpu --instance-type g5.xlarge --output-dir domain-packs --json',
  ]
  static override flags = {
    name: Flags.string({description: 'Pack name (lower-case letters, digits and hyphens).'}),
    title: Flags.string({description: 'Display name shown to users.'}),
    description: Flags.string({description: 'One-paragraph description.'}),
    language: Flags.string({options: ['python', 'r', 'julia'], description: 'Language of the first kernel.'}),
    package: Flags.string({multiple: true, description: 'A package for the first kernel (repeatable).'}),
    'instance-type': Flags.string({description: 'Default instance type.'}),
    gpu: Flags.boolean({description: 'The pack needs an NVIDIA GPU.', allowNo: true}),
    bucket: Flags.string({multiple: true, description: 'S3 bucket (or bucket/prefix) to mount read-only under /data (repeatable).'}),
    'auto-shutdown': Flags.integer({description: 'Idle minutes before the instance stops (0 = never).', min: 0}),
    budget: Flags.integer({description: 'Monthly budget in USD.', min: 1}),
    'output-dir': Flags.string({description: 'Directory to write into.', default: '.'}),
    force: Flags.boolean({description: 'Overwrite an existing file.'}),
    interactive: Flags.boolean({description: 'Ask for missing answers (default: when stdin is a terminal).', allowNo: true}),
  }

  public async run(): Promise<DomainInitResult> {
    const interactive = this.flags.interactive ?? (Boolean(process.stdin.isTTY) && !this.jsonEnabled() && !process.env.CI)
    const answers = interactive ? await this.ask() : this.fromFlags()
    const file = resolve(this.flags['output-dir'], `${answers.name}.yaml`)
    if (existsSync(file) && !this.flags.force) {
      throw new WizardError({
        code: 'file-exists',
        message: `${file} already exists.`,
        actions: ['Pass --force to overwrite it, or choose another --name.'],
        exitCode: ExitCode.usage,
      })
    }
    const [{buildPack, renderPackYaml}, {loadPackFromText}] = await Promise.all([
      import('../../lib/domain/init-pack.js'),
      import('../../domain-pack/load.js'),
    ])
    const text = renderPackYaml(buildPack(answers))
    const loaded = loadPackFromText(text, file)
    if (!loaded.pack) {
      throw new WizardError({
        code: 'invalid-pack',
        message: `The answers do not make a valid pack:\n${loaded.findings.map((f) => `  ${f.code}: ${f.message} (${f.remedy})`).join('\n')}`,
        actions: ['Adjust the flags named above and run again.'],
        exitCode: ExitCode.invalidPack,
        data: {findings: loaded.findings},
      })
    }
    await mkdir(dirname(file), {recursive: true})
    await writeFile(file, text)
    const schemaFile = join(dirname(file), 'domain-pack.schema.json')
    const wroteSchema = !existsSync(schemaFile)
    if (wroteSchema) await writeFile(schemaFile, publishedSchemaText())
    if (!this.jsonEnabled()) {
      this.log(`Created ${file}`)
      if (wroteSchema) this.log(`Created ${schemaFile} (editor completion)`)
      this.log(
        `Next: edit it, then \`${this.config.bin} domain validate ${file}\` and \`${this.config.bin} jupyter deploy --domain ${file} --name lab1 --dry-run\``,
      )
    }
    return {file, ...(wroteSchema ? {schemaFile} : {}), findings: loaded.findings}
  }

  private fromFlags(): InitAnswers {
    const {flags} = this
    if (!flags.name) {
      throw new WizardError({
        code: 'missing-flag',
        message: 'domain init needs --name when it cannot ask (no terminal, CI, or --json).',
        actions: ['Pass --name my-field, or run it in a terminal to be asked.'],
        exitCode: ExitCode.usage,
      })
    }
    const gpu = flags.gpu ?? false
    return {
      name: flags.name,
      displayName:
        flags.title ??
        flags.name
          .split('-')
          .map((w) => w[0]?.toUpperCase() + w.slice(1))
          .join(' '),
      description: flags.description,
      language: (flags.language ?? 'python') as InitAnswers['language'],
      packages: flags.package ?? defaultPackages((flags.language ?? 'python') as InitAnswers['language']),
      instanceType: flags['instance-type'] ?? (gpu ? 'g5.xlarge' : 'm6i.xlarge'),
      gpu,
      buckets: flags.bucket ?? [],
      autoShutdownMinutes: flags['auto-shutdown'] ?? 60,
      monthlyBudgetUsd: flags.budget,
    }
  }

  private async ask(): Promise<InitAnswers> {
    const {checkbox, confirm, input, number, select} = await import('@inquirer/prompts')
    const defaults = this.fromFlags.bind({
      ...this,
      flags: {...this.flags, name: this.flags.name ?? 'my-research'},
    } as unknown as DomainInit)()
    const name = await input({
      message: 'Pack name',
      default: defaults.name,
      validate: (v) => /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/.test(v) || 'lower-case letters, digits and hyphens, 3-40 characters',
    })
    const displayName = await input({
      message: 'Display name',
      default:
        this.flags.title ??
        name
          .split('-')
          .map((w) => w[0]?.toUpperCase() + w.slice(1))
          .join(' '),
    })
    const language = (await select({
      message: 'Main kernel language',
      choices: ['python', 'r', 'julia'].map((value) => ({value})),
      default: defaults.language,
    })) as InitAnswers['language']
    const packages = (await input({message: 'Packages (comma separated)', default: defaultPackages(language).join(', ')}))
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
    const gpu = await confirm({message: 'Does it need an NVIDIA GPU?', default: defaults.gpu})
    const OTHER = 'other (type it)'
    const picked = await select({
      message: 'Default instance type',
      choices: [
        ...(gpu ? ['g5.xlarge', 'g4dn.xlarge', 'g6.xlarge', 'g5.12xlarge'] : ['m6i.xlarge', 'r6i.2xlarge', 'm6i.4xlarge', 'c6i.4xlarge']),
        OTHER,
      ].map((value) => ({value})),
    })
    const instanceType =
      picked === OTHER
        ? await input({message: 'Instance type', validate: (v) => /^[a-z0-9-]+\.[a-z0-9]+$/.test(v.trim()) || 'e.g. r7i.2xlarge'})
        : picked
    const buckets = await checkbox({
      message: 'Open data to mount (space to select)',
      choices: ['1000genomes', 'gnomad-public-us-east-1', 'noaa-gfs-bdp-pds', 'sentinel-cogs', 'nasa-power'].map((value) => ({value})),
    })
    const ownBuckets = await input({message: 'Other buckets or bucket/prefix to mount (comma separated, optional)', default: ''})
    buckets.push(
      ...ownBuckets
        .split(',')
        .map((b) => b.trim().replace(/^s3:\/\//, ''))
        .filter(Boolean),
    )
    const autoShutdownMinutes = (await number({message: 'Stop after how many idle minutes? (0 = never)', default: 60, min: 0})) ?? 60
    return {
      name,
      displayName,
      language,
      packages,
      gpu,
      instanceType: instanceType.trim(),
      buckets,
      autoShutdownMinutes,
      monthlyBudgetUsd: this.flags.budget,
    }
  }
}

function defaultPackages(language: InitAnswers['language']): string[] {
  if (language === 'r') return ['r-tidyverse', 'r-data.table']
  if (language === 'julia') return ['DataFrames', 'Plots']
  return ['numpy', 'pandas', 'matplotlib', 'scipy']
}
