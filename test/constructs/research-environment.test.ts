import {Match, Template} from 'aws-cdk-lib/assertions'
import {beforeAll, describe, expect, it} from 'vitest'
import {IMAGE_PARAMETERS} from '../../src/constructs/hub-instance.js'
import {OUTPUTS, TAG_KEYS} from '../../src/constructs/research-environment-stack.js'
import type {EnvironmentSpec} from '../../src/lib/spec/types.js'
import {buildApp} from '../../src/lib/synth/build-app.js'
import {specFor} from '../helpers/specs.js'

process.env.CDK_VALIDATION = 'false'

function templateOf(spec: EnvironmentSpec): Template {
  const {stacks} = buildApp([spec])
  return Template.fromStack(stacks[0]!)
}

describe('ResearchEnvironmentStack security properties (genomics)', () => {
  let template: Template
  beforeAll(async () => {
    template = templateOf(await specFor('genomics', {sharedStorage: '1TB', monthlyBudgetUsd: 500}))
  })

  it('requires IMDSv2 on the hub instance', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {MetadataOptions: {HttpTokens: 'required'}},
    })
  })

  it('gives the hub role no account-wide parameter access (no AmazonSSMManagedInstanceCore)', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(JSON.stringify(role.Properties.ManagedPolicyArns ?? [])).not.toContain('AmazonSSMManagedInstanceCore')
    }
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p.Properties.PolicyDocument as {Statement: {Action: string | string[]; Resource: unknown}[]}).Statement,
    )
    // Only this environment's parameters: by name, or by reference to a parameter of this stack.
    const own = Object.keys(template.findResources('AWS::SSM::Parameter')).map((id) => `{"Ref":"${id}"}`)
    for (const statement of statements) {
      const actions = [statement.Action].flat()
      if (!actions.some((a) => a.startsWith('ssm:Get') || a.startsWith('ssm:Put'))) continue
      const resource = JSON.stringify(statement.Resource)
      expect(/parameter\/arw\/lab1\//.test(resource) || own.some((ref) => resource.includes(ref)), resource).toBe(true)
      expect(resource).not.toMatch(/parameter\/\*|"\*"/)
    }
    expect(JSON.stringify(statements)).toContain('ssmmessages:OpenDataChannel')
  })

  it('encrypts the root volume, stops on shutdown, monitors in detail and has no SSH key or public IP', () => {
    template.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 'r6i.2xlarge',
      InstanceInitiatedShutdownBehavior: 'stop',
      Monitoring: true,
      BlockDeviceMappings: [{DeviceName: '/dev/sda1', Ebs: {Encrypted: true, VolumeType: 'gp3', VolumeSize: 650}}],
      KeyName: Match.absent(),
      NetworkInterfaces: [Match.objectLike({AssociatePublicIpAddress: false})],
    })
    const instances = template.findResources('AWS::EC2::Instance')
    expect(JSON.stringify(instances)).not.toContain('AssociatePublicIpAddress":true')
  })

  it('resolves the image from the public Ubuntu SSM parameter at deploy time', () => {
    const parameters = template.toJSON().Parameters as Record<string, {Type: string; Default: string}>
    const image = Object.values(parameters).find((p) => p.Type.includes('AWS::EC2::Image::Id'))
    expect(image?.Default).toBe(IMAGE_PARAMETERS.ubuntu.x86_64)
  })

  it('opens no port to the internet and no SSH anywhere', () => {
    const groups = template.findResources('AWS::EC2::SecurityGroup')
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress')
    const rules = [
      ...Object.values(groups).flatMap((g) => (g.Properties?.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? []),
      ...Object.values(ingress).map((r) => r.Properties as Record<string, unknown>),
    ]
    expect(rules.length).toBeGreaterThan(0)
    for (const rule of rules) {
      expect(rule.CidrIp).not.toBe('0.0.0.0/0')
      expect(rule.CidrIpv6).not.toBe('::/0')
      expect(rule.FromPort).not.toBe(22)
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [
        Match.objectLike({FromPort: 8000, ToPort: 8000, CidrIp: {'Fn::GetAtt': [Match.stringLikeRegexp('^Network'), 'CidrBlock']}}),
      ],
    })
  })

  it('keeps /home on an encrypted gp3 volume that is snapshotted, not deleted', () => {
    template.hasResource('AWS::EC2::Volume', {
      Properties: {Encrypted: true, VolumeType: 'gp3', Size: 500},
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    })
    // Attached by the instance itself (see bootstrap.sh), so instance replacement cannot strand it.
    template.resourceCountIs('AWS::EC2::VolumeAttachment', 0)
  })

  it('retains an encrypted EFS for /shared', () => {
    template.hasResource('AWS::EFS::FileSystem', {Properties: {Encrypted: true}, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain'})
  })

  it('retains a private, TLS-only, versioned notebook bucket', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: {Status: 'Enabled'},
      },
      DeletionPolicy: 'Retain',
    })
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({Effect: 'Deny', Condition: {Bool: {'aws:SecureTransport': 'false'}}})]),
      },
    })
  })

  it('grants read-only access to exactly the pack buckets', () => {
    const policies = template.findResources('AWS::IAM::Policy', {Properties: {PolicyName: Match.stringLikeRegexp('^DataMounts')}})
    const statements = Object.values(policies).flatMap(
      (p) => (p.Properties.PolicyDocument as {Statement: {Action: string | string[]; Resource: unknown}[]}).Statement,
    )
    const text = JSON.stringify(statements)
    for (const bucket of ['1000genomes', 'gnomad-public-us-east-1', 'broad-references']) expect(text).toContain(`:s3:::${bucket}/*`)
    const actions = new Set(statements.flatMap((s) => [s.Action].flat()))
    expect([...actions].sort()).toEqual(['s3:GetBucketLocation', 's3:GetObject', 's3:ListBucket'])
  })

  it('gives read-write only to mounts that ask for it', async () => {
    const spec = await specFor('genomics')
    const rw = {
      ...spec,
      dataMounts: [{source: 's3://lab-results/runs', mount_path: '/data/results', access: 'read-write' as const, requester_pays: false}],
    }
    const text = JSON.stringify(
      templateOf(rw).findResources('AWS::IAM::Policy', {Properties: {PolicyName: Match.stringLikeRegexp('^DataMounts')}}),
    )
    expect(text).toContain('lab-results/runs/*')
    expect(text).toContain('s3:PutObject')
    expect(text).toMatch(/"s3:prefix":\["runs\/\*","runs"\]/)
  })

  it('serves the hub over HTTPS through CloudFront with a VPC origin, caching off', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        DefaultCacheBehavior: {ViewerProtocolPolicy: 'redirect-to-https', AllowedMethods: Match.arrayWith(['PUT', 'POST', 'DELETE'])},
      },
    })
    template.hasResourceProperties('AWS::CloudFront::VpcOrigin', {
      VpcOriginEndpointConfig: {HTTPPort: 8000, OriginProtocolPolicy: 'http-only'},
    })
  })

  it('signs people in through a retained Cognito pool with no self sign-up', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      Properties: {AdminCreateUserConfig: {AllowAdminCreateUserOnly: true}, DeletionProtection: 'ACTIVE'},
      DeletionPolicy: 'Retain',
    })
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {GenerateSecret: true, AllowedOAuthFlows: ['code']})
    template.hasResourceProperties('AWS::Cognito::UserPoolUser', {Username: 'ada@example.org'})
  })

  it('stops the instance through a CloudWatch alarm over the busiest core, only after the agent had its chance', () => {
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm'))[0]!.Properties
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':automate:us-east-1:ec2:stop$')])]}],
    })
    expect(alarm).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      // 5-minute periods over idle (60) + 30 minutes: longer than the agent's one-minute cycle and idle window.
      EvaluationPeriods: 18,
      DatapointsToAlarm: 18,
      TreatMissingData: 'notBreaching',
    })
    const queries = alarm.Metrics as {
      Id: string
      Expression?: string
      MetricStat?: {Metric: {MetricName: string; Namespace: string}; Stat: string; Period: number}
    }[]
    expect(queries.find((q) => q.Expression)?.Expression).toBe('MAX([cores / 5, ec2 / 5, agent])')
    const cores = queries.find((q) => q.Id === 'cores')!.MetricStat!
    // The CloudWatch agent's per-core series rolled up by instance: Maximum is the busiest core, not the average.
    expect(cores).toMatchObject({Metric: {Namespace: 'AwsResearchWizard', MetricName: 'cpu_usage_active'}, Stat: 'Maximum', Period: 300})
    expect(queries.some((q) => q.MetricStat?.Metric.MetricName === 'nvidia_smi_utilization_gpu')).toBe(false)
    // While the agent lives and counts the hub busy (a silent kernel, a terminal), the alarm stays quiet.
    expect(queries.find((q) => q.Id === 'agent')!.MetricStat).toMatchObject({Metric: {MetricName: 'IdleAgentBusy'}, Stat: 'Maximum'})
    // The agent's decision, for `jupyter status`: a parameter the hub role may write and nothing else.
    template.hasResourceProperties('AWS::SSM::Parameter', {Name: '/arw/lab1/idle-status'})
  })

  it('on GPU types the alarm also waits for the GPU to be quiet', async () => {
    const gpu = templateOf(await specFor('machine-learning'))
    const alarm = Object.values(gpu.findResources('AWS::CloudWatch::Alarm'))[0]!.Properties
    const queries = alarm.Metrics as {Id: string; Expression?: string; MetricStat?: {Metric: {MetricName: string}}}[]
    expect(queries.find((q) => q.Expression)?.Expression).toMatch(/^MAX\(\[cores \/ [\d.]+, ec2 \/ [\d.]+, agent, gpu \/ [\d.]+\]\)$/)
    expect(queries.find((q) => q.Id === 'gpu')?.MetricStat?.Metric.MetricName).toBe('nvidia_smi_utilization_gpu')
  })

  it('budgets by the environment cost-allocation tag with e-mail alerts', () => {
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {BudgetLimit: {Amount: 500, Unit: 'USD'}, CostFilters: {TagKeyValue: [`user:${TAG_KEYS.environment}$lab1`]}},
      NotificationsWithSubscribers: Match.arrayWith([
        Match.objectLike({Subscribers: [{SubscriptionType: 'EMAIL', Address: 'ada@example.org'}]}),
      ]),
    })
  })

  it('tags every taggable resource for cost allocation', () => {
    for (const type of ['AWS::EC2::Instance', 'AWS::EC2::Volume', 'AWS::EFS::FileSystem', 'AWS::S3::Bucket', 'AWS::EC2::VPC']) {
      const resources = template.findResources(type)
      for (const resource of Object.values(resources)) {
        const tags = JSON.stringify(resource.Properties?.Tags ?? resource.Properties?.FileSystemTags)
        expect(tags, type).toContain(TAG_KEYS.environment)
        expect(tags, type).toContain(TAG_KEYS.domain)
        expect(tags, type).toContain(TAG_KEYS.owner)
      }
    }
  })

  it('ships the instance files as an asset the hub may read, and nothing else of that bucket', async () => {
    const {App} = await import('aws-cdk-lib')
    const {mkdtempSync, readdirSync} = await import('node:fs')
    const {tmpdir} = await import('node:os')
    const {join} = await import('node:path')
    const {INSTANCE_FILES} = await import('../../src/lib/instance/user-data.js')
    const outdir = mkdtempSync(join(tmpdir(), 'asset-'))
    const {app} = buildApp([await specFor('genomics')], {outdir})
    expect(app).toBeInstanceOf(App)
    const assembly = app.synth()
    const assetDir = readdirSync(assembly.directory).find((entry) => entry.startsWith('asset.'))
    expect(assetDir).toBeDefined()
    expect(
      (readdirSync(join(assembly.directory, assetDir!), {recursive: true, withFileTypes: true}) as import('node:fs').Dirent[])
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name).slice(join(assembly.directory, assetDir!).length + 1))
        .sort(),
    ).toEqual([...INSTANCE_FILES].sort())
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p.Properties.PolicyDocument as {Statement: {Action: string | string[]; Resource: unknown}[]}).Statement,
    )
    const assetRead = statements.filter((st) => JSON.stringify(st.Resource).includes('cdk-hnb659fds-assets'))
    expect(assetRead).toHaveLength(1)
    expect(assetRead[0]!.Action).toBe('s3:GetObject')
    expect(JSON.stringify(assetRead[0]!.Resource)).toMatch(/\/[0-9a-f]{64}\.zip"/)
  })

  it('exposes the outputs later commands read', () => {
    const outputs = Object.keys(template.toJSON().Outputs)
    for (const name of Object.values(OUTPUTS)) expect(outputs).toContain(name)
  })
})

