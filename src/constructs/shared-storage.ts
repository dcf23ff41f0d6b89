import {RemovalPolicy} from 'aws-cdk-lib'
import type * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as efs from 'aws-cdk-lib/aws-efs'
import type * as iam from 'aws-cdk-lib/aws-iam'
import {Construct} from 'constructs'

export interface SharedStorageProps {
  readonly vpc: ec2.IVpc
  readonly subnet: ec2.ISubnet
}

/**
 * Encrypted, elastic EFS mounted at /shared for files the whole team uses. Retained
 * when the environment is destroyed; mounted with TLS and IAM authorization.
 */
export class SharedStorage extends Construct {
  readonly fileSystem: efs.FileSystem

  constructor(scope: Construct, id: string, props: SharedStorageProps) {
    super(scope, id)
    this.fileSystem = new efs.FileSystem(this, 'Resource', {
      vpc: props.vpc,
      vpcSubnets: {subnets: [props.subnet]},
      encrypted: true,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.ELASTIC,
      lifecyclePolicy: efs.LifecyclePolicy.AFTER_30_DAYS,
      enableAutomaticBackups: true,
      removalPolicy: RemovalPolicy.RETAIN,
    })
  }

  get fileSystemId(): string {
    return this.fileSystem.fileSystemId
  }

  /** Network path and IAM permission for an instance to mount read-write. */
  grantMount(instance: ec2.IConnectable & {readonly role: iam.IRole}): void {
    this.fileSystem.connections.allowDefaultPortFrom(instance)
    this.fileSystem.grantReadWrite(instance.role)
  }
}
