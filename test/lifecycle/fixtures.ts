import type {Stack} from '@aws-sdk/client-cloudformation'

/** A DescribeStacks entry as CloudFormation returns it for a deployed environment. */
export function stackFor(name: string, overrides: Partial<Stack> & {domain?: string; outputs?: Record<string, string>} = {}): Stack {
  const {domain = 'genomics', outputs, ...rest} = overrides
  const defaultOutputs: Record<string, string> = {
    HubUrl: `https://d${name}.cloudfront.net`,
    InstanceId: `i-0${name.padEnd(16, '0').slice(0, 16)}`,
    HomeVolumeId: `vol-0${name.padEnd(16, '1').slice(0, 16)}`,
    NotebookBucket: `arw-${name}-notebooks-abc123`,
    UserPoolId: 'us-east-1_AbCdEf123',
    Region: 'us-east-1',
    LogGroup: `/arw/${name}/hub`,
    InstanceType: 'r6i.2xlarge',
    AutoShutdownMinutes: '60',
    Users: '8',
    AccessMode: 'public',
  }
  return {
    StackName: `arw-${name}`,
    StackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/arw-${name}/1f3e2d10-0000-11ef-9c1a-0a1b2c3d4e5f`,
    StackStatus: 'CREATE_COMPLETE',
    CreationTime: new Date('2026-11-01T09:00:00Z'),
    Tags: [
      {Key: 'aws-research-wizard:environment', Value: name},
      {Key: 'aws-research-wizard:domain', Value: domain},
      {Key: 'aws-research-wizard:owner', Value: 'ada'},
    ],
    Outputs: Object.entries(outputs ?? defaultOutputs).map(([OutputKey, OutputValue]) => ({OutputKey, OutputValue})),
    ...rest,
  }
}

export function accessDenied(action: string): Error {
  const error = new Error(`User: arn:aws:iam::123456789012:user/ada is not authorized to perform: ${action} on resource: *`)
  error.name = 'AccessDenied'
  return error
}

export function stackMissing(name: string): Error {
  const error = new Error(`Stack with id arw-${name} does not exist`)
  error.name = 'ValidationError'
  return error
}
