/**
 * A bundled snapshot of the EC2 instance types research packs use, so that sizing,
 * validation and the cost estimate work with no AWS account and no network.
 * Prices: Linux on-demand USD/hour in us-east-1; other regions apply a regional
 * factor (see REGION_PRICE_FACTOR). Exact prices come from the Pricing API at
 * deploy time; this table is for planning.
 */
export interface InstanceTypeInfo {
  readonly name: string
  readonly vcpus: number
  readonly memoryGiB: number
  readonly architecture: 'x86_64' | 'arm64'
  readonly gpus: number
  readonly gpuModel?: string
  readonly gpuMemoryGiB?: number
  readonly usdPerHour: number
}

const BROAD = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'eu-north-1',
  'ap-northeast-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-south-1',
  'sa-east-1',
]
const GPU_COMMON = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'eu-north-1',
  'ap-northeast-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-south-1',
]
const GPU_NEW = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'ap-northeast-1',
  'ap-southeast-2',
  'ap-south-1',
]
const GPU_LARGE = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-northeast-1']

/** Where each family is offered (family-level, as of the snapshot). */
export const FAMILY_REGIONS: Readonly<Record<string, readonly string[]>> = {
  t3: BROAD,
  m6i: BROAD,
  m7i: BROAD,
  m7g: BROAD,
  c6i: BROAD,
  c7i: BROAD,
  c7g: BROAD,
  r6i: BROAD,
  r7i: BROAD,
  r7g: BROAD,
  x2idn: GPU_COMMON,
  hpc7g: ['us-east-1', 'eu-west-1', 'ap-northeast-1'],
  g4dn: BROAD,
  g5: GPU_COMMON,
  g6: GPU_NEW,
  p3: GPU_COMMON,
  p4d: GPU_LARGE,
}

export const REGION_PRICE_FACTOR: Readonly<Record<string, number>> = {
  'us-east-1': 1,
  'us-east-2': 1,
  'us-west-2': 1,
  'us-west-1': 1.17,
  'ca-central-1': 1.1,
  'eu-west-1': 1.11,
  'eu-west-2': 1.16,
  'eu-central-1': 1.19,
  'eu-north-1': 1.06,
  'ap-northeast-1': 1.27,
  'ap-southeast-1': 1.24,
  'ap-southeast-2': 1.25,
  'ap-south-1': 1.05,
  'sa-east-1': 1.58,
}

type Row = [name: string, vcpus: number, memoryGiB: number, usdPerHour: number, gpus?: number, gpuModel?: string, gpuMemoryGiB?: number]

