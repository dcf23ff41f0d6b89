import {Aspects, type CfnElement, CfnOutput, Duration, Lazy, RemovalPolicy, Stack, type StackProps, Tags, Validations} from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as logs from 'aws-cdk-lib/aws-logs'
import type {Construct} from 'constructs'
import * as s3assets from 'aws-cdk-lib/aws-s3-assets'
import type {HubImage} from '../lib/image/types.js'
import {instanceConfig, renderUserData, TEMPLATE_DIR} from '../lib/instance/user-data.js'
import {bootTimeoutMinutes} from '../lib/readiness/boot-timeout.js'
import type {EnvironmentSpec} from '../lib/spec/types.js'
import {AutoShutdown} from './auto-shutdown.js'
import {BootStatus} from './boot-status.js'
import {CostGuard} from './cost-guard.js'
import {DataMounts} from './data-mounts.js'
import {HomeVolume} from './home-volume.js'
import {adminPasswordParameterName, HubAccess, hubSettingsParameterName} from './hub-access.js'
import {HUB_PORT, HubInstance} from './hub-instance.js'
import {HubNetwork} from './hub-network.js'
import {NotebookBucket} from './notebook-bucket.js'
import {RequireEncryption} from './policies.js'
import {SharedStorage} from './shared-storage.js'
import {bootStatusParameterName, DEPLOY_RECORD_KEY, hubLogGroupName, OUTPUTS, TAG_KEYS} from './contract.js'

export {DEPLOY_RECORD_KEY, OUTPUTS, TAG_KEYS} from './contract.js'

export interface ResearchEnvironmentStackProps extends StackProps {
  readonly spec: EnvironmentSpec
  /**
   * The hub image the deploy resolved (resolveImage in src/lib/image): a concrete AMI id,
   * recorded in the deploy record so the next deploy, scale or diff reuses it instead of
   * whatever the public parameter names by then (a new image replaces the instance).
   * Not part of the spec: the same pack and flags give the same spec on any machine.
   * @default - spec.instance.amiId (--ami-id), else the public SSM parameter, resolved by
   *   CloudFormation at deploy time (synthesis without AWS: plans, `cdk synth`)
   */
  readonly image?: HubImage
}

/**
 * One research environment: a JupyterHub on a private EC2 instance with its data on
 * retained storage, reached over HTTPS through CloudFront and Cognito sign-in.
 * Pure: the same spec always synthesizes the same template.
 */
export class ResearchEnvironmentStack extends Stack {
  readonly hub: HubInstance
  readonly homeVolume: HomeVolume
  readonly sharedStorage?: SharedStorage
  readonly notebookBucket: NotebookBucket
  readonly access?: HubAccess

