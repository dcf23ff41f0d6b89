import type {ResolvedImage} from '../image/resolve-image.js'
import {resourceKind} from '../diff/describe.js'
import {type CostEstimate, estimateCost} from '../spec/estimate.js'
import type {EnvironmentSpec} from '../spec/types.js'
import type {SynthesizedStack, SynthFinding} from '../synth/synthesize.js'

/** What a deploy would create, in terms people and scripts can check before paying. */
export interface DeploymentPlan {
  readonly environment: string
  readonly stackName: string
  readonly domain: string
  readonly region: string
  readonly instance: {
    readonly type: string
    readonly vcpus?: number
    readonly memoryGiB?: number
    readonly gpus: number
    readonly gpuModel?: string
    readonly usdPerHour: number
    readonly chosenBy: string
    /** The hub image: an AMI id (and name) when resolved, else what a deploy resolves. */
    readonly image: string
    /** Why this image (a real deploy resolves it), e.g. `pinned at an earlier deploy ...`. */
    readonly imageReason?: string
  }
  readonly users: number
  readonly storage: {
    readonly homeVolumeGiB: number
    readonly sharedFileSystem: boolean
    readonly scratchGiB: number
    readonly notebookBucket: true
  }
  readonly dataMounts: readonly {readonly source: string; readonly path: string; readonly access: string}[]
  /** Empty shared directories for data people bring themselves. */
  readonly dataDirectories: readonly string[]
  /** Example notebooks put in /shared/examples and each new user's home (empty with --no-notebook-examples). */
  readonly exampleNotebooks: readonly string[]
  readonly kernels: readonly {readonly name: string; readonly displayName: string; readonly language: string; readonly packages: number}[]
  readonly autoShutdown: {readonly idleMinutes: number; readonly signals: readonly string[]}
  readonly access: {readonly url: string; readonly signIn: string; readonly admin?: string}
  readonly budget?: {
    readonly monthlyUsd: number
    readonly alertEmails: readonly string[]
    /** False when the estimate at typical use already exceeds the budget. */
    readonly coversTypicalUse: boolean
    /** False when the instance running all month would exceed the budget. */
    readonly coversAlwaysOn: boolean
  }
  readonly resources: {readonly total: number; readonly byType: Readonly<Record<string, number>>}
  /** Data that outlives `destroy`: in words (kind), and by CloudFormation type and id for tools. */
  readonly retainedOnDestroy: readonly RetainedResource[]
  /** Kept data of an earlier environment this one runs on (deploy --restore-from), piece by piece. */
  readonly restore?: {readonly from: string; readonly pieces: readonly string[]}
  readonly template: {readonly file: string; readonly bytes: number}
  readonly cost: CostEstimate
  readonly findings: readonly SynthFinding[]
}

export interface RetainedResource {
  readonly kind: string
  readonly type: string
  readonly logicalId: string
  readonly onDestroy: string
}

const RETAINED_POLICIES = new Set(['Retain', 'Snapshot', 'RetainExceptOnCreate'])

export function buildPlan(
  spec: EnvironmentSpec,
  stack: SynthesizedStack,
  findings: readonly SynthFinding[],
  image?: ResolvedImage,
): DeploymentPlan {
  const byType: Record<string, number> = {}
  const retained: RetainedResource[] = []
  for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
    byType[resource.Type] = (byType[resource.Type] ?? 0) + 1
    if (resource.DeletionPolicy && RETAINED_POLICIES.has(resource.DeletionPolicy))
      retained.push({kind: resourceKind(resource.Type), type: resource.Type, logicalId, onDestroy: resource.DeletionPolicy.toLowerCase()})
  }
  const info = spec.instance.info
  const cost = estimateCost(spec)
  return {
    environment: spec.name,
    stackName: spec.stackName,
    domain: spec.domain,
    region: spec.region,
    instance: {
      type: spec.instance.type,
      vcpus: info?.vcpus,
      memoryGiB: info?.memoryGiB,
      gpus: info?.gpus ?? 0,
      ...(info?.gpuModel ? {gpuModel: info.gpuModel} : {}),
      usdPerHour: cost.hourlyUsd,
      chosenBy:
        spec.instance.choice === 'sized'
          ? `sized for ${spec.users} users`
          : spec.instance.choice === 'flag'
            ? '--instance-type'
            : 'pack default',
      image: image
        ? `${image.imageId}${image.name ? ` (${image.name})` : ''}`
        : (spec.instance.amiId ??
          `${spec.instance.gpu ? 'Deep Learning AMI (Ubuntu 22.04, NVIDIA driver)' : 'Ubuntu 24.04 LTS'}, resolved at deploy (the newest at the first deploy, then pinned)`),
      ...(image ? {imageReason: image.reason} : {}),
    },
    users: spec.users,
    storage: {
      homeVolumeGiB: spec.storage.homeVolumeGiB,
      sharedFileSystem: spec.storage.sharedFileSystem,
      scratchGiB: spec.storage.scratchGiB,
      notebookBucket: true,
    },
    dataMounts: spec.dataMounts.map((m) => ({source: m.source, path: m.mount_path, access: m.access ?? 'read-only'})),
    dataDirectories: spec.dataDirectories,
    exampleNotebooks: spec.notebookExamples ? spec.exampleNotebooks.map((n) => n.name) : [],
    kernels: spec.kernels.map((k) => ({
      name: k.name,
      displayName: k.display_name,
      language: k.language,
      packages: (k.packages ?? []).length,
    })),
    autoShutdown: {idleMinutes: spec.autoShutdown.idleMinutes, signals: spec.autoShutdown.signals},
    access: {
      url:
        spec.access === 'private'
          ? 'http://localhost:8000 through SSM port forwarding'
          : 'https://<id>.cloudfront.net (known after deploy)',
      signIn:
        spec.jupyterhub.authenticator === 'cognito'
          ? 'Cognito user pool (e-mail + password, optional TOTP MFA)'
          : spec.jupyterhub.authenticator === 'pam'
            ? 'local accounts; the admin password is generated on the instance and kept in SSM Parameter Store'
            : 'dummy (any password; local trials only)',
      ...(spec.adminEmail ? {admin: spec.adminEmail} : {}),
    },
    ...(spec.cost.monthlyBudgetUsd !== undefined
      ? {
          budget: {
            monthlyUsd: spec.cost.monthlyBudgetUsd,
            alertEmails: spec.cost.alertEmails,
            coversTypicalUse: spec.cost.monthlyBudgetUsd >= cost.monthlyTypicalUsd,
            coversAlwaysOn: spec.cost.monthlyBudgetUsd >= cost.monthlyAlwaysOnUsd,
          },
        }
      : {}),
    resources: {total: stack.resourceCount, byType: Object.fromEntries(Object.entries(byType).sort(([a], [b]) => a.localeCompare(b)))},
    retainedOnDestroy: retained.sort((a, b) => a.kind.localeCompare(b.kind)),
    template: {file: stack.templateFile, bytes: stack.templateBytes},
    cost,
    findings,
  }
}
