import {CONDA_PACKAGE_PATTERN} from '../../domain-pack/schema.js'
import {type ImportedPackage, type ImportNote, noteAt, type Parsed} from './types.js'

const CONDA_SPEC = new RegExp(CONDA_PACKAGE_PATTERN)

/** What an renv.lock gives an R kernel. */
export interface RenvProject {
  /** major.minor of R.Version. */
  readonly rVersion?: string
  readonly packages: ImportedPackage[]
  /** True when Bioconductor packages were mapped (they live on bioconda). */
  readonly bioconductor: boolean
}

interface LockPackage {
  Package?: unknown
  Version?: unknown
  Source?: unknown
  Repository?: unknown
  RemoteType?: unknown
}

/**
 * Reads an renv.lock (JSON). CRAN packages become conda-forge's r-<name>, Bioconductor
 * packages bioconda's bioconductor-<name>, both lower-cased with R's "-" in versions
 * written as conda's "_" (1.7-0 -> 1.7_0). Packages from GitHub, GitLab, a local
 * path or a private repository have no conda package and are reported.
 */
export function parseRenvLock(text: string, file: string): Parsed<RenvProject> {
  const lines = text.split(/\r?\n/)
  let data: {R?: {Version?: unknown}; Packages?: Record<string, LockPackage>}
  try {
    data = JSON.parse(text)
  } catch (error) {
    return {
      value: {packages: [], bioconductor: false},
      notes: [
        noteAt(file, 1, lines[0] ?? '', {
          code: 'unreadable-renv-lock',
          level: 'error',
          message: `Not valid JSON: ${(error as Error).message}.`,
          remedy: 'Write the lock file again with renv::snapshot().',
        }),
      ],
    }
  }
  // Each package's own entry starts with `"Package": "<name>"`: its line locates notes.
  const lineOf = (name: string) => {
    const index = lines.findIndex((l) => l.includes(`"Package": ${JSON.stringify(name)}`))
    return index >= 0 ? index + 1 : 1
  }
  const notes: ImportNote[] = []
  const packages: ImportedPackage[] = []
  let bioconductor = false
  for (const [key, entry] of Object.entries(data.Packages ?? {})) {
    const name = typeof entry?.Package === 'string' ? entry.Package : key
    const line = lineOf(name)
    const at = (note: Pick<ImportNote, 'code' | 'level' | 'message' | 'remedy'>) => noteAt(file, line, lines[line - 1] ?? '', note)
    const source = String(entry?.Source ?? '')
    const version = typeof entry?.Version === 'string' ? entry.Version.replaceAll('-', '_') : undefined
    let prefix: string
    if (source === 'Repository' && (entry.Repository === undefined || /^(CRAN|RSPM|PPM|P3M)$/i.test(String(entry.Repository))))
      prefix = 'r-'
    else if (source === 'Bioconductor') {
      prefix = 'bioconductor-'
      bioconductor = true
    } else {
      const where = source === 'Repository' ? `the repository "${String(entry.Repository)}"` : source || 'an unknown source'
      notes.push(
        at({
          code: 'unmapped-r-package',
          level: 'error',
          message: `${name} comes from ${where}, which has no conda package.`,
          remedy:
            source === 'GitHub' || source === 'GitLab' || source === 'Bitbucket'
              ? `Install it in a notebook with remotes::install_${source.toLowerCase()}(), or ask its authors to publish it on CRAN.`
              : 'Install it in a notebook on the hub from where it lives.',
        }),
      )
      continue
    }
    const spec = `${prefix}${name.toLowerCase()}${version ? `=${version}` : ''}`
    if (!CONDA_SPEC.test(spec)) {
      notes.push(
        at({
          code: 'not-a-conda-spec',
          level: 'error',
          message: `${name} ${String(entry.Version)} cannot be written as a conda spec.`,
          remedy: `Add ${prefix}${name.toLowerCase()} to the pack by hand.`,
        }),
      )
      continue
    }
    packages.push({spec, file, line})
  }
  const rVersion = typeof data.R?.Version === 'string' ? /^[0-9]+\.[0-9]+/.exec(data.R.Version)?.[0] : undefined
  return {value: {packages, bioconductor, ...(rVersion ? {rVersion} : {})}, notes}
}
