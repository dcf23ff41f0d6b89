import {Aws, type Duration, Token, Validations} from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as iam from 'aws-cdk-lib/aws-iam'
import {Construct, type IDependable} from 'constructs'
import {imageParameterFor} from '../lib/image/image-parameters.js'

export {IMAGE_PARAMETERS} from '../lib/image/image-parameters.js'

/** CloudFormation's longest ResourceSignal timeout. */
export const MAX_SIGNAL_TIMEOUT_MINUTES = 12 * 60

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
   * A concrete image: --ami-id, or the public image the deploy resolved once and the
   * stack recorded, so later updates do not pick up a newer image and replace the hub.
   * @default - latest Ubuntu 24.04 LTS, or the Deep Learning AMI on GPU types, from public
   *   SSM parameters resolved by CloudFormation (synthesis without AWS: plans, `cdk synth`)
   */
  readonly amiId?: string
  /**
   * Wait this long for the instance to signal that the hub answers (a CreationPolicy
   * with one ResourceSignal), and let its role send that signal for this stack only.
   * @default - no creation policy: CloudFormation reports the instance created as soon as EC2 launches it
   */
  readonly signalTimeout?: Duration
  /**
   * What must exist before the instance boots, e.g. the private subnet's default route
   * through the NAT gateway: the first apt-get runs seconds after launch.
   * @default - nothing (an existing network whose routes are already in place)
   */
  readonly egress?: IDependable
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
    const cfnInstance = this.instance.node.defaultChild as ec2.CfnInstance
    if (props.egress) cfnInstance.node.addDependency(props.egress)
    if (props.signalTimeout) this.waitForSignal(cfnInstance, props.signalTimeout)
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

  /**
   * CreationPolicy: the stack (and a replacement of the instance during an update) is
   * complete only when the hub itself says it serves, so a deploy that "succeeds" always
   * has a working hub and a failed install rolls back instead of leaving a broken one.
   */
  private waitForSignal(cfnInstance: ec2.CfnInstance, timeout: Duration): void {
    const minutes = timeout.toMinutes({integral: false})
    if (!Token.isUnresolved(minutes) && (minutes <= 0 || minutes > MAX_SIGNAL_TIMEOUT_MINUTES)) {
      throw new Error(`signalTimeout must be between 1 minute and ${MAX_SIGNAL_TIMEOUT_MINUTES / 60} hours, got ${timeout.toHumanString()}`)
    }
    cfnInstance.cfnOptions.creationPolicy = {resourceSignal: {count: 1, timeout: timeout.toIsoString()}}
    // AWS::StackId is this stack's full ARN (stack/<name>/<uuid>): tighter than
    // stack/<name>/*, which would also match a later stack of the same name.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({sid: 'SignalReadiness', actions: ['cloudformation:SignalResource'], resources: [Aws.STACK_ID]}),
    )
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
  return ec2.MachineImage.fromSsmParameter(imageParameterFor(props.architecture, props.gpu), {os: ec2.OperatingSystemType.LINUX, userData})
}
