import {Match, Template} from 'aws-cdk-lib/assertions'
import {describe, it} from 'vitest'
import {buildApp} from '../../src/lib/synth/build-app.js'
import {specFor} from '../helpers/specs.js'

process.env.CDK_VALIDATION = 'false'

describe('the hub role and the notebook bucket', () => {
  it('may list the bucket and read its objects: what the instance-side notebook sync needs', async () => {
    const {stacks} = buildApp([await specFor('genomics')])
    const template = Template.fromStack(stacks[0]!)
    const bucket = Object.keys(template.findResources('AWS::S3::Bucket')).find((id) => id.startsWith('Notebooks'))!
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({Action: ['s3:GetBucketLocation', 's3:ListBucket'], Effect: 'Allow', Resource: {'Fn::GetAtt': [bucket, 'Arn']}}),
          Match.objectLike({
            Action: Match.arrayWith(['s3:GetObject']),
            Effect: 'Allow',
            Resource: {'Fn::Join': ['', [{'Fn::GetAtt': [bucket, 'Arn']}, '/*']]},
          }),
        ]),
      },
      Roles: Match.arrayWith([Match.objectLike({Ref: Match.stringLikeRegexp('^HubRole')})]),
    })
  })
})
