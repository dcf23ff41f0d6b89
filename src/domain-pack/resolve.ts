import {existsSync, readdirSync} from 'node:fs'
import {basename, extname, join, resolve} from 'node:path'
import {packageRoot} from '../package-root.js'
import {ExitCode, WizardError} from '../errors.js'
import {closestMatches} from './did-you-mean.js'

/** The packs shipped with the CLI, next to dist/ and src/. */
export const BUILTIN_PACK_DIR = join(packageRoot(), 'domain-packs')

export interface PackLocation {
  readonly name: string
  readonly file: string
  readonly origin: 'built-in' | 'project' | 'pack-dir' | 'file'
}

const PACK_EXTENSIONS = new Set(['.yaml', '.yml'])

function listDirectory(directory: string, origin: PackLocation['origin']): PackLocation[] {
  if (!existsSync(directory)) return []
  return readdirSync(directory)
    .filter((entry) => PACK_EXTENSIONS.has(extname(entry)))
    .sort()
    .map((entry) => ({name: basename(entry, extname(entry)), file: join(directory, entry), origin}))
}

/**
 * Every pack visible from here. Later sources shadow earlier ones by name, so a
 * team's ./domain-packs/genomics.yaml replaces the built-in genomics pack.
 */
export function discoverPacks(options: {packDirs?: readonly string[]; cwd?: string} = {}): PackLocation[] {
  const cwd = options.cwd ?? process.cwd()
  const byName = new Map<string, PackLocation>()
  const sources: [string, PackLocation['origin']][] = [[BUILTIN_PACK_DIR, 'built-in']]
  const projectDir = resolve(cwd, 'domain-packs')
  if (projectDir !== BUILTIN_PACK_DIR) sources.push([projectDir, 'project'])
  for (const dir of options.packDirs ?? []) sources.push([resolve(cwd, dir), 'pack-dir'])
  for (const [directory, origin] of sources) {
    if (origin === 'pack-dir' && !existsSync(directory)) {
      throw new WizardError({
        code: 'pack-dir-missing',
        message: `Pack directory ${directory} does not exist.`,
        actions: ['Check the --pack-dir path.'],
        exitCode: ExitCode.usage,
      })
    }
    for (const location of listDirectory(directory, origin)) byName.set(location.name, location)
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name))
}

/** A pack name or a path to a YAML file -> its location. */
export function resolvePack(nameOrPath: string, options: {packDirs?: readonly string[]; cwd?: string} = {}): PackLocation {
  const cwd = options.cwd ?? process.cwd()
  const looksLikePath = nameOrPath.includes('/') || PACK_EXTENSIONS.has(extname(nameOrPath))
  if (looksLikePath) {
    const file = resolve(cwd, nameOrPath)
    if (!existsSync(file)) {
      throw new WizardError({
        code: 'pack-not-found',
        message: `Pack file ${nameOrPath} does not exist.`,
        actions: ['Check the path, or pass a pack name from `aws-research-wizard domain list`.'],
        exitCode: ExitCode.usage,
      })
    }
    return {name: basename(file, extname(file)), file, origin: 'file'}
  }
  const packs = discoverPacks(options)
  const found = packs.find((pack) => pack.name === nameOrPath)
  if (found) return found
  const suggestions = closestMatches(
    nameOrPath,
    packs.map((pack) => pack.name),
  )
  throw new WizardError({
    code: 'pack-not-found',
    message: `No domain pack named "${nameOrPath}".`,
    actions: [`Did you mean: ${suggestions.join(', ')}?`, 'Run `aws-research-wizard domain list` to see every pack, or pass a file path.'],
    exitCode: ExitCode.usage,
  })
}
