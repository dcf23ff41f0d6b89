import * as iam from 'aws-cdk-lib/aws-iam'
import * as ssm from 'aws-cdk-lib/aws-ssm'
import {Construct} from 'constructs'
import {bootStatusParameterName} from './contract.js'

/** The value the stack writes before the instance reports anything. */
export const INITIAL_BOOT_STATUS = '{"phase":"pending"}'

export interface BootStatusProps {
  /** The environment name; the parameter is `/arw/<name>/boot-status`. */
  readonly environmentName: string
}

/**
 * The SSM parameter the hub instance reports its boot progress to, and `deploy` and
 * `status` read. The stack creates it (with a placeholder) rather than the instance, so
 * it belongs to the stack and is deleted with it: a destroyed environment leaves no
 * parameter behind, and a redeploy of the same name does not read a stale status.
 */
export class BootStatus extends Construct {
  readonly parameter: ssm.StringParameter

  constructor(scope: Construct, id: string, props: BootStatusProps) {
    super(scope, id)
    this.parameter = new ssm.StringParameter(this, 'Resource', {
      parameterName: bootStatusParameterName(props.environmentName),
      stringValue: INITIAL_BOOT_STATUS,
      description: 'aws-research-wizard: hub boot progress, written by the hub instance',
      tier: ssm.ParameterTier.STANDARD,
    })
    // Untagged: a standard parameter is free (nothing to allocate cost to) and is named
    // and deleted with its environment, so the tags would add nothing. And moto's
    // CloudFormation cannot create a parameter with tags (it reads the Tags map as a
    // list), which would keep every environment out of the end-to-end tests.
    const cfnParameter = this.parameter.node.defaultChild as ssm.CfnParameter
    cfnParameter.addPropertyDeletionOverride('Tags')
  }

  get parameterName(): string {
    return this.parameter.parameterName
  }

  /**
   * Lets the instance overwrite and re-read its status: exactly PutParameter and
   * GetParameter on this one parameter (grantWrite/grantRead would add history and
   * DescribeParameters, which the instance does not need).
   */
  grantReport(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:PutParameter', 'ssm:GetParameter'],
      resourceArns: [this.parameter.parameterArn],
    })
  }
}
