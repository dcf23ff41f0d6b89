import {Duration, RemovalPolicy, Stack, Validations} from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as s3 from 'aws-cdk-lib/aws-s3'
import {Construct} from 'constructs'

/**
 * The environment's own bucket for notebook imports, exports and backups: private,
 * TLS only, versioned and retained when the environment is destroyed.
 */
export class NotebookBucket extends Construct {
  readonly bucket: s3.Bucket

  constructor(scope: Construct, id: string) {
    super(scope, id)
    this.bucket = new s3.Bucket(this, 'Resource', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{noncurrentVersionExpiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(7)}],
    })
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
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
      reason: "Object access within the environment's own notebook bucket.",
    })
  }
}
