import {RemovalPolicy, Size, Stack, Tags} from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as iam from 'aws-cdk-lib/aws-iam'
import {Construct} from 'constructs'
import {DATA_TAG_KEY, DATA_TAG_VALUES} from './contract.js'

export interface HomeVolumeProps {
  /** Size in GiB. Growing it is an in-place update; EBS volumes cannot shrink. */
  readonly sizeGiB: number
  /** Must be the hub subnet's zone: EBS volumes attach only within one zone. */
  readonly availabilityZone: string
  /**
   * What happens to the data when the stack is deleted.
   * @default RemovalPolicy.SNAPSHOT - a final snapshot is taken
   */
  readonly removalPolicy?: RemovalPolicy
  /**
   * A kept volume (in availabilityZone) to use as /home instead of a new one. It is not
   * part of the stack, so no update or deletion of the stack can delete it.
   * @default - a new, empty volume
   */
  readonly existingVolumeId?: string
  /**
   * A kept snapshot to make the new volume from (sizeGiB must hold it).
   * @default - a new, empty volume
   */
  readonly snapshotId?: string
}

/**
 * Everyone's /home on its own encrypted gp3 volume, independent of the instance, so
 * stop, scale, a type change and even instance replacement keep every user's files.
 * The instance attaches it at boot (see templates/instance/bootstrap.sh for why).
 */
export class HomeVolume extends Construct {
  readonly volume: ec2.IVolume

  constructor(scope: Construct, id: string, props: HomeVolumeProps) {
    super(scope, id)
    if (props.existingVolumeId && props.snapshotId) throw new Error('HomeVolume: give existingVolumeId or snapshotId, not both')
    if (props.existingVolumeId) {
      this.volume = ec2.Volume.fromVolumeAttributes(this, 'Resource', {
        volumeId: props.existingVolumeId,
        availabilityZone: props.availabilityZone,
      })
      return
    }
    this.volume = new ec2.Volume(this, 'Resource', {
      availabilityZone: props.availabilityZone,
      size: Size.gibibytes(props.sizeGiB),
      volumeType: ec2.EbsDeviceVolumeType.GP3,
      encrypted: true,
      ...(props.snapshotId ? {snapshotId: props.snapshotId} : {}),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.SNAPSHOT,
    })
    // With the environment tag, this finds the volume (and destroy its snapshot) once the stack is gone.
    Tags.of(this.volume).add(DATA_TAG_KEY, DATA_TAG_VALUES.home)
  }

  get volumeId(): string {
    return this.volume.volumeId
  }

  /** Lets an instance (identified by its environment tag) attach this volume to itself. */
  grantSelfAttach(role: iam.IRole, environmentTag: {key: string; value: string}): void {
    const stack = Stack.of(this)
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:AttachVolume'],
        resources: [stack.formatArn({service: 'ec2', resource: 'volume', resourceName: this.volume.volumeId})],
      }),
    )
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:AttachVolume'],
        resources: [stack.formatArn({service: 'ec2', resource: 'instance', resourceName: '*'})],
        conditions: {StringEquals: {[`aws:ResourceTag/${environmentTag.key}`]: environmentTag.value}},
      }),
    )
  }
}
