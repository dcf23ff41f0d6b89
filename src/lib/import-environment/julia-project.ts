import {JULIA_PACKAGE_PATTERN} from '../../domain-pack/schema.js'
import {type ImportedPackage, type ImportNote, noteAt, type Parsed} from './types.js'

const JULIA_SPEC = new RegExp(JULIA_PACKAGE_PATTERN)

/** What a Julia Project.toml gives a Julia kernel. */
export interface JuliaProject {
  /** The lowest version [compat] allows for julia, e.g. "1.10". */
  readonly juliaVersion?: string
  readonly packages: ImportedPackage[]
}

/**
 * Reads the part of a Julia Project.toml that names packages: [deps] (Name = "uuid")
 * and [compat] (Name = "1.2"). Project files Pkg writes are flat TOML of quoted strings,
 * so a line reader is enough here; any other table is ignored and any line it does not
 * understand inside [deps] or [compat] is reported, never guessed at.
 */
export function parseJuliaProject(text: string, file: string): Parsed<JuliaProject> {
  const lines = text.split(/\r?\n/)
  const notes: ImportNote[] = []
  const deps = new Map<string, number>()
  const compat = new Map<string, string>()
  let table = ''
  let arrayDepth = 0
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\s+#.*$/, '').trim()
    if (!line || line.startsWith('#')) continue
    // Multi-line arrays (authors = [...]) at the top level carry no packages.
    if (arrayDepth > 0) {
      arrayDepth += (line.match(/\[/g) ?? []).length - (line.match(/\]/g) ?? []).length
      continue
    }
    const header = /^\[([A-Za-z0-9_.-]+)\]$/.exec(line)
    if (header) {
      table = header[1]!
      continue
    }
    const pair = /^("?)([A-Za-z0-9_.-]+)\1\s*=\s*(.*)$/.exec(line)
    if (!pair) {
      if (table === 'deps' || table === 'compat')
        notes.push(
          noteAt(file, index + 1, raw, {
            code: 'unreadable-toml-line',
            level: 'error',
            message: `A line in [${table}] that is not Name = "value".`,
            remedy: 'Let Pkg write the file (] add Name), or add the package to the pack by hand.',
          }),
        )
      continue
    }
    const [, , key, value] = pair
    if (table === '' && value!.startsWith('[') && !value!.includes(']')) arrayDepth = 1
    if (table !== 'deps' && table !== 'compat') continue
    const string = /^"([^"]*)"$/.exec(value!)
    if (!string) {
      notes.push(
        noteAt(file, index + 1, raw, {
          code: 'unreadable-toml-line',
          level: 'error',
          message: `The value of ${key} in [${table}] is not a quoted string.`,
          remedy: 'Let Pkg write the file, or add the package to the pack by hand.',
        }),
      )
      continue
    }
    if (table === 'deps') deps.set(key!, index + 1)
    else compat.set(key!, string[1]!)
  }

  const packages: ImportedPackage[] = []
  for (const [name, line] of deps) {
    // [compat] "1.2" or "1.2, 2" or "^1.2": its first version is the one Pkg would pick a release from.
    const version = /^[\^~=]?\s*([0-9]+(\.[0-9]+){0,2})$/.exec(compat.get(name)?.split(',')[0]?.trim() ?? '')?.[1]
    const spec = version ? `${name}@${version}` : name
    if (!JULIA_SPEC.test(spec)) {
      notes.push(
        noteAt(file, line, lines[line - 1] ?? '', {
          code: 'not-a-julia-package',
          level: 'error',
          message: `"${name}" is not a General registry package name.`,
          remedy: 'Add it in a notebook with Pkg.add(url=...) if it lives outside the registry.',
        }),
      )
      continue
    }
    if (compat.has(name) && !version)
      notes.push(
        noteAt(file, line, lines[line - 1] ?? '', {
          code: 'compat-range-dropped',
          level: 'warning',
          message: `The [compat] range "${compat.get(name)}" for ${name} is not one version; the hub installs its newest release.`,
          remedy: `Write ${name}@<version> in the pack to pin it.`,
        }),
      )
    packages.push({spec, file, line})
  }
  const juliaVersion = /([0-9]+\.[0-9]+)/.exec(compat.get('julia') ?? '')?.[1]
  return {value: {packages, ...(juliaVersion ? {juliaVersion} : {})}, notes}
}
