import {App, Duration, Stack} from 'aws-cdk-lib'
import {Match, Template} from 'aws-cdk-lib/assertions'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import {beforeAll, describe, expect, it} from 'vitest'
import {INITIAL_BOOT_STATUS} from '../../src/constructs/boot-status.js'
import {DEPLOY_RECORD_KEY} from '../../src/constructs/contract.js'
import {HubInstance, IMAGE_PARAMETERS} from '../../src/constructs/hub-instance.js'
import type {HubImage} from '../../src/lib/image/types.js'
import {bootTimeoutMinutes} from '../../src/lib/readiness/boot-timeout.js'
import type {EnvironmentSpec} from '../../src/lib/spec/types.js'
import {buildApp} from '../../src/lib/synth/build-app.js'
import {ResearchEnvironmentStack} from '../../src/constructs/research-environment-stack.js'
import {specFor} from '../helpers/specs.js'

process.env.CDK_VALIDATION = 'false'

type Resources = Record<string, {Type: string; Properties?: Record<string, unknown>; DependsOn?: string[]; CreationPolicy?: unknown}>

function templateOf(spec: EnvironmentSpec, image?: HubImage): Template {
  if (!image) return Template.fromStack(buildApp([spec]).stacks[0]!)
  const app = new App({context: {'@aws-cdk/core:failSynthOnValidationErrors': false}})
  return Template.fromStack(new ResearchEnvironmentStack(app, spec.stackName, {spec, stackName: spec.stackName, image}))
}

function hubOf(template: Template): [string, Resources[string]] {
  const instances = Object.entries(template.findResources('AWS::EC2::Instance') as Resources)
  expect(instances).toHaveLength(1)
  return instances[0]!
}

function hubStatements(template: Template): {Sid?: string; Action: string | string[]; Resource: unknown}[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith('HubRole'))
    .flatMap(
      ([, p]) => (p.Properties.PolicyDocument as {Statement: {Sid?: string; Action: string | string[]; Resource: unknown}[]}).Statement,
    )
}

