import {INSTANCE_TYPES, isOfferedIn, lookupInstanceType} from '../../catalogue/instance-types.js'
import {closestMatches} from '../../domain-pack/did-you-mean.js'
import type {Finding} from '../../domain-pack/findings.js'
import {RULES} from '../../domain-pack/rules/index.js'
import type {DomainPack} from '../../domain-pack/schema.js'
import {parseSizeGiB} from './sizes.js'
import {chooseInstanceType} from './sizing.js'
import type {EnvironmentSpec, NetworkSpec, SpecOverrides} from './types.js'

const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,22}[a-z0-9]$/
const HOME_MIN_GIB = 10
const HOME_MAX_GIB = 16_384
const EFS_ESTIMATE_MAX_GIB = 1_048_576

type FlagFinding = Omit<Finding, 'file' | 'line' | 'column'>

function flagFinding(code: string, flag: string, message: string, remedy: string, level: Finding['level'] = 'error'): FlagFinding {
  return {code, level, path: flag, message, remedy}
}

/**
 * Pack + flags -> spec. Pure: everything it needs is in its arguments. Returns the
 * spec only when there is no error finding, so callers cannot deploy a bad combination.
 */
export function resolveSpec(domain: string, pack: DomainPack, overrides: SpecOverrides): {spec?: EnvironmentSpec; findings: FlagFinding[]} {
  const findings: FlagFinding[] = []
  const {region} = overrides

  if (!ENVIRONMENT_NAME.test(overrides.name)) {
    findings.push(
      flagFinding(
        'invalid-environment-name',
        '--name',
        `Environment name "${overrides.name}" is not valid.`,
        'Use 2-24 lower-case letters, digits and hyphens, starting with a letter (it becomes the stack name arw-<name>).',
      ),
    )
  }

  const maxUsers = pack.users.max ?? 50
  const users = overrides.users ?? pack.users.default ?? 5
  if (users > maxUsers) {
    findings.push(
      flagFinding(
        'users-above-max',
        '--users',
        `--users ${users} is above the ${pack.name} pack's maximum of ${maxUsers}.`,
        `Use --users ${maxUsers} or fewer, or raise users.max in the pack.`,
      ),
    )
  }

  let choice: EnvironmentSpec['instance']['choice'] = 'pack-default'
  let instanceType = pack.instance.default_type
  if (overrides.instanceType) {
    instanceType = overrides.instanceType
    choice = 'flag'
  } else if (overrides.users !== undefined) {
    const sized = chooseInstanceType(pack, users, region)
    instanceType = sized.type
    choice = 'sized'
    if (!sized.fits) {
      findings.push(
        flagFinding(
          'users-exceed-largest-type',
          '--users',
          `${users} users need about ${sized.needed.vcpus} vCPU and ${sized.needed.memoryGiB} GiB; the largest allowed type ${sized.type} is smaller.`,
          'Lower --users, or add a larger type to instance.allowed_types.',
          'warning',
        ),
      )
    }
  }

  const info = lookupInstanceType(instanceType)
  if (!info) {
    findings.push(
      flagFinding(
        'unknown-instance-type',
        '--instance-type',
        `Instance type "${instanceType}" is not known.`,
        `Did you mean ${closestMatches(instanceType, INSTANCE_TYPES.keys()).join(', ')}?`,
      ),
    )
  } else {
    const allowed = pack.instance.allowed_types ?? []
    if (choice === 'flag' && allowed.length > 0 && !allowed.includes(instanceType)) {
      findings.push(
        flagFinding(
          'instance-type-not-allowed',
          '--instance-type',
          `${instanceType} is not among the ${pack.name} pack's allowed types.`,
          `Use one of ${allowed.join(', ')}, or add it to instance.allowed_types.`,
        ),
      )
    }
    if (pack.instance.gpu?.required && info.gpus === 0) {
      const gpuTypes = allowed.filter((t) => (lookupInstanceType(t)?.gpus ?? 0) > 0)
      findings.push(
        flagFinding(
          'gpu-required',
          '--instance-type',
          `The ${pack.name} pack needs an NVIDIA GPU but ${instanceType} has none.`,
          `Use a GPU type such as ${gpuTypes.slice(0, 3).join(', ') || 'g5.xlarge'}.`,
        ),
      )
    }
    if (info.architecture !== (pack.instance.architecture ?? 'x86_64')) {
      findings.push(
        flagFinding(
          'architecture-mismatch',
          '--instance-type',
          `${instanceType} is ${info.architecture}; the pack's kernels are built for ${pack.instance.architecture ?? 'x86_64'}.`,
          'Pick an instance type of the pack architecture.',
        ),
      )
    }
    if (isOfferedIn(instanceType, region) === false) {
      findings.push(
        flagFinding(
          'region-not-offered',
          '--region',
          `${instanceType} is not offered in ${region}.`,
          'Choose another --region or --instance-type.',
        ),
      )
    }
  }

  const homeVolumeGiB = overrides.homeSize === undefined ? (pack.storage.home_volume_gb ?? 100) : parseSizeGiB(overrides.homeSize)
  if (homeVolumeGiB === undefined || homeVolumeGiB < HOME_MIN_GIB || homeVolumeGiB > HOME_MAX_GIB) {
    findings.push(
      flagFinding(
        'storage-out-of-bounds',
        '--home-size',
        `Home volume size "${overrides.homeSize}" is not between ${HOME_MIN_GIB} GiB and 16 TiB.`,
        'Write a size such as 200GB or 1TB.',
      ),
    )
  }
  let sharedEstimateGiB = 0
  if (overrides.sharedStorage !== undefined) {
    const parsed = parseSizeGiB(overrides.sharedStorage)
    if (parsed === undefined || parsed > EFS_ESTIMATE_MAX_GIB) {
      findings.push(
        flagFinding(
          'storage-out-of-bounds',
          '--shared-storage',
          `Shared storage size "${overrides.sharedStorage}" is not a size up to 1 PiB.`,
          'Write a size such as 500GB, 1TB or 1.5TiB.',
        ),
      )
    } else sharedEstimateGiB = parsed
  }

  const network = resolveNetwork(overrides, findings)
  const autoShutdownMinutes = overrides.autoShutdownMinutes ?? pack.auto_shutdown.idle_minutes ?? 60
  const monthlyBudgetUsd = overrides.monthlyBudgetUsd ?? pack.cost.monthly_budget_usd
  const alertEmails = [...new Set([...(pack.cost.alert_emails ?? []), ...(overrides.adminEmail ? [overrides.adminEmail] : [])])]
  if (monthlyBudgetUsd !== undefined && alertEmails.length === 0) {
    findings.push(
      flagFinding(
        'budget-without-alerts',
        '--admin-email',
        'A budget is set but nobody receives its alerts.',
        'Pass --admin-email (or set cost.alert_emails in the pack).',
        'warning',
      ),
    )
  }
  if (
    (pack.jupyterhub.authenticator ?? 'cognito') === 'cognito' &&
    overrides.access !== 'private' &&
    !overrides.adminEmail &&
    (pack.jupyterhub.admin_users ?? []).length === 0
  ) {
    findings.push(
      flagFinding(
        'no-admin',
        '--admin-email',
        'No hub administrator: nobody will be able to sign in until users are added.',
        'Pass --admin-email you@example.org; that address receives a temporary password.',
        'warning',
      ),
    )
  }

  const effectivePack = {...pack, instance: {...pack.instance, default_type: instanceType}}
  for (const rule of RULES) {
    // Checked above with the flags applied, or not meaningful once a pack is chosen.
    if (['region-not-offered', 'unknown-instance-type', 'example-notebook-missing', 'budget-without-alerts'].includes(rule.code)) continue
    for (const finding of rule.check(effectivePack, {region})) {
      if (!findings.some((f) => f.code === finding.code)) findings.push(finding)
    }
  }

  if (findings.some((f) => f.level === 'error') || !info || homeVolumeGiB === undefined) return {findings}
  const spec: EnvironmentSpec = {
    name: overrides.name,
    stackName: `arw-${overrides.name}`,
    domain,
    displayName: pack.display_name,
    region,
    owner: overrides.owner ?? 'unknown',
    users,
    instance: {
      type: instanceType,
      info,
      architecture: info.architecture,
      gpu: info.gpus > 0,
      rootVolumeGiB: pack.instance.root_volume_gb ?? 100,
      ...((overrides.amiId ?? pack.instance.image) ? {amiId: overrides.amiId ?? pack.instance.image} : {}),
      choice,
    },
    storage: {
      homeVolumeGiB,
      sharedFileSystem: overrides.sharedStorage !== undefined || Boolean(pack.storage.shared_filesystem),
      sharedEstimateGiB,
      scratchGiB: pack.storage.scratch_gb ?? 0,
    },
    network,
    jupyterhub: {
      interface: pack.jupyterhub.interface ?? 'lab',
      adminUsers: [...new Set([...(pack.jupyterhub.admin_users ?? []), ...(overrides.adminEmail ? [overrides.adminEmail] : [])])],
      authenticator: overrides.access === 'private' ? 'pam' : (pack.jupyterhub.authenticator ?? 'cognito'),
    },
    ...(overrides.adminEmail ? {adminEmail: overrides.adminEmail} : {}),
    access: overrides.access ?? 'public',
    kernels: pack.kernels,
    dataMounts: pack.data_mounts ?? [],
    readBuckets: [
      ...new Set([
        ...(pack.aws_access.s3_buckets ?? []),
        ...(pack.data_mounts ?? []).filter((m) => m.access !== 'read-write').map((m) => m.source.replace(/^s3:\/\//, '')),
      ]),
    ],
    autoShutdown: {
      idleMinutes: autoShutdownMinutes,
      signals: (pack.auto_shutdown.signals ?? ['kernels', 'cpu']).filter((s) => s !== 'gpu' || info.gpus > 0),
      cpuThresholdPercent: pack.auto_shutdown.cpu_threshold_percent ?? 5,
    },
    cost: {tracking: pack.cost.tracking ?? true, ...(monthlyBudgetUsd === undefined ? {} : {monthlyBudgetUsd}), alertEmails},
    tags: {...(pack.tags ?? {})},
    pack,
    overrides: Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)) as unknown as SpecOverrides,
  }
  return {spec: deepFreeze(spec), findings}
}