describe('ResearchEnvironmentStack variants', () => {
  it('boots GPU packs from the Deep Learning AMI', async () => {
    const parameters = templateOf(await specFor('machine-learning')).toJSON().Parameters as Record<string, {Default?: string}>
    expect(Object.values(parameters).map((p) => p.Default)).toContain(IMAGE_PARAMETERS.deepLearning.x86_64)
  })

  it('uses --ami-id verbatim and no SSM lookup', async () => {
    const template = templateOf(await specFor('astronomy', {amiId: 'ami-0123456789abcdef0'}))
    template.hasResourceProperties('AWS::EC2::Instance', {ImageId: 'ami-0123456789abcdef0'})
    expect(JSON.stringify(template.toJSON().Parameters ?? {})).not.toContain('canonical')
  })

  it('places the hub in an existing VPC without creating network resources', async () => {
    const template = templateOf(
      await specFor('astronomy', {
        vpcId: 'vpc-0123456789abcdef0',
        subnetId: 'subnet-0123456789abcdef0',
        availabilityZone: 'us-east-1b',
        vpcCidr: '10.20.0.0/16',
      }),
    )
    template.resourceCountIs('AWS::EC2::VPC', 0)
    template.resourceCountIs('AWS::EC2::NatGateway', 0)
    template.hasResourceProperties('AWS::EC2::Instance', {NetworkInterfaces: [Match.objectLike({SubnetId: 'subnet-0123456789abcdef0'})]})
    template.hasResourceProperties('AWS::EC2::Volume', {AvailabilityZone: 'us-east-1b'})
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {SecurityGroupIngress: [Match.objectLike({CidrIp: '10.20.0.0/16'})]})
  })

  it('leaves out the alarm when auto-shutdown is off and the budget when none is set', async () => {
    const template = templateOf(await specFor('astronomy', {autoShutdownMinutes: 0}))
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0)
    template.resourceCountIs('AWS::Budgets::Budget', 0)
    template.resourceCountIs('AWS::EFS::FileSystem', 0)
  })

  it('private access creates no endpoint, no ingress and no user pool', async () => {
    const template = templateOf(await specFor('genomics', {access: 'private'}))
    for (const type of ['AWS::CloudFront::Distribution', 'AWS::CloudFront::VpcOrigin', 'AWS::Cognito::UserPool'])
      template.resourceCountIs(type, 0)
    // No sign-in settings parameter: only the boot status and the idle decision, which carry no secret.
    const parameters = Object.values(template.findResources('AWS::SSM::Parameter')).map((p) => p.Properties.Name)
    expect(parameters.sort()).toEqual(['/arw/lab1/boot-status', '/arw/lab1/idle-status'])
    const groups = template.findResources('AWS::EC2::SecurityGroup')
    for (const group of Object.values(groups)) {
      if (String(group.Properties?.GroupDescription).startsWith('JupyterHub'))
        expect(group.Properties?.SecurityGroupIngress).toBeUndefined()
    }
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1) // EFS from the hub only
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'))
    expect(policies).toContain(':parameter/arw/lab1/admin-password')
    expect(policies).not.toContain('cognito-idp')
    expect(template.toJSON().Outputs.AccessMode.Value).toBe('private')
  })

  it('is deterministic: the same spec gives the same template', async () => {
    const spec = await specFor('climate-science')
    expect(templateOf(spec).toJSON()).toEqual(templateOf(spec).toJSON())
  })
})
