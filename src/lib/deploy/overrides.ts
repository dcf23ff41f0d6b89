import {userInfo} from 'node:os'
import type {SpecOverrides} from '../spec/types.js'

export interface EnvironmentFlagValues {
  name: string
  users?: number
  'instance-type'?: string
  'shared-storage'?: string
  'home-size'?: string
  'auto-shutdown'?: number
  budget?: number
  'admin-email'?: string
  owner?: string
  'ami-id'?: string
  'vpc-id'?: string
  'subnet-id'?: string
  'availability-zone'?: string
  'vpc-cidr'?: string
  'allow-channel'?: string[]
  /** quick-start's --notebook-examples (absent from deploy's flags: undefined, the spec default). */
  'notebook-examples'?: boolean
}

function loginName(): string {
  try {
    return userInfo().username
  } catch {
    return 'unknown'
  }
}

/** Flag values -> spec overrides; `region` is resolved by the caller (src/aws/region.ts, the one rule). */
export function overridesFromFlags(flags: EnvironmentFlagValues, region: string): SpecOverrides {
  return {
    name: flags.name,
    region,
    users: flags.users,
    instanceType: flags['instance-type'],
    sharedStorage: flags['shared-storage'],
    homeSize: flags['home-size'],
    autoShutdownMinutes: flags['auto-shutdown'],
    monthlyBudgetUsd: flags.budget,
    adminEmail: flags['admin-email'],
    owner: flags.owner ?? loginName(),
    amiId: flags['ami-id'],
    vpcId: flags['vpc-id'],
    subnetId: flags['subnet-id'],
    availabilityZone: flags['availability-zone'],
    vpcCidr: flags['vpc-cidr'],
    allowChannels: flags['allow-channel']?.length ? flags['allow-channel'] : undefined,
    notebookExamples: flags['notebook-examples'],
  }
}
