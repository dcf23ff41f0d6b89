import {INSTANCE_TYPES, isOfferedIn, lookupInstanceType} from '../../catalogue/instance-types.js'
import {invalidRestoreFields} from './restore-ids.js'
import {closestMatches} from '../../domain-pack/did-you-mean.js'
import type {Finding} from '../../domain-pack/findings.js'
import {RULES} from '../../domain-pack/rules/index.js'
import type {DomainPack} from '../../domain-pack/schema.js'
import {escapeControl} from '../../output/sanitize.js'
import {
  checkAmiId,
  checkAutoShutdown,
  checkAvailabilityZone,
  checkAlertPercent,
  checkBudget,
  checkChannelUrl,
  checkEmail,
  checkEnvironmentName,
  checkInstanceType,
  checkOwner,
  checkRegion,
  checkSubnetId,
  checkUsers,
  checkVpcCidr,
  checkVpcId,
  type FlagCheck,
  flagMessage,
  zoneInRegion,
} from './flag-values.js'
import {parseSizeGiB} from './sizes.js'
import {chooseInstanceType} from './sizing.js'
import type {EnvironmentSpec, ExampleNotebookFile, NetworkSpec, SpecOverrides} from './types.js'

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
 * `exampleNotebooks` are the pack's notebooks as read from disk (readExampleNotebooks) or
 * from the deploy record: a spec resolved again from the record has no pack directory.
 */