  constructor(scope: Construct, id: string, props: ResearchEnvironmentStackProps) {
    const {spec, image} = props
    if (image && spec.instance.amiId && image.imageId !== spec.instance.amiId) {
      throw new Error(`image ${image.imageId} contradicts --ami-id ${spec.instance.amiId}: resolveImage gives --ami-id precedence`)
    }
    super(scope, id, {
      description: `aws-research-wizard: ${spec.displayName} JupyterHub "${spec.name}"`,
      ...props,
      env: {region: spec.region, ...props.env},
    })

    const {restore} = spec
    const network = new HubNetwork(
      this,
      'Network',
      spec.network.mode === 'existing'
        ? {existing: spec.network}
        : restore?.availabilityZone
          ? {availabilityZone: restore.availabilityZone}
          : {},
    )
    // Restored pieces are referenced, not created: the stack can never delete them.
    this.notebookBucket = new NotebookBucket(this, 'Notebooks', restore?.notebookBucket ? {existingBucketName: restore.notebookBucket} : {})
    this.homeVolume = new HomeVolume(this, 'HomeVolume', {
      sizeGiB: spec.storage.homeVolumeGiB,
      availabilityZone: network.availabilityZone,
      ...(restore?.homeVolumeId ? {existingVolumeId: restore.homeVolumeId} : {}),
      ...(restore?.homeSnapshotId ? {snapshotId: restore.homeSnapshotId} : {}),
    })
    const bootStatus = new BootStatus(this, 'BootStatus', {environmentName: spec.name})
    const logGroup = new logs.LogGroup(this, 'HubLogs', {
      logGroupName: hubLogGroupName(spec.name),
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.sharedStorage = spec.storage.sharedFileSystem
      ? new SharedStorage(this, 'SharedStorage', {
          vpc: network.vpc,
          subnet: network.subnet,
          ...(restore?.sharedFileSystemId ? {existingFileSystemId: restore.sharedFileSystemId} : {}),
        })
      : undefined

    // The instance scripts travel as a file asset (uploaded by the deploy, read by the
    // instance role): user data is capped at 16 KiB and the scripts alone are close to it.
    const instanceFiles = new s3assets.Asset(this, 'InstanceFiles', {path: TEMPLATE_DIR, exclude: ['__pycache__', '*.pyc']})
    const userData = renderUserData(
      instanceConfig(spec, {
        homeVolumeId: this.homeVolume.volumeId,
        sharedFileSystemId: this.sharedStorage?.fileSystemId,
        notebookBucket: this.notebookBucket.bucket.bucketName,
        logGroup: logGroup.logGroupName,
        hubSettingsParameter: spec.access === 'public' ? hubSettingsParameterName(spec.name) : '',
        adminPasswordParameter: spec.access === 'private' ? adminPasswordParameterName(spec.name) : '',
        filesBucket: instanceFiles.s3BucketName,
        filesKey: instanceFiles.s3ObjectKey,
        stackName: this.stackName,
        // The instance is created below from this user data; its logical id is known by then.
        hubLogicalId: Lazy.string({produce: () => this.getLogicalId(this.hub.instance.node.defaultChild as CfnElement)}),
        bootStatusParameter: bootStatusParameterName(spec.name),
      }),
    )
    this.hub = new HubInstance(this, 'Hub', {
      vpc: network.vpc,
      subnet: network.subnet,
      originCidr: spec.access === 'public' ? network.vpcCidr : undefined,
      instanceType: spec.instance.type,
      architecture: spec.instance.architecture,
      gpu: spec.instance.gpu,
      amiId: image?.imageId ?? spec.instance.amiId,
      region: spec.region,
      rootVolumeGiB: spec.instance.rootVolumeGiB + spec.storage.scratchGiB,
      userData,
      signalTimeout: Duration.minutes(bootTimeoutMinutes(spec)),
      egress: network.egress,
    })
    bootStatus.grantReport(this.hub.role)
    // The instance overwrites the parameter the stack creates: it must not boot first, or
    // its PutParameter would create the parameter and the stack's own create would fail.
    // (User data carries the name as a literal, so nothing else orders the two directly.)
    this.hub.instance.node.addDependency(bootStatus)
    // Exactly that object: asset.grantRead() would open the whole bootstrap bucket.
    this.hub.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:${this.partition}:s3:::${instanceFiles.s3BucketName}/${instanceFiles.s3ObjectKey}`],
      }),
    )
    this.homeVolume.grantSelfAttach(this.hub.role, {key: TAG_KEYS.environment, value: spec.name})
    this.sharedStorage?.grantMount({connections: this.hub.connections, role: this.hub.role})
    // A kept file system gets its mount target from this stack: the hub mounts /shared at boot.
    if (restore?.sharedFileSystemId && this.sharedStorage) this.hub.instance.node.addDependency(this.sharedStorage.mountTargetsAvailable)
    this.notebookBucket.grantObjectReadWrite(this.hub.role)
    logGroup.grantWrite(this.hub.role)
    this.hub.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: {StringEquals: {'cloudwatch:namespace': 'AwsResearchWizard'}},
      }),
    )
    new DataMounts(this, 'DataMounts', {
      role: this.hub.role,
      grants: [
        ...spec.readBuckets.map((location) => ({location, access: 'read-only' as const})),
        ...spec.dataMounts.map((mount) => ({location: mount.source, access: mount.access ?? 'read-only'})),
      ],
    })

    if (spec.access === 'public') {
      this.access = new HubAccess(this, 'Access', {environmentName: spec.name, instance: this.hub.instance, adminEmail: spec.adminEmail})
      this.access.grantHubSettingsRead(this.hub.role)
    } else {
      // The instance generates the admin password and stores it as a SecureString;
      // it never passes through the template, the CLI or a log.
      this.hub.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ssm:PutParameter', 'ssm:GetParameter'],
          resources: [
            this.formatArn({service: 'ssm', resource: 'parameter', resourceName: adminPasswordParameterName(spec.name).slice(1)}),
          ],
        }),
      )
      // `jupyter users add/remove` (configure/users.py) keeps each local account's password here.
      this.hub.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ssm:PutParameter', 'ssm:DeleteParameter'],
          resources: [this.formatArn({service: 'ssm', resource: 'parameter', resourceName: `arw/${spec.name}/users/*`})],
        }),
      )
      Validations.of(this.hub.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${spec.region}:<AWS::AccountId>:parameter/arw/${spec.name}/users/*]`,
        reason: "One password parameter per hub user, named by account; limited to this environment's users/ path.",
      })
    }

    if (spec.autoShutdown.idleMinutes > 0) {
      const autoShutdown = new AutoShutdown(this, 'AutoShutdown', {
        instance: this.hub.instance,
        environmentName: spec.name,
        idleMinutes: spec.autoShutdown.idleMinutes,
        cpuThresholdPercent: spec.autoShutdown.cpuThresholdPercent,
        gpuThresholdPercent: spec.autoShutdown.gpuThresholdPercent,
        gpu: spec.instance.gpu,
        role: this.hub.role,
      })
      // The instance writes the parameter the stack creates: it must exist first (as boot status).
      this.hub.instance.node.addDependency(autoShutdown.idleStatus)
    }
    if (spec.cost.monthlyBudgetUsd !== undefined) {
      new CostGuard(this, 'CostGuard', {
        environmentName: spec.name,
        tagKey: TAG_KEYS.environment,
        monthlyBudgetUsd: spec.cost.monthlyBudgetUsd,
        alertEmails: spec.cost.alertEmails,
        alertPercents: spec.cost.alertPercents,
        ...(spec.cost.stopAtLimit ? {stopInstance: {instanceId: this.hub.instance.instanceId, region: spec.region}} : {}),
      })
    }

    Tags.of(this).add(TAG_KEYS.environment, spec.name)
    Tags.of(this).add(TAG_KEYS.domain, spec.domain)
    Tags.of(this).add(TAG_KEYS.owner, spec.owner)
    for (const [key, value] of Object.entries(spec.tags)) Tags.of(this).add(key, value)
    Aspects.of(this).add(new RequireEncryption())
    // The stack is the only record of an environment: keep what it was made from so
    // scale and diff can rebuild the same spec on any machine.
    // A JSON string: template metadata may not hold fractional numbers (cpu_per_user: 0.5).
    this.templateOptions.metadata = {
      [DEPLOY_RECORD_KEY]: JSON.stringify({
        version: 1,
        domain: spec.domain,
        overrides: spec.overrides,
        pack: spec.pack,
        // The notebooks as deployed: scale and diff rebuild the spec without the pack's directory.
        ...(spec.exampleNotebooks.length > 0 ? {exampleNotebooks: spec.exampleNotebooks} : {}),
        // Only what identifies the image: the same image gives the same record on every deploy.
        ...(image ? {image: recordableImage(image)} : {}),
      }),
    }

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, {value, description})
    output(
      OUTPUTS.hubUrl,
      this.access?.hubUrl ?? `http://localhost:${HUB_PORT}`,
      this.access ? 'Open this to sign in to JupyterHub' : 'Open after starting SSM port forwarding to the instance',
    )
    output(OUTPUTS.users, String(spec.users), 'Users the hub is sized for')
    output(OUTPUTS.accessMode, spec.access, 'public (CloudFront + Cognito) or private (SSM port forwarding)')
    output(OUTPUTS.instanceId, this.hub.instanceId, 'Hub EC2 instance')
    output(OUTPUTS.homeVolumeId, this.homeVolume.volumeId, 'EBS volume holding /home (snapshotted on destroy)')
    if (this.sharedStorage) output(OUTPUTS.sharedFileSystemId, this.sharedStorage.fileSystemId, 'EFS at /shared (retained on destroy)')
    output(OUTPUTS.notebookBucket, this.notebookBucket.bucket.bucketName, 'S3 bucket for notebooks and backups (retained on destroy)')
    if (this.access) output(OUTPUTS.userPoolId, this.access.userPool.userPoolId, 'Cognito user pool for hub sign-in (retained on destroy)')
    output(OUTPUTS.region, this.region, 'Region of the environment')
    output(OUTPUTS.logGroup, logGroup.logGroupName, 'Hub and bootstrap logs')
    output(OUTPUTS.instanceType, spec.instance.type, 'Hub instance type')
    output(OUTPUTS.autoShutdownMinutes, String(spec.autoShutdown.idleMinutes), 'Idle minutes before the hub stops (0 = never)')
  }
}

/** The fields of an image kept in the deploy record (not how this deploy came to choose it). */
function recordableImage(image: HubImage): Omit<HubImage, 'source'> {
  const {imageId, name, creationDate, parameter} = image
  return {imageId, ...(name ? {name} : {}), ...(creationDate ? {creationDate} : {}), ...(parameter ? {parameter} : {})}
}
