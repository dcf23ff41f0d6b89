import {isGpuOnlyPackage} from '../../domain-pack/rules/instance-rules.js'
import type {CondaEnvironment} from './conda-environment.js'
import type {JuliaProject} from './julia-project.js'
import type {RenvProject} from './renv-lock.js'
import {type ImportedPackage, type ImportNote, type LocalKernel, noteAt} from './types.js'

/** Everything the parsers read, for one pack. */
export interface ImportSources {
  readonly domain: string
  readonly kernels: {file: string; kernels: readonly LocalKernel[]}
  readonly pip?: {file: string; packages: readonly ImportedPackage[]}
  readonly conda?: {file: string; environment: CondaEnvironment}
  readonly renv?: {file: string; project: RenvProject}
  readonly julia?: {file: string; project: JuliaProject}
}

/** A pack kernel as it is written into the YAML. */
export interface PackKernel {
  name: string
  display_name: string
  language: 'python' | 'r' | 'julia'
  version?: string
  channels?: string[]
  packages: string[]
}

/** The schema's limit on one kernel's package list. */
const MAX_PACKAGES = 500
const GPU_INSTANCE = 'g5.xlarge'
const RESERVED_KERNEL_NAMES = new Set(['python3', 'python', 'python2'])
const LANGUAGE_TITLE = {python: 'Python', r: 'R', julia: 'Julia'} as const

/**
 * Turns the local kernels and package lists into a pack: one pack kernel per local
 * kernel of a language the hub runs, the Python package lists on the first Python
 * kernel, the renv packages on the first R kernel, the Project.toml on the first Julia
 * kernel (a kernel is added when a list has none). Pure: no files, no clock.
 */
