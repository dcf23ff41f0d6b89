import {RemovalPolicy, Tags} from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as efs from 'aws-cdk-lib/aws-efs'
import type * as iam from 'aws-cdk-lib/aws-iam'
import {Construct, type IDependable} from 'constructs'
import {DATA_TAG_KEY, DATA_TAG_VALUES} from './contract.js'

export interface SharedStorageProps {
  readonly vpc: ec2.IVpc
  readonly subnet: ec2.ISubnet
  /**
   * A kept file system to mount instead of a new one. It is not part of the stack (no
   * update or deletion of the stack can delete it); the stack adds only a mount target
   * and its security group in the hub subnet (a kept file system has none left).
   * @default - a new file system
   */
  readonly existingFileSystemId?: string
}

/**
 * Encrypted, elastic EFS mounted at /shared for files the whole team uses. Retained
 * when the environment is destroyed; mounted with TLS and IAM authorization.
 */
export class SharedStorage extends Construct {
  readonly fileSystem: efs.IFileSystem
  /** Exists once the hub subnet can mount the file system. */
  readonly mountTargetsAvailable: IDependable

  constructor(scope: Construct, id: string, props: SharedStorageProps) {
    super(scope, id)
    if (props.existingFileSystemId) {
      const securityGroup = new ec2.SecurityGroup(this, 'MountSecurityGroup', {
        vpc: props.vpc,
        description: 'NFS from the hub to the kept shared file system',
        allowAllOutbound: false,
      })
      this.fileSystem = efs.FileSystem.fromFileSystemAttributes(this, 'Resource', {
        fileSystemId: props.existingFileSystemId,
        securityGroup,
      })
      this.mountTargetsAvailable = new efs.CfnMountTarget(this, 'MountTarget', {
        fileSystemId: props.existingFileSystemId,
        subnetId: props.subnet.subnetId,
        securityGroups: [securityGroup.securityGroupId],
      })
      return
    }
    const fileSystem = new efs.FileSystem(this, 'Resource', {
      vpc: props.vpc,
      vpcSubnets: {subnets: [props.subnet]},
      encrypted: true,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.ELASTIC,
      lifecyclePolicy: efs.LifecyclePolicy.AFTER_30_DAYS,
      enableAutomaticBackups: true,
      removalPolicy: RemovalPolicy.RETAIN,
    })
    Tags.of(fileSystem).add(DATA_TAG_KEY, DATA_TAG_VALUES.shared)
    this.fileSystem = fileSystem
    this.mountTargetsAvailable = fileSystem.mountTargetsAvailable
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
