import {INSTANCE_TYPES, type InstanceTypeInfo, isOfferedIn} from '../../catalogue/instance-types.js'
import type {DomainPack} from '../../domain-pack/schema.js'

export interface SizingResult {
  readonly type: string
  readonly fits: boolean
  readonly needed: {readonly vcpus: number; readonly memoryGiB: number}
}

/**
 * Smallest-cost type that fits `users`: we assume half the users compute at once
 * (CPU) while every user's kernels hold memory (75% of the per-user allowance).
 */
export function requiredCapacity(pack: DomainPack, users: number): {vcpus: number; memoryGiB: number} {
  return {
    vcpus: Math.ceil((users * (pack.users.cpu_per_user ?? 1)) / 2),
    memoryGiB: Math.ceil(users * (pack.users.memory_gb_per_user ?? 4) * 0.75),
  }
}

export function chooseInstanceType(pack: DomainPack, users: number, region: string): SizingResult {
  const needed = requiredCapacity(pack, users)
  const arch = pack.instance.architecture ?? 'x86_64'
  const needsGpu = Boolean(pack.instance.gpu?.required)
  const allowed = pack.instance.allowed_types?.length ? pack.instance.allowed_types : [pack.instance.default_type]
  const candidates = allowed
    .map((type) => INSTANCE_TYPES.get(type))
    .filter((info): info is InstanceTypeInfo => info !== undefined)
    .filter((info) => info.architecture === arch && (!needsGpu || info.gpus >= (pack.instance.gpu?.count ?? 1)))
    .filter((info) => isOfferedIn(info.name, region) !== false)
  const fitting = candidates
    .filter((info) => info.vcpus >= needed.vcpus && info.memoryGiB >= needed.memoryGiB)
    .sort((a, b) => a.usdPerHour - b.usdPerHour || a.name.localeCompare(b.name))
  if (fitting[0]) return {type: fitting[0].name, fits: true, needed}
  const largest = [...candidates].sort((a, b) => b.memoryGiB - a.memoryGiB || b.vcpus - a.vcpus)[0]
  return {type: largest?.name ?? pack.instance.default_type, fits: false, needed}
}
