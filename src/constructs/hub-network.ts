import {Annotations, RemovalPolicy} from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as logs from 'aws-cdk-lib/aws-logs'
import {Construct, DependencyGroup, type IDependable} from 'constructs'

export interface HubNetworkProps {
  /**
   * An existing VPC and private subnet (with outbound internet) to place the hub in.
   * Passed as attributes so synthesis needs no AWS lookups.
   * @default - a new VPC with one public and one private subnet and one NAT gateway
   */
  readonly existing?: {readonly vpcId: string; readonly subnetId: string; readonly availabilityZone: string; readonly vpcCidr: string}
  /**
   * The zone of a new VPC's subnets: a restored home volume attaches only in its own zone.
   * Ignored with `existing` (its zone is given there).
   * @default - the region's first zone
   */
  readonly availabilityZone?: string
}

/**
 * Where the hub lives: a private subnet with outbound internet (package installs)
 * and no inbound path from the internet. The only way in is CloudFront's VPC origin.
 *
 * A new VPC gets one NAT gateway (about $33/month): the private hub needs outbound
 * internet for conda, apt and PyPI, and a NAT gateway is the managed, patched way to
 * give it. An S3 gateway endpoint (free) keeps data-mount traffic off the NAT.
 */
export class HubNetwork extends Construct {
  readonly vpc: ec2.IVpc
  readonly subnet: ec2.ISubnet
  readonly vpcCidr: string
  /**
   * Exists once the hub subnet's outbound paths do: its route table association, the
   * default route through the NAT gateway (which itself waits for the internet gateway)
   * and the S3 gateway endpoint. The instance depends on it so its first download does
   * not race the network. Empty for an existing network: its routes already exist.
   */
  readonly egress: IDependable

  constructor(scope: Construct, id: string, props: HubNetworkProps = {}) {
    super(scope, id)
    if (props.existing) {
      const {vpcId, subnetId, availabilityZone, vpcCidr} = props.existing
      this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Resource', {
        vpcId,
        availabilityZones: [availabilityZone],
        privateSubnetIds: [subnetId],
        vpcCidrBlock: vpcCidr,
      })
      this.subnet = ec2.Subnet.fromSubnetAttributes(this, 'Subnet', {subnetId, availabilityZone})
      // Nothing here reads the subnet's route table (no endpoints or routes are added to an
      // existing network), so the warning that it is unknown says nothing a user can act on.
      for (const node of [this, this.vpc])
        Annotations.of(node).acknowledgeWarning(
          '@aws-cdk/aws-ec2:noSubnetRouteTableId',
          'the route table of an existing subnet is never used',
        )
      this.vpcCidr = vpcCidr
      this.egress = new DependencyGroup()
      return
    }
    const vpc = new ec2.Vpc(this, 'Resource', {
      ipAddresses: ec2.IpAddresses.cidr('10.42.0.0/16'),
      ...(props.availabilityZone ? {availabilityZones: [props.availabilityZone]} : {maxAzs: 1}),
      natGateways: 1,
      subnetConfiguration: [
        {name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24},
        {name: 'hub', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22},
      ],
      restrictDefaultSecurityGroup: false,
    })
    // Same construct id as the `gatewayEndpoints` option would use (same logical id), kept as a reference.
    const s3Endpoint = vpc.addGatewayEndpoint('S3', {service: ec2.GatewayVpcEndpointAwsService.S3})
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    })
    this.vpc = vpc
    this.subnet = vpc.privateSubnets[0] as ec2.ISubnet
    this.vpcCidr = vpc.vpcCidrBlock
    this.egress = new DependencyGroup(this.subnet.internetConnectivityEstablished, s3Endpoint)
  }

  get availabilityZone(): string {
    return this.subnet.availabilityZone
  }
}