function resolveNetwork(overrides: SpecOverrides, findings: FlagFinding[]): NetworkSpec {
  const {vpcId, subnetId, availabilityZone, vpcCidr} = overrides
  if (!vpcId && !subnetId) return {mode: 'new'}
  if (!vpcId || !subnetId || !availabilityZone || !vpcCidr) {
    findings.push(
      flagFinding(
        'incomplete-network',
        '--vpc-id',
        'An existing network needs --vpc-id, --subnet-id, --availability-zone and --vpc-cidr together.',
        'Pass all four (the subnet must be private with outbound internet access), or none for a new VPC.',
      ),
    )
    return {mode: 'new'}
  }
  if (!/^vpc-[0-9a-f]{8,17}$/.test(vpcId))
    findings.push(flagFinding('invalid-vpc-id', '--vpc-id', `"${vpcId}" is not a VPC id.`, 'Pass an id like vpc-0123456789abcdef0.'))
  if (!/^subnet-[0-9a-f]{8,17}$/.test(subnetId))
    findings.push(
      flagFinding('invalid-subnet-id', '--subnet-id', `"${subnetId}" is not a subnet id.`, 'Pass an id like subnet-0123456789abcdef0.'),
    )
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(vpcCidr))
    findings.push(flagFinding('invalid-cidr', '--vpc-cidr', `"${vpcCidr}" is not a CIDR block.`, 'Pass the VPC CIDR such as 10.0.0.0/16.'))
  return {mode: 'existing', vpcId, subnetId, availabilityZone, vpcCidr}
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
