import {Stack, Validations} from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import {Construct} from 'constructs'

export interface S3Grant {
  /** bucket or bucket/prefix */
  readonly location: string
  readonly access: 'read-only' | 'read-write'
}

export interface DataMountsProps {
  readonly grants: readonly S3Grant[]
  readonly role: iam.IRole
}

/**
 * IAM for the hub's S3 data: exactly the listed buckets and prefixes, read-only
 * unless the pack says read-write. The mounts themselves are made on the instance
 * by Mountpoint for Amazon S3 (templates/instance/arw_setup.py).
 */
export class DataMounts extends Construct {
  readonly policy?: iam.Policy

  constructor(scope: Construct, id: string, props: DataMountsProps) {
    super(scope, id)
    const merged = mergeGrants(props.grants)
    if (merged.length === 0) return
    const partition = Stack.of(this).partition
    const statements: iam.PolicyStatement[] = []
    for (const {bucket, prefix, access} of merged) {
      const bucketArn = `arn:${partition}:s3:::${bucket}`
      const objects = `${bucketArn}/${prefix ? `${prefix}/` : ''}*`
      statements.push(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket', 's3:GetBucketLocation'],
          resources: [bucketArn],
          ...(prefix ? {conditions: {StringLike: {'s3:prefix': [`${prefix}/*`, prefix]}}} : {}),
        }),
        new iam.PolicyStatement({
          actions:
            access === 'read-write' ? ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'] : ['s3:GetObject'],
          resources: [objects],
        }),
      )
    }
    this.policy = new iam.Policy(this, 'Resource', {statements, roles: [props.role]})
    Validations.of(this.policy).acknowledge(
      ...merged.map(({bucket, prefix}) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucket}/${prefix ? `${prefix}/` : ''}*]`,
        reason: `Object access to the named data location s3://${bucket}/${prefix} that the domain pack mounts or lists.`,
      })),
    )
  }
}

/** One entry per bucket/prefix; read-write wins when both are asked for. */
export function mergeGrants(grants: readonly S3Grant[]): {bucket: string; prefix: string; access: S3Grant['access']}[] {
  const byLocation = new Map<string, {bucket: string; prefix: string; access: S3Grant['access']}>()
  for (const grant of grants) {
    const [bucket = '', ...rest] = grant.location.replace(/^s3:\/\//, '').split('/')
    const prefix = rest.join('/').replace(/\/+$/, '')
    const key = `${bucket}/${prefix}`
    const existing = byLocation.get(key)
    byLocation.set(key, {bucket, prefix, access: existing?.access === 'read-write' ? 'read-write' : grant.access})
  }
  return [...byLocation.values()].sort((a, b) => `${a.bucket}/${a.prefix}`.localeCompare(`${b.bucket}/${b.prefix}`))
}
