import {estimateCost} from '../spec/estimate.js'
import type {EnvironmentSpec} from '../spec/types.js'
import type {ResourceChange} from './data-safety.js'

/** What people call the resources an environment is made of (by CloudFormation type). */
const KINDS: Record<string, string> = {
  'AWS::EC2::Instance': 'hub instance',
  'AWS::EC2::Volume': 'home volume',
  'AWS::EC2::LaunchTemplate': 'hub launch settings',
  'AWS::EC2::SecurityGroup': 'firewall rules',
  'AWS::EC2::SecurityGroupIngress': 'firewall rule',
  'AWS::EC2::VPC': 'network',
  'AWS::EC2::NatGateway': 'NAT gateway',
  'AWS::EFS::FileSystem': 'shared file system (/shared)',
  'AWS::EFS::MountTarget': 'shared file system mount point',
  'AWS::S3::Bucket': 'notebook bucket',
  'AWS::S3::BucketPolicy': 'notebook bucket policy',
  'AWS::Cognito::UserPool': 'user pool (sign-in accounts)',
  'AWS::Cognito::UserPoolClient': 'sign-in client',
  'AWS::Cognito::UserPoolUser': 'admin account',
  'AWS::CloudFront::Distribution': 'HTTPS endpoint (CloudFront)',
  'AWS::CloudWatch::Alarm': 'idle alarm',
  'AWS::Budgets::Budget': 'budget',
  'AWS::IAM::Role': 'IAM role',
  'AWS::IAM::Policy': 'IAM permissions',
  'AWS::Logs::LogGroup': 'log group',
  'AWS::SSM::Parameter': 'SSM parameter',
}

/** A resource kind in words: a known name, or "EC2 route table" from AWS::EC2::RouteTable. */
export function resourceKind(type: string): string {
  const known = KINDS[type]
  if (known) return known
  const [, service = '', resource = type] = type.split('::')
  return `${service} ${resource.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`.trim()
}

const VERB: Record<ResourceChange['impact'], string> = {
  add: 'added',
  update: 'updated in place',
  'may-replace': 'changed (may be replaced)',
  replace: 'REPLACED',
  destroy: 'DELETED',
  orphan: 'removed from the stack but kept',
  'no-change': 'unchanged',
}

/** What a redeploy does, in words people can decide on. */
export interface ChangeSummary {
  /** One line per change, e.g. "hub instance: r6i.xlarge -> r6i.2xlarge". */
  readonly lines: readonly string[]
  readonly instanceType?: {readonly from: string; readonly to: string}
  readonly users?: {readonly from: number; readonly to: number}
  /** Typical monthly cost after minus before (undefined when the before is unknown). */
  readonly monthlyCostChangeUsd?: number
  readonly monthlyTypicalUsd: number
  /** True when the hub instance stops (users' servers stop; data is kept). */
  readonly hubRestarts: boolean
}

/** Describes changes between two specs (before unknown for a first deploy) and the resource changes. */
export function summarizeChanges(changes: readonly ResourceChange[], after: EnvironmentSpec, before?: EnvironmentSpec): ChangeSummary {
  const lines: string[] = []
  const instanceType =
    before && before.instance.type !== after.instance.type ? {from: before.instance.type, to: after.instance.type} : undefined
  const users = before && before.users !== after.users ? {from: before.users, to: after.users} : undefined
  if (instanceType) lines.push(`hub instance type: ${instanceType.from} -> ${instanceType.to}`)
  if (users) lines.push(`users: ${users.from} -> ${users.to}`)
  const hub = changes.find((c) => c.type === 'AWS::EC2::Instance')
  const hubRestarts = Boolean(hub && hub.impact !== 'add' && hub.impact !== 'no-change')
  for (const change of changes) {
    if (change === hub && instanceType && change.properties.every((p) => p === 'InstanceType')) continue
    const detail =
      change.properties.length > 0 ? ` (${change.properties.slice(0, 3).join(', ')}${change.properties.length > 3 ? ', ...' : ''})` : ''
    const mark = change.dataBearing && !['add', 'update'].includes(change.impact) ? '!! ' : ''
    lines.push(`${mark}${resourceKind(change.type)} ${VERB[change.impact]}${change.impact === 'add' ? '' : detail}`)
  }
  const monthlyTypicalUsd = estimateCost(after).monthlyTypicalUsd
  const monthlyCostChangeUsd = before ? Math.round((monthlyTypicalUsd - estimateCost(before).monthlyTypicalUsd) * 100) / 100 : undefined
  return {
    lines,
    ...(instanceType ? {instanceType} : {}),
    ...(users ? {users} : {}),
    ...(monthlyCostChangeUsd === undefined ? {} : {monthlyCostChangeUsd}),
    monthlyTypicalUsd,
    hubRestarts,
  }
}
