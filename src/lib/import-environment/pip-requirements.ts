import {CONDA_PACKAGE_PATTERN} from '../../domain-pack/schema.js'
import {type ImportedPackage, type ImportNote, noteAt, type Parsed} from './types.js'

const CONDA_SPEC = new RegExp(CONDA_PACKAGE_PATTERN)
/** PEP 508 name, optional [extras], optional version specifiers, optional ; marker. */
const REQUIREMENT = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*([^;@]*?)\s*(;.*)?$/
const SPECIFIER = /^(===|==|!=|~=|>=|<=|<|>)\s*([A-Za-z0-9_.*+!-]+)$/

/** One requirement line of a pip freeze (or an environment.yml pip: list). */
export interface RequirementLine {
  readonly text: string
  readonly line: number
}

/**
 * Joins `\` continuations of a requirements file (hash lines) into logical lines,
 * keeping the number of the line each one starts on.
 */
export function requirementLines(text: string): RequirementLine[] {
  const out: RequirementLine[] = []
  let pending: RequirementLine | undefined
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const continued = raw.endsWith('\\')
    const body = continued ? raw.slice(0, -1) : raw
    pending = pending ? {text: `${pending.text} ${body}`, line: pending.line} : {text: body, line: index + 1}
    if (!continued) {
      out.push(pending)
      pending = undefined
    }
  }
  if (pending) out.push(pending)
  return out
}

/** Reads `pip freeze` output (or a requirements file) into conda specs and located notes. */
export function parsePipFreeze(text: string, file: string): Parsed<ImportedPackage[]> {
  const packages: ImportedPackage[] = []
  const notes: ImportNote[] = []
  for (const {text: line, line: number} of requirementLines(text)) {
    const result = requirementToConda(line, file, number)
    if (result.package) packages.push(result.package)
    notes.push(...result.notes)
  }
  return {value: packages, notes}
}

/**
 * One requirement as a conda spec for the kernel's environment, or a note saying why it
 * cannot be one. PyPI names are carried over lower-cased: conda-forge publishes most
 * PyPI projects under that name.
 */
export function requirementToConda(raw: string, file: string, line: number): {package?: ImportedPackage; notes: ImportNote[]} {
  // Inline comments (pip allows " #" after a requirement) and hash options carry no package.
  const withoutComment = raw.replace(/(^|\s)#.*$/, '').trim()
  if (!withoutComment) return {notes: []}
  const at = (note: Pick<ImportNote, 'code' | 'level' | 'message' | 'remedy'>) => noteAt(file, line, raw, note)

  if (/^(-e|--editable)(\s|=)/.test(withoutComment))
    return {
      notes: [
        at({
          code: 'editable-install',
          level: 'error',
          message: 'An editable install of local source: the hub has no copy of that directory.',
          remedy:
            'Publish the package (PyPI or a conda channel) and list it by name, or upload its source with `jupyter import-notebooks` and `pip install -e` it in a notebook.',
        }),
      ],
    }
  if (/^(-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host)(\s|=)/.test(withoutComment))
    return {
      notes: [
        at({
          code: 'private-index',
          level: 'error',
          message: 'A package index option: kernels on the hub install from conda channels, not pip indexes.',
          remedy: 'Publish what this index serves to a conda channel and deploy with --allow-channel URL, or install it in a notebook.',
        }),
      ],
    }
  if (/^(-r|--requirement|-c|--constraint)(\s|=)/.test(withoutComment))
    return {
      notes: [
        at({
          code: 'nested-requirements',
          level: 'error',
          message: 'A reference to another requirements file, which this import does not read.',
          remedy: 'Pass the output of `pip freeze` instead: it lists every installed package on its own line.',
        }),
      ],
    }
  if (withoutComment.startsWith('-'))
    return {
      notes: [
        at({
          code: 'pip-option',
          level: 'info',
          message: 'A pip option line; it names no package.',
          remedy: 'Nothing to do.',
        }),
      ],
    }

  // Per-requirement options (--hash=..., --config-settings) verify downloads pip makes;
  // conda verifies its own, so they are dropped.
  const requirement = withoutComment.replace(/\s--?[A-Za-z][A-Za-z-]*(=\S*|\s+\S+)?/g, '').trim()
  if (/\s@\s|^\S+@\s/.test(requirement) || /^[a-z+]+:\/\//i.test(requirement) || /^(\.{0,2}\/|~|[A-Za-z]:\\)/.test(requirement)) {
    const local = /file:|^(\.{0,2}\/|~|[A-Za-z]:\\)/.test(requirement)
    return {
      notes: [
        at(
          local
            ? {
                code: 'local-path-requirement',
                level: 'error',
                message: 'A package installed from a path on this machine, which the hub cannot reach.',
                remedy:
                  'Publish the package and list it by name and version, or upload it with `jupyter import-notebooks` and install it in a notebook.',
              }
            : {
                code: 'url-requirement',
                level: 'error',
                message: 'A package installed from a URL (a VCS checkout or an archive), not from an index.',
                remedy: 'Use a released version of the package by name (name==version), or install from the URL in a notebook on the hub.',
              },
        ),
      ],
    }
  }

  const match = REQUIREMENT.exec(requirement)
  if (!match)
    return {
      notes: [
        at({
          code: 'unreadable-requirement',
          level: 'error',
          message: 'Not a requirement pip writes (name==version).',
          remedy: 'Check the line, or export again with `pip freeze`.',
        }),
      ],
    }
  const [, name, extras, versionPart, marker] = match
  const notes: ImportNote[] = []
  if (extras)
    notes.push(
      at({
        code: 'extras-dropped',
        level: 'warning',
        message: `The extras ${extras} are a pip feature; conda installs ${name} without them.`,
        remedy: 'Add the packages the extras pull in by name if the kernel needs them.',
      }),
    )
  if (marker)
    notes.push(
      at({
        code: 'marker-dropped',
        level: 'warning',
        message: `The environment marker "${marker.slice(1).trim()}" was dropped; the package is installed on the hub's Linux.`,
        remedy: 'Remove the package from the pack if it only applies to another platform.',
      }),
    )
  const constraints: string[] = []
  for (const part of (versionPart ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const specifier = SPECIFIER.exec(part)
    if (!specifier) {
      notes.push(
        at({
          code: 'unreadable-version',
          level: 'error',
          message: `The version "${part}" is not a PEP 440 specifier this import understands.`,
          remedy: 'Write it as name==version.',
        }),
      )
      return {notes}
    }
    let version = specifier[2]!
    // A local version label (+git2022..., +cpu) names a build made on that machine; the
    // channel has the public release.
    if (version.includes('+')) {
      const release = version.slice(0, version.indexOf('+'))
      notes.push(
        at({
          code: 'local-version-dropped',
          level: 'warning',
          message: `${version} is a locally built version; the pack asks for the public release ${release}.`,
          remedy: 'Check that release exists on conda-forge, or change the version in the pack.',
        }),
      )
      version = release
    }
    constraints.push(`${specifier[1] === '===' ? '==' : specifier[1]}${version}`)
  }
  const spec = `${name!.toLowerCase()}${constraints.join(',')}`
  if (!CONDA_SPEC.test(spec)) {
    notes.push(
      at({
        code: 'not-a-conda-spec',
        level: 'error',
        message: `"${spec}" cannot be written as a conda package spec (at most four constraints, versions of letters, digits and . _ * + !).`,
        remedy: 'Pin the package with name==version in the pack by hand.',
      }),
    )
    return {notes}
  }
  return {package: {spec, file, line}, notes}
}
