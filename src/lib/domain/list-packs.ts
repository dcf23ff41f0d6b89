import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {lookupInstanceType} from '../../catalogue/instance-types.js'
import {discoverPacks, type PackLocation} from '../../domain-pack/resolve.js'
import {packageRoot} from '../../package-root.js'

export interface PackSummary {
  name: string
  title: string
  origin: PackLocation['origin']
  file: string
  defaultInstanceType?: string
  gpu: boolean
  kernels: string[]
  dataMounts: number
  valid: boolean
  errors: number
}

/** Summaries of the shipped packs computed at build time, keyed by pack name. */
export type PackIndex = Record<string, {sha256: string; summary: Omit<PackSummary, 'file' | 'origin'>}>

export const PACK_INDEX_FILE = join('dist', 'domain-packs.index.json')

function readPackIndex(): PackIndex {
  const file = join(packageRoot(), PACK_INDEX_FILE)
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PackIndex) : {}
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** Summarizes one pack file by loading and validating it. */
export async function summarizePack(location: PackLocation): Promise<PackSummary> {
  const {loadPackFile} = await import('../../domain-pack/load.js')
  const loaded = await loadPackFile(location.file)
  const errors = loaded.findings.filter((f) => f.level === 'error').length
  const pack = loaded.pack
  if (!pack) {
    return {
      name: location.name,
      title: '(invalid pack)',
      origin: location.origin,
      file: location.file,
      gpu: false,
      kernels: [],
      dataMounts: 0,
      valid: false,
      errors,
    }
  }
  const info = lookupInstanceType(pack.instance.default_type)
  return {
    name: location.name,
    title: pack.display_name,
    origin: location.origin,
    file: location.file,
    defaultInstanceType: pack.instance.default_type,
    gpu: Boolean(pack.instance.gpu?.required) || (info?.gpus ?? 0) > 0,
    kernels: pack.kernels.map((kernel) => `${kernel.language}${kernel.version ? ` ${kernel.version}` : ''}`),
    dataMounts: pack.data_mounts.length,
    valid: true,
    errors: 0,
  }
}

/**
 * One row per visible pack; invalid packs are listed (and flagged), not hidden.
 * Shipped packs whose content matches the build-time index are not parsed again:
 * listing is a start-up path, and parsing YAML is most of its cost.
 */
export async function listPacks(options: {packDirs?: readonly string[]; index?: PackIndex}): Promise<PackSummary[]> {
  const locations = discoverPacks(options)
  const index = options.index ?? (locations.some((l) => l.origin === 'built-in') ? readPackIndex() : {})
  return Promise.all(
    locations.map(async (location): Promise<PackSummary> => {
      const indexed = location.origin === 'built-in' ? index[location.name] : undefined
      if (indexed && indexed.sha256 === sha256(await readFile(location.file, 'utf8'))) {
        return {...indexed.summary, origin: location.origin, file: location.file}
      }
      return summarizePack(location)
    }),
  )
}
