import type {InstanceTypeInfo} from '../../catalogue/instance-types.js'
import type {DataMount, DomainPack, Kernel} from '../../domain-pack/schema.js'

/** What the command line may override in a pack. All optional. */
export interface SpecOverrides {
  readonly name: string
  readonly region: string
  readonly users?: number
  readonly instanceType?: string
  readonly sharedStorage?: string
  readonly homeSize?: string
  readonly autoShutdownMinutes?: number
  readonly monthlyBudgetUsd?: number
  /** Percentages of the budget at which actual spend alerts (`jupyter budget --alert-at`). @default 80 and 100 */
  readonly budgetAlertPercents?: readonly number[]
  /** Addresses that receive the budget alerts besides the pack's and the admin's (`jupyter budget --email`). */
  readonly budgetEmails?: readonly string[]
  /** Stop the hub instance when actual spend reaches the budget (`jupyter budget --stop-at-100`). */
  readonly budgetStopAtLimit?: boolean
  readonly adminEmail?: string
  readonly owner?: string
  readonly amiId?: string
  readonly vpcId?: string
  readonly subnetId?: string
  readonly availabilityZone?: string
  readonly vpcCidr?: string
  /** Conda channel URLs trusted beyond the built-in allow-list (--allow-channel). */
  readonly allowChannels?: readonly string[]
  /**
   * public: HTTPS through CloudFront with Cognito sign-in. private: no endpoint at all;
   * people reach the hub through SSM Session Manager port forwarding and sign in with
   * local accounts (for institutions that forbid internet-facing services).
   */
  readonly access?: 'public' | 'private'
  /** --notebook-examples / --no-notebook-examples: overrides the pack's notebook_examples. */
  readonly notebookExamples?: boolean
  /**
   * Kept data of an environment whose stack is gone, reused instead of new storage
   * (deploy --restore-from, looked up in src/lib/data/restore.ts before synthesis).
   * Recorded with the other overrides, so scale, diff and a later deploy keep it.
   */
  readonly restore?: RestoreIds
}

/** The kept pieces a deploy reuses; at most one of homeVolumeId and homeSnapshotId. */
export interface RestoreIds {
  /** The environment the pieces were kept from (may be the one being created). */
  readonly from: string
  /** A kept home volume, attached as /home (it must be in the hub's zone). */
  readonly homeVolumeId?: string
  /** A home snapshot: a new volume is made from it in the hub's zone. */
  readonly homeSnapshotId?: string
  /** Size of the kept volume or snapshot: /home is never made smaller than the data it holds. */
  readonly homeSizeGiB?: number
  /** The zone the kept volume is in: a new network places the hub there. */
  readonly availabilityZone?: string
  readonly sharedFileSystemId?: string
  readonly notebookBucket?: string
}

/** An example notebook as the hub receives it: a file name safe in /shared/examples and its JSON text. */
export interface ExampleNotebookFile {
  readonly name: string
  readonly title: string
  readonly content: string
}

export type NetworkSpec =
  | {readonly mode: 'new'}
  | {
      readonly mode: 'existing'
      readonly vpcId: string
      readonly subnetId: string
      readonly availabilityZone: string
      readonly vpcCidr: string
    }

/** A domain pack plus flags, resolved into one immutable, defaulted object. */
export interface EnvironmentSpec {
  readonly name: string
  readonly stackName: string
  readonly domain: string
  readonly displayName: string
  readonly region: string
  readonly owner: string
  readonly users: number
  readonly instance: {
    readonly type: string
    readonly info?: InstanceTypeInfo
    readonly architecture: 'x86_64' | 'arm64'
    readonly gpu: boolean
    readonly rootVolumeGiB: number
    readonly amiId?: string
    /** How the type was chosen, for the plan. */
    readonly choice: 'flag' | 'sized' | 'pack-default'
  }
  readonly storage: {
    readonly homeVolumeGiB: number
    readonly sharedFileSystem: boolean
    /** Expected EFS footprint, for the estimate only (EFS is elastic). */
    readonly sharedEstimateGiB: number
    readonly scratchGiB: number
  }
  readonly network: NetworkSpec
  readonly jupyterhub: {
    readonly interface: 'lab' | 'notebook'
    readonly adminUsers: readonly string[]
    readonly authenticator: 'cognito' | 'pam' | 'dummy'
  }
  readonly adminEmail?: string
  readonly access: 'public' | 'private'
  readonly kernels: readonly Kernel[]
  readonly dataMounts: readonly DataMount[]
  /** Empty shared directories for data people bring themselves. */
  readonly dataDirectories: readonly string[]
  /** Buckets the hub may read (mounted or not), as bucket[/prefix]. */
  readonly readBuckets: readonly string[]
  readonly autoShutdown: {
    readonly idleMinutes: number
    readonly signals: readonly ('kernels' | 'cpu' | 'gpu')[]
    readonly cpuThresholdPercent: number
    readonly gpuThresholdPercent: number
    /** Minutes of warning before an idle stop (the instance agent and `status` read it). */
    readonly warnMinutes: number
  }
  readonly cost: {
    readonly tracking: boolean
    readonly monthlyBudgetUsd?: number
    readonly alertEmails: readonly string[]
    /** Percentages of the budget at which actual spend alerts. */
    readonly alertPercents: readonly number[]
    /** A budget action stops the hub when actual spend reaches the budget. */
    readonly stopAtLimit: boolean
  }
  readonly tags: Readonly<Record<string, string>>
  /** Whether the hub puts the example notebooks in /shared/examples and new users' homes. */
  readonly notebookExamples: boolean
  /** The pack's example notebooks, read at deploy (and kept in the deploy record for scale). */
  readonly exampleNotebooks: readonly ExampleNotebookFile[]
  readonly pack: DomainPack
  /** Kept data this environment runs on instead of new storage (overrides.restore). */
  readonly restore?: RestoreIds
  /** The flags it was resolved from: recorded in the stack so scale/diff can resolve it again. */
  readonly overrides: SpecOverrides
}
