import {readFile, stat, writeFile} from 'node:fs/promises'
import {Document} from 'yaml'
import type {Finding} from '../../domain-pack/findings.js'
import {loadPackFromText} from '../../domain-pack/load.js'
import {ExitCode, WizardError} from '../../errors.js'
import {buildPack, type PackKernel} from './build-pack.js'
import {parseCondaEnvironment} from './conda-environment.js'
import {parseJuliaProject} from './julia-project.js'
import {parseKernelspecs} from './kernelspecs.js'
import {parsePipFreeze} from './pip-requirements.js'
import {parseRenvLock} from './renv-lock.js'
import type {ImportNote} from './types.js'

/** Exports are text a person produced; anything larger is not one. */
const MAX_EXPORT_BYTES = 5 * 1024 * 1024
const DOMAIN_NAME = /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/

export interface ImportEnvironmentOptions {
  readonly domain: string
  readonly kernels: string
  readonly packages?: string
  readonly conda?: string
  readonly renv?: string
  readonly julia?: string
  readonly output?: string
  readonly force?: boolean
}

/** The --json result of `jupyter import-environment`. */
export interface ImportEnvironmentResult {
  readonly domain: string
  /** Where the pack was written, when --output was given. */
  readonly output?: string
  readonly yaml: string
  readonly kernels: {name: string; language: string; version?: string; packages: number}[]
  /** Every line of the exports that did not become part of the pack unchanged. */
  readonly notes: readonly ImportNote[]
  /** What `domain validate` says about the pack (no errors when this returns). */
  readonly validation: readonly Finding[]
}

/**
 * Reads a researcher's exports and writes the domain pack they describe. Lines that
 * cannot be carried over are returned as notes (file:line, why, what to do); the
 * pack itself must pass the same validation `domain validate` runs, or nothing is
 * written.
 */
export async function importEnvironment(options: ImportEnvironmentOptions): Promise<ImportEnvironmentResult> {
  if (!DOMAIN_NAME.test(options.domain))
    throw new WizardError({
      code: 'invalid-domain-name',
      message: `--domain "${options.domain}" is not a pack name: lower-case letters, digits and hyphens, 3-40 characters, starting with a letter.`,
      actions: ['Pass a name such as --domain my-lab.'],
      exitCode: ExitCode.usage,
    })
  const kernelText = await readExport(options.kernels, '--kernels')
  const kernels = parseKernelspecs(kernelText, options.kernels)
  const notes: ImportNote[] = [...kernels.notes]
  const read = async <T>(
    file: string | undefined,
    flag: string,
    parse: (text: string, file: string) => {value: T; notes: readonly ImportNote[]},
  ) => {
    if (!file) return undefined
    const parsed = parse(await readExport(file, flag), file)
    notes.push(...parsed.notes)
    return parsed.value
  }
  const pip = await read(options.packages, '--packages', parsePipFreeze)
  const conda = await read(options.conda, '--conda', parseCondaEnvironment)
  const renv = await read(options.renv, '--renv', parseRenvLock)
  const julia = await read(options.julia, '--julia', parseJuliaProject)
  const built = buildPack({
    domain: options.domain,
    kernels: {file: options.kernels, kernels: kernels.value},
    ...(pip && options.packages ? {pip: {file: options.packages, packages: pip}} : {}),
    ...(conda && options.conda ? {conda: {file: options.conda, environment: conda}} : {}),
    ...(renv && options.renv ? {renv: {file: options.renv, project: renv}} : {}),
    ...(julia && options.julia ? {julia: {file: options.julia, project: julia}} : {}),
  })
  notes.push(...built.notes)

  const document = new Document(built.pack)
  document.commentBefore =
    ' yaml-language-server: $schema=https://aws-research-wizard.dev/schema/domain-pack.json\n' +
    ' Made by `aws-research-wizard jupyter import-environment`; check with `aws-research-wizard domain validate <file>`'
  const yaml = document.toString({lineWidth: 0})
  const target = options.output ?? `${options.domain}.yaml`
  const loaded = loadPackFromText(yaml, target)
  const kernelSummary = (built.pack.kernels as PackKernel[]).map((k) => ({
    name: k.name,
    language: k.language,
    ...(k.version ? {version: k.version} : {}),
    packages: k.packages.length,
  }))
  const result = {domain: options.domain, yaml, kernels: kernelSummary, notes, validation: loaded.findings}
  if (loaded.findings.some((f) => f.level === 'error'))
    throw new WizardError({
      code: 'imported-pack-invalid',
      message: `The pack made from these exports does not validate (${loaded.findings.filter((f) => f.level === 'error').length} error(s)); nothing was written.`,
      actions: [
        ...notes.filter((n) => n.level === 'error' && n.code === 'too-many-packages').map((n) => `${n.message} ${n.remedy}`),
        ...loaded.findings.filter((f) => f.level === 'error').map((f) => `${f.path}: ${f.message} Fix: ${f.remedy}`),
        'Fix the export lines named in the notes, or write the pack to a file with a smaller export (conda env export --from-history).',
      ],
      exitCode: ExitCode.invalidPack,
      data: result,
    })
  if (options.output) {
    await writeFile(options.output, yaml, {flag: options.force ? 'w' : 'wx'}).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST')
        throw new WizardError({
          code: 'output-exists',
          message: `${options.output} already exists; it was left as it is.`,
          actions: ['Add --force to replace it, or choose another --output.'],
          exitCode: ExitCode.usage,
        })
      throw new WizardError({
        code: 'output-not-writable',
        message: `Could not write ${options.output}: ${error.message}.`,
        actions: ['Choose an --output in a directory you can write.'],
        exitCode: ExitCode.failure,
      })
    })
    return {...result, output: options.output}
  }
  return result
}

async function readExport(file: string, flag: string): Promise<string> {
  const info = await stat(file).catch(() => undefined)
  if (!info?.isFile())
    throw new WizardError({
      code: 'import-file-not-found',
      message: `${flag} ${file}: no such file.`,
      actions: [`Check the path given to ${flag}.`],
      exitCode: ExitCode.usage,
    })
  if (info.size > MAX_EXPORT_BYTES)
    throw new WizardError({
      code: 'import-file-too-large',
      message: `${flag} ${file} is ${info.size} bytes; an export is at most ${MAX_EXPORT_BYTES}.`,
      actions: [`Check that ${flag} names the export file itself.`],
      exitCode: ExitCode.usage,
    })
  return readFile(file, 'utf8')
}
