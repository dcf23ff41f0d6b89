import {readFileSync} from 'fs'
import {join} from 'path'
import * as cdk from 'aws-cdk-lib'
import * as budgets from 'aws-cdk-lib/aws-budgets'
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront'
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions'
import * as cognito from 'aws-cdk-lib/aws-cognito'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as efs from 'aws-cdk-lib/aws-efs'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as s3 from 'aws-cdk-lib/aws-s3'
import * as ssm from 'aws-cdk-lib/aws-ssm'
import {Construct} from 'constructs'

/** The same resources as aws-research-wizard's ResearchEnvironmentStack, as a plain CDK app. */
export class BaselineResearchStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props)
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 1,
      natGateways: 1,
      subnetConfiguration: [
        {name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24},
        {name: 'hub', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22},
      ],
      gatewayEndpoints: {S3: {service: ec2.GatewayVpcEndpointAwsService.S3}},
    })
    vpc.addFlowLog('FlowLog', {destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogs'))})
    const bucket = new s3.Bucket(this, 'Notebooks', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    })
    const home = new ec2.Volume(this, 'Home', {
      availabilityZone: vpc.privateSubnets[0].availabilityZone,
      size: cdk.Size.gibibytes(500),
      volumeType: ec2.EbsDeviceVolumeType.GP3,
      encrypted: true,
      removalPolicy: cdk.RemovalPolicy.SNAPSHOT,
    })
    const fileSystem = new efs.FileSystem(this, 'Shared', {vpc, encrypted: true, removalPolicy: cdk.RemovalPolicy.RETAIN})
    const role = new iam.Role(this, 'HubRole', {assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com')})
    const securityGroup = new ec2.SecurityGroup(this, 'HubSg', {vpc})
    securityGroup.addIngressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(8000))
    const userData = ec2.UserData.custom(
      readFileSync(join(__dirname, '..', '..', '..', 'templates', 'instance', 'install', 'install.py'), 'utf8'),
    )
    const instance = new ec2.Instance(this, 'Hub', {
      vpc,
      vpcSubnets: {subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS},
      instanceType: new ec2.InstanceType('g5.xlarge'),
      machineImage: ec2.MachineImage.fromSsmParameter(
        '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id',
      ),
      role,
      securityGroup,
      userData,
      requireImdsv2: true,
      detailedMonitoring: true,
      ssmSessionPermissions: true,
      blockDevices: [
        {deviceName: '/dev/sda1', volume: ec2.BlockDeviceVolume.ebs(200, {encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3})},
      ],
    })
    fileSystem.connections.allowDefaultPortFrom(instance)
    fileSystem.grantReadWrite(role)
    bucket.grantReadWrite(role)
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:ListBucket'],
        resources: ['arn:aws:s3:::fast-ai-imageclas', 'arn:aws:s3:::fast-ai-imageclas/*'],
      }),
    )
    const hubLogs = new logs.LogGroup(this, 'HubLogs', {retention: logs.RetentionDays.THREE_MONTHS})
    hubLogs.grantWrite(role)
    const pool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: {email: true},
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    })
    pool.addDomain('Domain', {cognitoDomain: {domainPrefix: `baseline-${cdk.Aws.ACCOUNT_ID}`}})
    const distribution = new cloudfront.Distribution(this, 'Cdn', {
      defaultBehavior: {
        origin: origins.VpcOrigin.withEc2Instance(instance, {httpPort: 8000, protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY}),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER,
      },
    })
    const client = pool.addClient('Hub', {
      generateSecret: true,
      oAuth: {flows: {authorizationCodeGrant: true}, callbackUrls: [`https://${distribution.distributionDomainName}/hub/oauth_callback`]},
    })
    new ssm.StringParameter(this, 'Settings', {
      stringValue: cdk.Stack.of(this).toJsonString({userPoolId: pool.userPoolId, clientId: client.userPoolClientId}),
    })
    const alarm = new cloudwatch.Alarm(this, 'Idle', {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/EC2',
        metricName: 'CPUUtilization',
        dimensionsMap: {InstanceId: instance.instanceId},
        period: cdk.Duration.minutes(5),
      }),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 12,
    })
    alarm.addAlarmAction(new actions.Ec2Action(actions.Ec2InstanceAction.STOP))
    new budgets.CfnBudget(this, 'Budget', {budget: {budgetType: 'COST', timeUnit: 'MONTHLY', budgetLimit: {amount: 500, unit: 'USD'}}})
    new cdk.CfnOutput(this, 'HubUrl', {value: `https://${distribution.distributionDomainName}`})
    new cdk.CfnOutput(this, 'HomeVolumeId', {value: home.volumeId})
  }
}
