import {isMap, isScalar, isSeq, LineCounter, type Node, parseDocument} from 'yaml'
import {CONDA_PACKAGE_PATTERN} from '../../domain-pack/schema.js'
import {ALLOWED_CHANNELS} from '../../domain-pack/rules/usage-rules.js'
import {requirementToConda} from './pip-requirements.js'
import {type ImportedPackage, type ImportNote, noteAt, type Parsed} from './types.js'

const CONDA_SPEC = new RegExp(CONDA_PACKAGE_PATTERN)
/** Anaconda's own channels: their terms of service do not follow a pack onto any hub, so their packages come from conda-forge. */
const ANACONDA_CHANNELS = new Set(['defaults', 'anaconda', 'main', 'r', 'msys2', 'free'])

/** What a conda environment.yml gives a Python kernel. */
export interface CondaEnvironment {
  readonly channels: string[]
  readonly packages: ImportedPackage[]
  /** The major.minor of a `python=` dependency, if one is pinned. */
  readonly pythonVersion?: string
}

/**
 * Reads a conda environment.yml, hand-written or from `conda env export`: channels
 * (Anaconda's replaced by conda-forge, others kept for `--allow-channel`), conda
 * dependencies (build strings of an export dropped, they are platform-specific), and
 * the `pip:` sub-list through the same rules as a pip freeze.
 */
export function parseCondaEnvironment(text: string, file: string): Parsed<CondaEnvironment> {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter})
  const lines = text.split(/\r?\n/)
  const lineOf = (node: Node | null | undefined) => (node?.range ? lineCounter.linePos(node.range[0]).line : 1)
  const at = (node: Node | null | undefined, note: Pick<ImportNote, 'code' | 'level' | 'message' | 'remedy'>) => {
    const line = lineOf(node)
    return noteAt(file, line, lines[line - 1] ?? '', note)
  }
  const notes: ImportNote[] = []
  const empty: CondaEnvironment = {channels: [], packages: []}
  if (doc.errors.length > 0 || !isMap(doc.contents)) {
    const line = doc.errors[0] ? lineCounter.linePos(doc.errors[0].pos[0]).line : 1
    return {
      value: empty,
      notes: [
        noteAt(file, line, lines[line - 1] ?? '', {
          code: 'unreadable-environment',
          level: 'error',
          message: doc.errors[0]
            ? `Not valid YAML: ${doc.errors[0].message.split('\n')[0]}`
            : 'Not a conda environment file (a mapping with dependencies:).',
          remedy: 'Export it again with: conda env export --from-history > environment.yml',
        }),
      ],
    }
  }
  const root = doc.contents

  const channels: string[] = []
  const channelNode = root.get('channels', true)
  for (const item of isSeq(channelNode) ? channelNode.items : []) {
    const channel = isScalar(item) ? String(item.value) : ''
    if (ANACONDA_CHANNELS.has(channel)) {
      notes.push(
        at(item as Node, {
          code: 'channel-replaced',
          level: 'warning',
          message: `The channel "${channel}" is Anaconda's; the hub installs these packages from conda-forge.`,
          remedy: 'Nothing to do unless a package exists only there; then name a channel that has it.',
        }),
      )
      if (!channels.includes('conda-forge')) channels.push('conda-forge')
    } else if ((ALLOWED_CHANNELS as readonly string[]).includes(channel) || /^https:\/\//.test(channel)) {
      if (!channels.includes(channel)) channels.push(channel)
    } else {
      notes.push(
        at(item as Node, {
          code: 'channel-unknown',
          level: 'error',
          message: `The channel "${channel}" is neither one the hub allows (${ALLOWED_CHANNELS.join(', ')}) nor an https:// URL.`,
          remedy: 'Name the channel by its https:// URL in the pack and deploy with --allow-channel URL.',
        }),
      )
    }
  }
  if (channels.length === 0) channels.push('conda-forge')

  if (root.has('prefix'))
    notes.push(
      at(root.get('prefix', true) as Node, {
        code: 'prefix-ignored',
        level: 'info',
        message: 'The prefix is where the environment lives on that machine; the hub chooses its own.',
        remedy: 'Nothing to do.',
      }),
    )

  const packages: ImportedPackage[] = []
  let pythonVersion: string | undefined
  let buildStringsDropped = 0
  const dependencies = root.get('dependencies', true)
  for (const item of isSeq(dependencies) ? dependencies.items : []) {
    const line = lineOf(item as Node)
    if (isMap(item) && item.has('pip')) {
      const pipList = item.get('pip', true)
      for (const requirement of isSeq(pipList) ? pipList.items : []) {
        const requirementLine = lineOf(requirement as Node)
        const result = requirementToConda(isScalar(requirement) ? String(requirement.value) : '', file, requirementLine)
        if (result.package) packages.push(result.package)
        notes.push(...result.notes)
      }
      continue
    }
    if (!isScalar(item) || typeof item.value !== 'string') {
      notes.push(
        at(item as Node, {
          code: 'unreadable-dependency',
          level: 'error',
          message: 'A dependency that is neither a package spec nor a pip: list.',
          remedy: 'Write it as name=version.',
        }),
      )
      continue
    }
    let spec = item.value.trim()
    // channel::name pins one package to a channel; the kernel's channels decide here.
    if (spec.includes('::')) {
      notes.push(
        at(item, {
          code: 'channel-prefix-dropped',
          level: 'warning',
          message: `"${spec}" names its channel; the pack's kernel installs from its channel list instead.`,
          remedy: "Check that the channel is in the kernel's channels in the pack.",
        }),
      )
      spec = spec.slice(spec.indexOf('::') + 2)
    }
    // name=version=build from `conda env export`: the build is for that machine's platform.
    const exported = /^([^=<>!~\s]+)=([^=\s]+)=([^=\s]+)$/.exec(spec)
    if (exported) {
      spec = `${exported[1]}=${exported[2]}`
      buildStringsDropped++
    }
    spec = spec.replace(/\s+/g, '')
    const name = /^[^=<>!~]+/.exec(spec)?.[0] ?? spec
    if (name.startsWith('_')) {
      notes.push(
        at(item, {
          code: 'solver-package-dropped',
          level: 'info',
          message: `${name} is one of conda's internal packages; the solver adds it by itself.`,
          remedy: 'Nothing to do.',
        }),
      )
      continue
    }
    if (name === 'python') {
      pythonVersion = /[0-9]+\.[0-9]+/.exec(spec.slice(name.length))?.[0] ?? pythonVersion
      continue
    }
    if (!CONDA_SPEC.test(spec)) {
      notes.push(
        at(item, {
          code: 'not-a-conda-spec',
          level: 'error',
          message: `"${spec}" is not a package spec the hub installs (name, =version, >=/</!= constraints).`,
          remedy: 'Write it as name=version.',
        }),
      )
      continue
    }
    packages.push({spec, file, line})
  }
  if (buildStringsDropped > 0)
    notes.push(
      at(dependencies as Node, {
        code: 'build-strings-dropped',
        level: 'info',
        message: `${buildStringsDropped} dependencies carried build strings for the exporting machine's platform; the hub picks the builds for Linux.`,
        remedy: 'Nothing to do. `conda env export --from-history` gives a shorter list of what you asked for.',
      }),
    )
  return {value: {channels, packages, ...(pythonVersion ? {pythonVersion} : {})}, notes}
}
