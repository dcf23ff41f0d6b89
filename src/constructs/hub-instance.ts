import {Validations} from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as iam from 'aws-cdk-lib/aws-iam'
import {Construct} from 'constructs'

/** Public SSM parameters resolved by CloudFormation at deploy time: synthesis needs no AWS. */
export const IMAGE_PARAMETERS = {
  ubuntu: {
    x86_64: '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id',
    arm64: '/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id',
  },
  deepLearning: {
    x86_64: '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id',
    arm64: '/aws/service/deeplearning/ami/arm64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id',
  },
} as const

export interface HubInstanceProps {
  readonly vpc: ec2.IVpc
  readonly subnet: ec2.ISubnet
  /**
   * CIDR the CloudFront VPC origin connects from; the only inbound rule.
   * @default - no inbound rule at all (private access through SSM port forwarding)
   */
  readonly originCidr?: string
  readonly instanceType: string
  readonly architecture: 'x86_64' | 'arm64'
  /** GPU types boot the Deep Learning AMI (NVIDIA driver + CUDA) instead of plain Ubuntu. */
  readonly gpu: boolean
  /**
   * A custom or pre-baked image.
   * @default - latest Ubuntu 24.04 LTS, or the Deep Learning AMI on GPU types, from public SSM parameters
   */
  readonly amiId?: string
  readonly region: string
  readonly rootVolumeGiB: number
  readonly userData: string
}

/** JupyterHub's port, reached only by the CloudFront VPC origin. */
export const HUB_PORT = 8000

/**
 * The hub EC2 instance: private subnet, IMDSv2 only, encrypted root volume, stops
 * (never terminates) on shutdown so the idle agent can power it off, no SSH key and
 * no port 22 (SSM Session Manager instead), detailed monitoring.
 */
export class HubInstance extends Construct {
  readonly instance: ec2.Instance
  readonly role: iam.Role
  readonly securityGroup: ec2.SecurityGroup

  constructor(scope: Construct, id: string, props: HubInstanceProps) {
    super(scope, id)
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'aws-research-wizard hub instance',
    })
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'JupyterHub: inbound only from the CloudFront VPC origin inside the VPC',
      allowAllOutbound: true,
    })
    if (props.originCidr)
      this.securityGroup.addIngressRule(ec2.Peer.ipv4(props.originCidr), ec2.Port.tcp(HUB_PORT), 'CloudFront VPC origin to JupyterHub')

    const userData = ec2.UserData.custom(props.userData)
    this.instance = new ec2.Instance(this, 'Resource', {
      vpc: props.vpc,
      vpcSubnets: {subnets: [props.subnet]},
      instanceType: new ec2.InstanceType(props.instanceType),
      machineImage: machineImage(props, userData),
      userData,
      role: this.role,
      securityGroup: this.securityGroup,
      requireImdsv2: true,
      detailedMonitoring: true,
      // Session Manager and Run Command without AmazonSSMManagedInstanceCore: that policy
      // also grants ssm:GetParameter on every parameter of the account (see below).
      ssmSessionPermissions: false,
      associatePublicIpAddress: false,
      instanceInitiatedShutdownBehavior: ec2.InstanceInitiatedShutdownBehavior.STOP,
      propagateTagsToVolumeOnCreation: true,
      blockDevices: [
        {
          deviceName: '/dev/sda1',
          volume: ec2.BlockDeviceVolume.ebs(props.rootVolumeGiB, {
            encrypted: true,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    })
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SessionManagerAndRunCommand',
        // The SSM agent's own channels; none of these has resource-level permissions.
        actions: [
          'ssm:UpdateInstanceInformation',
          'ssmmessages:CreateControlChannel',
          'ssmmessages:CreateDataChannel',
          'ssmmessages:OpenControlChannel',
          'ssmmessages:OpenDataChannel',
          'ec2messages:AcknowledgeMessage',
          'ec2messages:DeleteMessage',
          'ec2messages:FailMessage',
          'ec2messages:GetEndpoint',
          'ec2messages:GetMessages',
          'ec2messages:SendReply',
        ],
        resources: ['*'],
      }),
    )
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeOwnVolumes',
        actions: ['ec2:DescribeVolumes'],
        resources: ['*'],
      }),
    )
    Validations.of(this.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ec2:DescribeVolumes and the SSM agent channels (ssm:UpdateInstanceInformation, ssmmessages:*, ec2messages:*) have no resource-level permissions; cloudwatch:PutMetricData is limited to the AwsResearchWizard namespace by condition.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:${props.region}:<AWS::AccountId>:instance/*]`,
        reason: 'The hub attaches its home volume to itself; the instance resource is limited by the environment tag condition.',
      },
    )
    Validations.of(this.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The only inbound rule is the hub port from the VPC CIDR (the CloudFront VPC origin); cdk-nag cannot resolve the CIDR token.',
    })
    Validations.of(this.instance).acknowledge({
      id: 'AwsSolutions-EC29',
      reason: 'Termination protection would block `jupyter destroy`; data lives on the separately retained home volume, not the instance.',
    })
  }

  get instanceId(): string {
    return this.instance.instanceId
  }

  get connections(): ec2.Connections {
    return this.instance.connections
  }
}

function machineImage(props: HubInstanceProps, userData: ec2.UserData): ec2.IMachineImage {
  if (props.amiId) return ec2.MachineImage.genericLinux({[props.region]: props.amiId}, {userData})
  const family = props.gpu ? IMAGE_PARAMETERS.deepLearning : IMAGE_PARAMETERS.ubuntu
  return ec2.MachineImage.fromSsmParameter(family[props.architecture], {os: ec2.OperatingSystemType.LINUX, userData})
}
