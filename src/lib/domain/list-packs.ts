import {lookupInstanceType} from '../../catalogue/instance-types.js'
import {loadPackFile} from '../../domain-pack/load.js'
import {discoverPacks, type PackLocation} from '../../domain-pack/resolve.js'

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

/** One row per visible pack; invalid packs are listed (and flagged), not hidden. */
export async function listPacks(options: {packDirs?: readonly string[]}): Promise<PackSummary[]> {
  const locations = discoverPacks(options)
  return Promise.all(
    locations.map(async (location): Promise<PackSummary> => {
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
    }),
  )
}
