import {Duration, RemovalPolicy, Stack, Tags, Validations} from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as s3 from 'aws-cdk-lib/aws-s3'
import {Construct} from 'constructs'
import {DATA_TAG_KEY, DATA_TAG_VALUES} from './contract.js'

export interface NotebookBucketProps {
  /**
   * A kept bucket to use instead of a new one. It is not part of the stack, so no
   * update or deletion of the stack can delete it.
   * @default - a new bucket
   */
  readonly existingBucketName?: string
}

/**
 * The environment's own bucket for notebook imports, exports and backups: private,
 * TLS only, versioned and retained when the environment is destroyed.
 */
export class NotebookBucket extends Construct {
  readonly bucket: s3.IBucket

  constructor(scope: Construct, id: string, props: NotebookBucketProps = {}) {
    super(scope, id)
    if (props.existingBucketName) {
      this.bucket = s3.Bucket.fromBucketName(this, 'Resource', props.existingBucketName)
      return
    }
    const bucket = new s3.Bucket(this, 'Resource', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{noncurrentVersionExpiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(7)}],
    })
    Tags.of(bucket).add(DATA_TAG_KEY, DATA_TAG_VALUES.notebooks)
    this.bucket = bucket
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the hub role can reach this private bucket; CloudTrail data events are the audit trail where required. Access logs would add a second retained bucket per environment.',
    })
  }

  /** Read and write objects, nothing else (no bucket policy or ACL changes). */
  grantObjectReadWrite(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [this.bucket.bucketArn]}),
    )
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    )
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${this.bucket instanceof s3.Bucket ? `<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>` : `arn:<AWS::Partition>:s3:::${this.bucket.bucketName}`}/*]`,
      reason: "Object access within the environment's own notebook bucket.",
    })
  }
}
