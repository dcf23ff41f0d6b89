import {EMAIL_PATTERN, MAX_IDLE_MINUTES, TAG_CHARACTERS} from '../../domain-pack/schema.js'
import {escapeControl} from '../../output/sanitize.js'
import {parseSizeGiB} from './sizes.js'

/**
 * One validator per command-line value, each as strict as the pack field it overrides.
 * Pure: `flags.ts` runs them while parsing (a bad value is a usage error, exit 2) and
 * `resolveSpec` runs them again, because specs are also resolved from cdk.json context
 * and from the deploy record of a running stack.
 *
 * A validator returns undefined when the value is fine, or what was expected.
 */
export type FlagCheck = (value: string) => string | undefined

/** `arw-<name>` is the stack name; the name also reaches tags, SSM parameter names and user pools. */
export const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,22}[a-z0-9]$/
export const ENVIRONMENT_NAME_EXPECTED =
  '2 to 24 lower-case letters, digits and hyphens, starting with a letter and ending with a letter or digit (e.g. lab1)'

export const MIN_USERS = 1
export const MAX_USERS = 500
export const MIN_BUDGET_USD = 1
export const MAX_BUDGET_USD = 10_000_000
export {MAX_IDLE_MINUTES}

const PRIVATE_RANGES: [network: number, prefix: number, label: string][] = [
  [ipv4(10, 0, 0, 0), 8, '10.0.0.0/8'],
  [ipv4(172, 16, 0, 0), 12, '172.16.0.0/12'],
  [ipv4(192, 168, 0, 0), 16, '192.168.0.0/16'],
]

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
}

function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 0xff).join('.')
}

/**
 * The VPC CIDR is the only source allowed to reach the hub port, so it must be a private
 * range of VPC size: /16 (AWS's largest VPC) to /28 (its smallest).
 */
export const checkVpcCidr: FlagCheck = (value) => {
  const expected = 'a private IPv4 CIDR inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 with a prefix from /16 to /28, e.g. 10.0.0.0/16'
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value)
  if (!match) return expected
  const octets = match.slice(1, 5).map(Number)
  const prefix = Number(match[5])
  if (octets.some((octet) => octet > 255) || match.slice(1, 5).some((o) => o.length > 1 && o.startsWith('0'))) return expected
  if (prefix < 16 || prefix > 28) return expected
  const address = ipv4(octets[0] as number, octets[1] as number, octets[2] as number, octets[3] as number)
  if (!PRIVATE_RANGES.some(([network, rangePrefix]) => (address & mask(rangePrefix)) >>> 0 === network)) return expected
  const network = (address & mask(prefix)) >>> 0
  if (network !== address) return `the network address of the block, ${formatIpv4(network)}/${prefix}`
  return undefined
}

export const checkEmail: FlagCheck = (value) =>
  value.length <= 254 && new RegExp(EMAIL_PATTERN).test(value) ? undefined : 'an e-mail address such as ada@example.org'

export const checkAmiId: FlagCheck = (value) =>
  /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(value) ? undefined : 'an AMI id: ami- and 8 or 17 hex digits, e.g. ami-0123456789abcdef0'

export const checkVpcId: FlagCheck = (value) =>
  /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/.test(value) ? undefined : 'a VPC id: vpc- and 8 or 17 hex digits, e.g. vpc-0123456789abcdef0'

export const checkSubnetId: FlagCheck = (value) =>
  /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/.test(value)
    ? undefined
    : 'a subnet id: subnet- and 8 or 17 hex digits, e.g. subnet-0123456789abcdef0'

/** An availability zone name such as us-east-1a (the region is checked in resolveSpec). */
export const checkAvailabilityZone: FlagCheck = (value) =>
  /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/.test(value) ? undefined : 'an availability zone name such as us-east-1a'

/** True when the zone belongs to the region (us-east-1a -> us-east-1). */
export function zoneInRegion(zone: string, region: string): boolean {
  return zone.slice(0, -1) === region
}

export const checkRegion: FlagCheck = (value) => (/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(value) ? undefined : 'an AWS region such as us-east-1')

export const checkEnvironmentName: FlagCheck = (value) => (ENVIRONMENT_NAME.test(value) ? undefined : ENVIRONMENT_NAME_EXPECTED)

/** The owner becomes a cost-allocation tag value: AWS's tag characters, at most 256. */
export const checkOwner: FlagCheck = (value) =>
  value.length >= 1 && [...value].length <= 256 && new RegExp(TAG_CHARACTERS, 'u').test(value) && !/\{\{|\$\{/.test(value)
    ? undefined
    : 'a tag value: 1 to 256 letters, digits, spaces and _ . : / = + - @ (e.g. ada or ada@example.org)'

export const checkInstanceType: FlagCheck = (value) =>
  value.length <= 40 && /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(value) ? undefined : 'an EC2 instance type such as r6i.2xlarge'

export const checkSize: FlagCheck = (value) =>
  value.length <= 20 && parseSizeGiB(value) !== undefined ? undefined : 'a size such as 200GB, 1TB or 1.5TiB'

/** A conda channel URL the deploy trusts beyond the built-in allow-list. */
export const checkChannelUrl: FlagCheck = (value) =>
  value.length <= 200 && /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9_.~+-]+)*\/?$/.test(value)
    ? undefined
    : 'an https:// channel URL such as https://conda.example.org/lab (no spaces, quotes or query strings)'

export function checkIntegerRange(min: number, max: number, unit = ''): (value: number) => string | undefined {
  return (value) =>
    Number.isSafeInteger(value) && value >= min && value <= max ? undefined : `a whole number from ${min} to ${max}${unit}`
}

export const checkUsers = checkIntegerRange(MIN_USERS, MAX_USERS)
export const checkBudget = checkIntegerRange(MIN_BUDGET_USD, MAX_BUDGET_USD, ' (USD a month)')
/** A budget alert threshold: a percentage of the monthly budget (over 100 warns of an overrun). */
export const checkAlertPercent = checkIntegerRange(1, 1000, ' (percent of the budget)')
export const checkAutoShutdown = checkIntegerRange(
  0,
  MAX_IDLE_MINUTES,
  ' (minutes; the backstop alarm may span at most one day; 0 disables)',
)

/** "--vpc-cidr "0.0.0.0/0" is not valid: expected ..." with the value escaped for a terminal. */
export function flagMessage(flag: string, value: unknown, expected: string): string {
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value) : String(value)
  return `${flag} ${escapeControl(shown)} is not valid: expected ${expected}.`
}