describe('hub readiness (genomics, new network)', () => {
  let spec: EnvironmentSpec
  let template: Template
  let resources: Resources
  beforeAll(async () => {
    spec = await specFor('genomics')
    template = templateOf(spec)
    resources = template.toJSON().Resources
  })

  it('waits for exactly one readiness signal, for as long as the install is sized to take', () => {
    const [, hub] = hubOf(template)
    const minutes = bootTimeoutMinutes(spec)
    expect(minutes).toBeGreaterThan(30)
    const iso = `PT${Math.floor(minutes / 60) ? `${Math.floor(minutes / 60)}H` : ''}${minutes % 60 ? `${minutes % 60}M` : ''}`
    expect(hub.CreationPolicy).toEqual({ResourceSignal: {Count: 1, Timeout: iso}})
  })

  it('lets the hub signal this stack only, and nothing else of CloudFormation', () => {
    const statements = hubStatements(template).filter((s) => JSON.stringify(s.Action).includes('cloudformation:'))
    expect(statements).toEqual([expect.objectContaining({Action: 'cloudformation:SignalResource', Resource: {Ref: 'AWS::StackId'}})])
  })

  it('creates the boot-status parameter with a placeholder, so it is deleted with the stack', () => {
    const parameters = Object.entries(template.findResources('AWS::SSM::Parameter') as Resources).filter(
      ([, p]) => p.Properties?.Name === '/arw/lab1/boot-status',
    )
    expect(parameters).toHaveLength(1)
    expect(parameters[0]![1].Properties).toMatchObject({Type: 'String', Value: INITIAL_BOOT_STATUS, Tier: 'Standard'})
    expect(JSON.parse(INITIAL_BOOT_STATUS)).toEqual({phase: 'pending'})
    expect(resources[parameters[0]![0]]).not.toHaveProperty('DeletionPolicy')
    // Free and deleted with the stack: no cost-allocation tags (and moto can create it).
    expect(parameters[0]![1].Properties).not.toHaveProperty('Tags')
  })

  it('lets the hub put and get exactly the boot-status parameter', () => {
    const [parameterId] = Object.entries(template.findResources('AWS::SSM::Parameter') as Resources).find(
      ([, p]) => p.Properties?.Name === '/arw/lab1/boot-status',
    )!
    const statements = hubStatements(template).filter((s) => JSON.stringify(s.Resource).includes(parameterId))
    expect(statements).toHaveLength(1)
    expect([statements[0]!.Action].flat().sort()).toEqual(['ssm:GetParameter', 'ssm:PutParameter'])
    expect(statements[0]!.Resource).toEqual({
      'Fn::Join': ['', ['arn:', {Ref: 'AWS::Partition'}, ':ssm:us-east-1:', {Ref: 'AWS::AccountId'}, ':parameter', {Ref: parameterId}]],
    })
    // And no statement grants SSM writes on a wildcard.
    for (const s of hubStatements(template).filter((st) => JSON.stringify(st.Action).includes('ssm:PutParameter')))
      expect(JSON.stringify(s.Resource)).not.toContain('*')
  })

  it('boots only after the boot-status parameter exists (the instance overwrites it, never creates it)', () => {
    const [, hub] = hubOf(template)
    const parameterId = Object.entries(resources).find(([, r]) => r.Properties?.Name === '/arw/lab1/boot-status')![0]
    expect(hub.DependsOn).toContain(parameterId)
  })

  it('boots only after the private subnet can reach the internet through the NAT gateway, and S3 through its endpoint', () => {
    const [, hub] = hubOf(template)
    const subnetId = (hub.Properties!.NetworkInterfaces as {SubnetId: {Ref: string}}[])[0]!.SubnetId.Ref
    const association = Object.entries(resources).find(
      ([, r]) => r.Type === 'AWS::EC2::SubnetRouteTableAssociation' && (r.Properties!.SubnetId as {Ref: string}).Ref === subnetId,
    )!
    const routeTable = (association[1].Properties!.RouteTableId as {Ref: string}).Ref
    const natRoute = Object.entries(resources).find(
      ([, r]) =>
        r.Type === 'AWS::EC2::Route' &&
        (r.Properties!.RouteTableId as {Ref: string}).Ref === routeTable &&
        r.Properties!.DestinationCidrBlock === '0.0.0.0/0',
    )!
    expect(natRoute[1].Properties).toHaveProperty('NatGatewayId')
    const endpoint = Object.keys(template.findResources('AWS::EC2::VPCEndpoint'))
    expect(endpoint).toHaveLength(1)
    expect(hub.DependsOn).toEqual(expect.arrayContaining([natRoute[0], association[0], endpoint[0]]))
  })

  it('keeps the S3 gateway endpoint under its logical id (no replacement on update)', () => {
    expect(Object.keys(template.findResources('AWS::EC2::VPCEndpoint'))).toEqual([expect.stringMatching(/^NetworkS3[0-9A-F]{8}$/)])
  })
})

