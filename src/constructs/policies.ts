import {Annotations, type IAspect} from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as efs from 'aws-cdk-lib/aws-efs'
import type {IConstruct} from 'constructs'

/**
 * Organisation policy: every volume and file system is encrypted at rest. Any
 * construct that slips through (a new construct, an override) fails synthesis.
 */
export class RequireEncryption implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof ec2.CfnVolume && node.encrypted !== true) {
      Annotations.of(node).addError('EBS volumes must be encrypted (set encrypted: true).')
    }
    if (node instanceof efs.CfnFileSystem && node.encrypted !== true) {
      Annotations.of(node).addError('EFS file systems must be encrypted (set encrypted: true).')
    }
    if (node instanceof ec2.CfnInstance) {
      for (const mapping of (node.blockDeviceMappings as ec2.CfnInstance.BlockDeviceMappingProperty[] | undefined) ?? []) {
        const ebs = mapping.ebs as ec2.CfnInstance.EbsProperty | undefined
        if (ebs && ebs.encrypted !== true) Annotations.of(node).addError(`Block device ${mapping.deviceName} must be encrypted.`)
      }
    }
  }
}