const X86: Row[] = [
  ['t3.medium', 2, 4, 0.0416],
  ['t3.large', 2, 8, 0.0832],
  ['t3.xlarge', 4, 16, 0.1664],
  ['t3.2xlarge', 8, 32, 0.3328],
  ['m6i.large', 2, 8, 0.096],
  ['m6i.xlarge', 4, 16, 0.192],
  ['m6i.2xlarge', 8, 32, 0.384],
  ['m6i.4xlarge', 16, 64, 0.768],
  ['m6i.8xlarge', 32, 128, 1.536],
  ['m6i.16xlarge', 64, 256, 3.072],
  ['m7i.xlarge', 4, 16, 0.2016],
  ['m7i.2xlarge', 8, 32, 0.4032],
  ['m7i.4xlarge', 16, 64, 0.8064],
  ['m7i.8xlarge', 32, 128, 1.6128],
  ['c6i.xlarge', 4, 8, 0.17],
  ['c6i.2xlarge', 8, 16, 0.34],
  ['c6i.4xlarge', 16, 32, 0.68],
  ['c6i.8xlarge', 32, 64, 1.36],
  ['c7i.2xlarge', 8, 16, 0.357],
  ['c7i.4xlarge', 16, 32, 0.714],
  ['c7i.8xlarge', 32, 64, 1.428],
  ['r6i.large', 2, 16, 0.126],
  ['r6i.xlarge', 4, 32, 0.252],
  ['r6i.2xlarge', 8, 64, 0.504],
  ['r6i.4xlarge', 16, 128, 1.008],
  ['r6i.8xlarge', 32, 256, 2.016],
  ['r6i.16xlarge', 64, 512, 4.032],
  ['r7i.2xlarge', 8, 64, 0.5292],
  ['r7i.4xlarge', 16, 128, 1.0584],
  ['r7i.8xlarge', 32, 256, 2.1168],
  ['x2idn.16xlarge', 64, 1024, 6.669],
  ['g4dn.xlarge', 4, 16, 0.526, 1, 'NVIDIA T4', 16],
  ['g4dn.2xlarge', 8, 32, 0.752, 1, 'NVIDIA T4', 16],
  ['g4dn.4xlarge', 16, 64, 1.204, 1, 'NVIDIA T4', 16],
  ['g4dn.12xlarge', 48, 192, 3.912, 4, 'NVIDIA T4', 16],
  ['g5.xlarge', 4, 16, 1.006, 1, 'NVIDIA A10G', 24],
  ['g5.2xlarge', 8, 32, 1.212, 1, 'NVIDIA A10G', 24],
  ['g5.4xlarge', 16, 64, 1.624, 1, 'NVIDIA A10G', 24],
  ['g5.8xlarge', 32, 128, 2.448, 1, 'NVIDIA A10G', 24],
  ['g5.12xlarge', 48, 192, 5.672, 4, 'NVIDIA A10G', 24],
  ['g6.xlarge', 4, 16, 0.8048, 1, 'NVIDIA L4', 24],
  ['g6.2xlarge', 8, 32, 0.9776, 1, 'NVIDIA L4', 24],
  ['g6.4xlarge', 16, 64, 1.3232, 1, 'NVIDIA L4', 24],
  ['g6.12xlarge', 48, 192, 4.6016, 4, 'NVIDIA L4', 24],
  ['p3.2xlarge', 8, 61, 3.06, 1, 'NVIDIA V100', 16],
  ['p3.8xlarge', 32, 244, 12.24, 4, 'NVIDIA V100', 16],
  ['p4d.24xlarge', 96, 1152, 32.7726, 8, 'NVIDIA A100', 40],
]

const ARM: Row[] = [
  ['m7g.large', 2, 8, 0.0816],
  ['m7g.xlarge', 4, 16, 0.1632],
  ['m7g.2xlarge', 8, 32, 0.3264],
  ['m7g.4xlarge', 16, 64, 0.6528],
  ['c7g.2xlarge', 8, 16, 0.289],
  ['c7g.4xlarge', 16, 32, 0.578],
  ['r7g.xlarge', 4, 32, 0.2142],
  ['r7g.2xlarge', 8, 64, 0.4284],
  ['r7g.4xlarge', 16, 128, 0.8568],
  ['hpc7g.16xlarge', 64, 128, 1.6832],
]

function toInfo(architecture: 'x86_64' | 'arm64') {
  return ([name, vcpus, memoryGiB, usdPerHour, gpus = 0, gpuModel, gpuMemoryGiB]: Row): InstanceTypeInfo => ({
    name,
    vcpus,
    memoryGiB,
    architecture,
    gpus,
    usdPerHour,
    ...(gpuModel ? {gpuModel, gpuMemoryGiB} : {}),
  })
}

export const INSTANCE_TYPES: ReadonlyMap<string, InstanceTypeInfo> = new Map(
  [...X86.map(toInfo('x86_64')), ...ARM.map(toInfo('arm64'))].map((info) => [info.name, info]),
)

export function instanceFamily(instanceType: string): string {
  return instanceType.split('.')[0] ?? instanceType
}

export function lookupInstanceType(instanceType: string): InstanceTypeInfo | undefined {
  return INSTANCE_TYPES.get(instanceType)
}

/** Undefined when the family is not in the snapshot (we cannot say either way). */
export function isOfferedIn(instanceType: string, region: string): boolean | undefined {
  const regions = FAMILY_REGIONS[instanceFamily(instanceType)]
  return regions ? regions.includes(region) : undefined
}

export function hourlyPrice(info: InstanceTypeInfo, region: string): number {
  return info.usdPerHour * (REGION_PRICE_FACTOR[region] ?? 1.15)
}
