import {hourlyPrice, type InstanceTypeInfo, lookupInstanceType} from '../../catalogue/instance-types.js'
import type {EnvironmentSpec} from '../spec/types.js'

/** The prices the kernels' cost tracker reads from environment.json (see templates/instance/aws_research_wizard). */
export interface CellPricing {
  /** On-demand USD per hour of the whole instance. */
  readonly hourlyPriceUsd: number
  readonly gpuCount: number
  /** The part of hourlyPriceUsd that pays for the GPUs: charged only to kernels that hold one. */
  readonly gpuHourlyPriceUsd: number
}

// A general-purpose type prices a vCPU with its share of memory; what a GPU type costs
// above that for the same vCPUs is what its GPUs cost.
const GENERAL_PURPOSE_PER_VCPU = lookupInstanceType('m6i.xlarge') as InstanceTypeInfo

const round4 = (value: number) => Math.round(value * 10_000) / 10_000

/**
 * Prices from the bundled snapshot, for the instance the spec runs on; undefined for a type
 * the snapshot does not know (the tracker then says so rather than print $0).
 */
export function cellPricing(spec: EnvironmentSpec): CellPricing | undefined {
  const info = spec.instance.info
  if (!info) return undefined
  const hourly = hourlyPrice(info, spec.region)
  if (info.gpus === 0) return {hourlyPriceUsd: round4(hourly), gpuCount: 0, gpuHourlyPriceUsd: 0}
  const perVcpu = hourlyPrice(GENERAL_PURPOSE_PER_VCPU, spec.region) / GENERAL_PURPOSE_PER_VCPU.vcpus
  const gpu = Math.min(hourly, Math.max(0, hourly - perVcpu * info.vcpus))
  return {hourlyPriceUsd: round4(hourly), gpuCount: info.gpus, gpuHourlyPriceUsd: round4(gpu)}
}