export function resolveSpec(
  domain: string,
  pack: DomainPack,
  overrides: SpecOverrides,
  exampleNotebooks: readonly ExampleNotebookFile[] = [],
): {spec?: EnvironmentSpec; findings: FlagFinding[]} {
  const findings: FlagFinding[] = []
  const {region} = overrides

  // The same checks the flags ran while parsing: specs also come from cdk.json context
  // and from the deploy record of a running stack, which no parser has seen.
  findings.push(...checkOverrideValues(domain, overrides))
  const badRestore = overrides.restore ? invalidRestoreFields(overrides.restore) : []
  if (badRestore.length > 0)
    findings.push(
      flagFinding(
        'invalid-restore',
        '--restore-from',
        `The kept data to restore has malformed ${badRestore.join(', ')}.`,
        'Check the kept data with `jupyter data list`; a deploy record edited by hand must be deployed again with --restore-from.',
      ),
    )
  if (findings.some((f) => f.level === 'error')) return {findings}

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
  const alertEmails = [
    ...new Set([
      ...(pack.cost.alert_emails ?? []),
      ...(overrides.adminEmail ? [overrides.adminEmail] : []),
      ...(overrides.budgetEmails ?? []),
    ]),
  ]
  const alertPercents = [...new Set(overrides.budgetAlertPercents ?? DEFAULT_ALERT_PERCENTS)].sort((a, b) => a - b)
  // AWS Budgets allows five notifications a budget; one is the forecast alert at 100%.
  if (alertPercents.length > MAX_ALERT_THRESHOLDS)
    findings.push(
      flagFinding(
        'too-many-alerts',
        '--alert-at',
        `--alert-at has ${alertPercents.length} thresholds; AWS Budgets allows ${MAX_ALERT_THRESHOLDS} besides the forecast alert.`,
        `Pass at most ${MAX_ALERT_THRESHOLDS} percentages, e.g. --alert-at 50,80,100.`,
      ),
    )
  if (overrides.budgetStopAtLimit && monthlyBudgetUsd !== undefined && alertEmails.length === 0)
    findings.push(
      flagFinding(
        'stop-without-email',
        '--stop-at-100',
        'AWS Budgets actions need someone to notify, and this budget has no alert e-mail.',
        'Pass --email with --stop-at-100.',
      ),
    )
  if (overrides.budgetStopAtLimit && monthlyBudgetUsd === undefined)
    findings.push(
      flagFinding('stop-without-budget', '--stop-at-100', 'A stop at 100% needs a budget.', 'Pass --monthly with --stop-at-100.'),
    )
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
  // dummy accepts any password: acceptable only where nobody can reach the hub but
  // people with Session Manager access to the instance. The pack cannot know the access
  // mode, so this is checked here.
  if (pack.jupyterhub.authenticator === 'dummy' && overrides.access !== 'private') {
    findings.push(
      flagFinding(
        'dummy-auth-public',
        '--access',
        `The ${pack.name} pack sets jupyterhub.authenticator: dummy (any password signs in), which is refused on a ${overrides.access ?? 'public'} deploy.`,
        'Remove jupyterhub.authenticator (Cognito sign-in), or deploy with --access private.',
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
    for (const finding of rule.check(effectivePack, {region, allowedChannels: overrides.allowChannels})) {
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
      homeVolumeGiB: Math.max(homeVolumeGiB, overrides.restore?.homeSizeGiB ?? 0),
      // Kept shared files are mounted again even where the pack asks for no shared file system.
      sharedFileSystem:
        overrides.sharedStorage !== undefined || Boolean(pack.storage.shared_filesystem) || Boolean(overrides.restore?.sharedFileSystemId),
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
    dataDirectories: pack.data_directories ?? [],
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
      gpuThresholdPercent: pack.auto_shutdown.gpu_threshold_percent ?? 10,
      warnMinutes: pack.auto_shutdown.warn_minutes ?? 10,
    },
    cost: {
      tracking: pack.cost.tracking ?? true,
      ...(monthlyBudgetUsd === undefined ? {} : {monthlyBudgetUsd}),
      alertEmails,
      alertPercents,
      stopAtLimit: Boolean(overrides.budgetStopAtLimit),
    },
    tags: {...(pack.tags ?? {})},
    notebookExamples: overrides.notebookExamples ?? pack.notebook_examples ?? true,
    exampleNotebooks: exampleNotebooks.map(({name, title, content}) => ({name, title, content})),
    ...(overrides.restore ? {restore: overrides.restore} : {}),
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
  // Shapes were checked with the other values (checkOverrideValues); the zone must also be in the region.
  if (!checkAvailabilityZone(availabilityZone) && !zoneInRegion(availabilityZone, overrides.region)) {
    findings.push(
      flagFinding(
        'zone-not-in-region',
        '--availability-zone',
        `--availability-zone ${escapeControl(availabilityZone)} is not in region ${escapeControl(overrides.region)}.`,
        `Pass a zone of ${escapeControl(overrides.region)} (e.g. ${escapeControl(overrides.region)}a), or the --region of the subnet.`,
      ),
    )
  }
  return {mode: 'existing', vpcId, subnetId, availabilityZone, vpcCidr}
}

/** Flag -> (code, check, value) for every override that has a shape. */
function checkOverrideValues(domain: string, overrides: SpecOverrides): FlagFinding[] {
  const strings: [flag: string, code: string, check: FlagCheck, value: string | undefined][] = [
    ['--name', 'invalid-environment-name', checkEnvironmentName, overrides.name],
    ['--region', 'invalid-region', checkRegion, overrides.region],
    ['--instance-type', 'invalid-instance-type', checkInstanceType, overrides.instanceType],
    ['--admin-email', 'invalid-email', checkEmail, overrides.adminEmail],
    ['--owner', 'invalid-owner', checkOwner, overrides.owner],
    ['--ami-id', 'invalid-ami-id', checkAmiId, overrides.amiId],
    ['--vpc-id', 'invalid-vpc-id', checkVpcId, overrides.vpcId],
    ['--subnet-id', 'invalid-subnet-id', checkSubnetId, overrides.subnetId],
    ['--availability-zone', 'invalid-availability-zone', checkAvailabilityZone, overrides.availabilityZone],
    ['--vpc-cidr', 'invalid-cidr', checkVpcCidr, overrides.vpcCidr],
    // The domain (pack name or file name) becomes the aws-research-wizard:domain tag value.
    ['--domain', 'invalid-domain-name', checkOwner, domain],
    ...(overrides.budgetEmails ?? []).map((email): [string, string, FlagCheck, string] => ['--email', 'invalid-email', checkEmail, email]),
    ...(overrides.allowChannels ?? []).map((url): [string, string, FlagCheck, string] => [
      '--allow-channel',
      'invalid-channel',
      checkChannelUrl,
      url,
    ]),
  ]
  const numbers: [flag: string, check: (value: number) => string | undefined, value: number | undefined][] = [
    ['--users', checkUsers, overrides.users],
    ['--auto-shutdown', checkAutoShutdown, overrides.autoShutdownMinutes],
    ['--budget', checkBudget, overrides.monthlyBudgetUsd],
    ...(overrides.budgetAlertPercents ?? []).map((percent): [string, (value: number) => string | undefined, number] => [
      '--alert-at',
      checkAlertPercent,
      percent,
    ]),
  ]
  const findings: FlagFinding[] = []
  for (const [flag, code, check, value] of strings) {
    const expected = value === undefined ? undefined : check(value)
    if (expected) findings.push(flagFinding(code, flag, flagMessage(flag, value, expected), `Pass ${flag} as ${expected}.`))
  }
  for (const [flag, check, value] of numbers) {
    const expected = value === undefined ? undefined : check(value)
    if (expected) findings.push(flagFinding('out-of-range', flag, flagMessage(flag, value, expected), `Pass ${flag} as ${expected}.`))
  }
  return findings
}

/** Budget alerts when none are asked for: the ones every environment had before `jupyter budget`. */
const DEFAULT_ALERT_PERCENTS = [80, 100]
const MAX_ALERT_THRESHOLDS = 4

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