describe('hub readiness variants', () => {
  it('adds no network ordering for an existing VPC (its routes already exist)', async () => {
    const template = templateOf(
      await specFor('astronomy', {
        vpcId: 'vpc-0123456789abcdef0',
        subnetId: 'subnet-0123456789abcdef0',
        availabilityZone: 'us-east-1b',
        vpcCidr: '10.20.0.0/16',
      }),
    )
    const [, hub] = hubOf(template)
    const types = (hub.DependsOn ?? []).map((id) => template.toJSON().Resources[id].Type).sort()
    // The parameters it writes (boot status, idle decision) exist before it boots.
    expect(types).toEqual(['AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::SSM::Parameter', 'AWS::SSM::Parameter'])
    expect(hub.CreationPolicy).toMatchObject({ResourceSignal: {Count: 1}})
  })

  it('gives a GPU pack longer than a CPU pack of the same kernels', async () => {
    const ml = await specFor('machine-learning')
    expect(ml.instance.gpu).toBe(true)
    const asCpu = {...ml, instance: {...ml.instance, gpu: false}}
    expect(bootTimeoutMinutes(ml)).toBeGreaterThan(bootTimeoutMinutes(asCpu))
    const [, hub] = hubOf(templateOf(ml))
    expect((hub.CreationPolicy as {ResourceSignal: {Timeout: string}}).ResourceSignal.Timeout).toMatch(/^PT(\d+H)?(\d+M)?$/)
  })

  it('refuses a signal timeout CloudFormation would reject', () => {
    const stack = new Stack(new App(), 'T', {env: {region: 'us-east-1', account: '123456789012'}})
    const vpc = new ec2.Vpc(stack, 'Vpc', {natGateways: 0, subnetConfiguration: [{name: 'a', subnetType: ec2.SubnetType.PRIVATE_ISOLATED}]})
    const props = {
      vpc,
      subnet: vpc.isolatedSubnets[0]!,
      instanceType: 't3.large',
      architecture: 'x86_64' as const,
      gpu: false,
      region: 'us-east-1',
      rootVolumeGiB: 30,
      userData: '#!/bin/bash',
    }
    expect(() => new HubInstance(stack, 'TooLong', {...props, signalTimeout: Duration.hours(13)})).toThrow(/between 1 minute and 12 hours/)
    expect(() => new HubInstance(stack, 'Fine', {...props, signalTimeout: Duration.hours(12)})).not.toThrow()
    // Without a timeout: no creation policy and no signal permission.
    const template = Template.fromStack(
      (() => {
        const s = new Stack(new App(), 'U', {env: {region: 'us-east-1', account: '123456789012'}})
        const v = new ec2.Vpc(s, 'Vpc', {natGateways: 0, subnetConfiguration: [{name: 'a', subnetType: ec2.SubnetType.PRIVATE_ISOLATED}]})
        new HubInstance(s, 'Hub', {...props, vpc: v, subnet: v.isolatedSubnets[0]!})
        return s
      })(),
    )
    const [, hub] = hubOf(template)
    expect(hub.CreationPolicy).toBeUndefined()
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('SignalResource')
  })
})

describe('pinned hub image', () => {
  const image: HubImage = {
    imageId: 'ami-0fedcba9876543210',
    name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250610',
    source: 'parameter',
    parameter: IMAGE_PARAMETERS.ubuntu.x86_64,
  }

  it('boots the resolved image verbatim, with no SSM parameter for CloudFormation to re-resolve', async () => {
    const template = templateOf(await specFor('genomics'), image)
    template.hasResourceProperties('AWS::EC2::Instance', {ImageId: 'ami-0fedcba9876543210'})
    expect(JSON.stringify(template.toJSON().Parameters ?? {})).not.toContain('/aws/service/')
  })

  it('records the image in the deploy record, so the next deploy can reuse it', async () => {
    const record = JSON.parse(templateOf(await specFor('genomics'), image).toJSON().Metadata[DEPLOY_RECORD_KEY])
    const {source: _source, ...identity} = image
    expect(record).toMatchObject({version: 1, domain: 'genomics', image: identity})
    // How this deploy chose the image is not recorded: a redeploy that reuses it writes the same record.
    const again = JSON.parse(templateOf(await specFor('genomics'), {...image, source: 'pinned'}).toJSON().Metadata[DEPLOY_RECORD_KEY])
    expect(again).toEqual(record)
  })

  it('records no image when synthesized without one (plans, cdk synth) and falls back to the parameter', async () => {
    const template = templateOf(await specFor('genomics'))
    expect(JSON.parse(template.toJSON().Metadata[DEPLOY_RECORD_KEY])).not.toHaveProperty('image')
    template.hasResourceProperties('AWS::EC2::Instance', {ImageId: {Ref: Match.stringLikeRegexp('^SsmParameterValue')}})
  })

  it('refuses an image that contradicts --ami-id', async () => {
    const spec = await specFor('genomics', {amiId: 'ami-0123456789abcdef0'})
    expect(() => templateOf(spec, image)).toThrow(/contradicts --ami-id/)
    expect(() => templateOf(spec, {imageId: 'ami-0123456789abcdef0', source: 'flag'})).not.toThrow()
  })
})