export function buildPack(sources: ImportSources): {pack: Record<string, unknown>; notes: ImportNote[]} {
  const notes: ImportNote[] = []
  const kernels: PackKernel[] = []
  const used = new Set<string>()
  const uniqueName = (raw: string) => {
    let base =
      raw
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, '-')
        .replace(/^[^a-z]+/, '')
        .slice(0, 56) || 'kernel'
    base = base.replace(/-+$/, '') || 'kernel'
    let name = base
    for (let n = 2; used.has(name); n++) name = `${base}-${n}`
    used.add(name)
    return name
  }

  for (const local of sources.kernels.kernels) {
    const language = local.language === 'python' || local.language === 'r' || local.language === 'julia' ? local.language : undefined
    if (!language) {
      notes.push(
        noteAt(sources.kernels.file, local.line, local.name, {
          code: 'unsupported-kernel',
          level: 'error',
          message: `The kernel "${local.name}" is ${local.language ? `a ${local.language} kernel` : 'of an unknown language'}; the hub runs Python, R and Julia kernels.`,
          remedy:
            'Use the JSON listing (jupyter kernelspec list --json) so each language is known, or install this kernel yourself on the hub.',
        }),
      )
      continue
    }
    const version = versionFrom(local)
    // python3 is also the kernel the hub's own environment ships: the two would clash.
    const reserved = RESERVED_KERNEL_NAMES.has(local.name.toLowerCase())
    const name = uniqueName(reserved ? `${language}-${sources.domain}` : local.name)
    if (reserved)
      notes.push(
        noteAt(sources.kernels.file, local.line, local.name, {
          code: 'kernel-renamed',
          level: 'info',
          message: `"${local.name}" is the name of the hub's own Python kernel; this one is called ${name} in the pack.`,
          remedy: 'Nothing to do; rename it in the pack if you prefer.',
        }),
      )
    kernels.push({
      name,
      display_name: cleanDisplayName(local.displayName) ?? `${LANGUAGE_TITLE[language]}${version ? ` ${version}` : ''}`,
      language,
      ...(version ? {version} : {}),
      packages: [],
    })
  }

  const first = (language: PackKernel['language'], display: string): PackKernel => {
    const existing = kernels.find((k) => k.language === language)
    if (existing) return existing
    const added: PackKernel = {name: uniqueName(language), display_name: display, language, packages: []}
    kernels.push(added)
    return added
  }
  const addPackages = (kernel: PackKernel, packages: readonly ImportedPackage[]) => {
    const byName = new Map(kernel.packages.map((spec) => [packageName(spec), spec]))
    for (const {spec, file, line} of packages) {
      const name = packageName(spec)
      const earlier = byName.get(name)
      if (earlier !== undefined) {
        if (earlier !== spec)
          notes.push(
            noteAt(file, line, spec, {
              code: 'duplicate-package',
              level: 'warning',
              message: `${name} is listed twice for kernel ${kernel.name}; the pack keeps "${earlier}".`,
              remedy: 'Pick one version in the pack.',
            }),
          )
        continue
      }
      byName.set(name, spec)
      kernel.packages.push(spec)
    }
  }

  if (sources.conda || sources.pip) {
    const kernel = first('python', 'Python')
    if (sources.conda) {
      kernel.channels = [...sources.conda.environment.channels]
      const pinned = sources.conda.environment.pythonVersion
      if (pinned) {
        kernel.version = pinned
        kernel.display_name = withVersion(kernel.display_name, pinned)
      }
      addPackages(kernel, sources.conda.environment.packages)
    }
    if (sources.pip) addPackages(kernel, sources.pip.packages)
    kernel.channels ??= ['conda-forge']
  }
  if (sources.renv) {
    const kernel = first('r', `R${sources.renv.project.rVersion ? ` ${sources.renv.project.rVersion}` : ''}`)
    const rVersion = sources.renv.project.rVersion
    if (rVersion) {
      kernel.version = rVersion
      kernel.display_name = withVersion(kernel.display_name, rVersion)
    }
    kernel.channels = sources.renv.project.bioconductor ? ['conda-forge', 'bioconda'] : ['conda-forge']
    addPackages(kernel, sources.renv.project.packages)
  }
  if (sources.julia) {
    const kernel = first('julia', `Julia${sources.julia.project.juliaVersion ? ` ${sources.julia.project.juliaVersion}` : ''}`)
    if (sources.julia.project.juliaVersion) kernel.version = sources.julia.project.juliaVersion
    addPackages(kernel, sources.julia.project.packages)
  }
  for (const kernel of kernels) {
    if (kernel.language !== 'julia') kernel.channels ??= ['conda-forge']
    if (kernel.version && !kernel.version.includes('.'))
      notes.push(
        noteAt(sources.kernels.file, 1, kernel.name, {
          code: 'version-major-only',
          level: 'info',
          message: `Only the major version (${kernel.version}) of kernel ${kernel.name} is in the exports; the hub installs the newest ${LANGUAGE_TITLE[kernel.language]} ${kernel.version}.x.`,
          remedy: 'Write the version you use (python3 --version) as version: "X.Y" in the pack to pin it.',
        }),
      )
    if (!kernel.version)
      notes.push(
        noteAt(sources.kernels.file, 1, kernel.name, {
          code: 'version-unknown',
          level: 'info',
          message: `The ${LANGUAGE_TITLE[kernel.language]} version of kernel ${kernel.name} is not in the exports; the hub installs the newest.`,
          remedy: 'Add version: "X.Y" to the kernel in the pack to pin it.',
        }),
      )
  }

  // CUDA packages only work on a GPU: the pack asks for the smallest general GPU type.
  const gpuPackage = [sources.conda?.environment.packages, sources.pip?.packages].flat().find((p) => p && isGpuOnlyPackage(p.spec))
  if (gpuPackage)
    notes.push(
      noteAt(gpuPackage.file, gpuPackage.line, gpuPackage.spec, {
        code: 'gpu-instance-chosen',
        level: 'warning',
        message: `${gpuPackage.spec} needs an NVIDIA GPU, so the pack's instance type is ${GPU_INSTANCE}.`,
        remedy: 'Choose another GPU type in instance.default_type if this one does not fit.',
      }),
    )
  for (const kernel of kernels)
    if (kernel.packages.length > MAX_PACKAGES)
      notes.push(
        noteAt(sources.conda?.file ?? sources.kernels.file, 1, kernel.name, {
          code: 'too-many-packages',
          level: 'error',
          message: `Kernel ${kernel.name} would list ${kernel.packages.length} packages; a pack kernel lists at most ${MAX_PACKAGES}. A full \`conda env export\` names every dependency of every package.`,
          remedy: 'Export only what you asked for: conda env export --from-history > environment.yml, then import again.',
        }),
      )

  const files = [sources.kernels, sources.pip, sources.conda, sources.renv, sources.julia].flatMap((s) => (s ? [basename(s.file)] : []))
  const pack: Record<string, unknown> = {
    name: sources.domain,
    display_name: titleCase(sources.domain),
    description: `Imported from ${files.join(', ')} with jupyter import-environment.`,
    version: '1.0.0',
    instance: {default_type: gpuPackage ? GPU_INSTANCE : 'm6i.xlarge'},
    kernels: kernels.map(({channels, ...kernel}) => ({...kernel, ...(kernel.language === 'julia' ? {} : {channels})})),
  }
  return {pack, notes}
}

function versionFrom(local: LocalKernel): string | undefined {
  // argv[0] such as /opt/conda/envs/x/bin/python3.11 names the interpreter exactly.
  const fromExecutable = /(?:python|julia)[-_]?([0-9]+\.[0-9]+)(?:\.[0-9]+)?$/i.exec(local.executable ?? '')?.[1]
  if (fromExecutable) return fromExecutable
  return /\b([0-9]+(?:\.[0-9]+){0,2})\b/.exec(local.displayName ?? '')?.[1]
}

/** Display names reach a terminal and the hub's launcher: control characters out, length bounded. */
function cleanDisplayName(name: string | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex
  const clean = name?.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '').trim()
  return clean ? clean.slice(0, 120) : undefined
}

/** "Python 3 (ipykernel)" pinned to 3.11 reads "Python 3.11 (ipykernel)". */
function withVersion(display: string, version: string): string {
  if (/[0-9]+\.[0-9]+/.test(display)) return display
  const major = version.split('.')[0]!
  const replaced = display.replace(new RegExp(`\\b${major}\\b`), version)
  return replaced === display ? `${display} (${version})` : replaced
}

function packageName(spec: string): string {
  return (/^[^=<>!~@]+/.exec(spec)?.[0] ?? spec).toLowerCase()
}

function titleCase(name: string): string {
  return name
    .split(/[-_]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(' ')
}

function basename(file: string): string {
  return file.split(/[\\/]/).pop() ?? file
}
