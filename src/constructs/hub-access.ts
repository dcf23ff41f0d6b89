import {Aws, Duration, RemovalPolicy, Stack, Validations} from 'aws-cdk-lib'
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront'
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins'
import * as cognito from 'aws-cdk-lib/aws-cognito'
import type * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as ssm from 'aws-cdk-lib/aws-ssm'
import {Construct} from 'constructs'
import {HUB_ADMIN_GROUP} from './contract.js'
import {HUB_PORT} from './hub-instance.js'

export interface HubAccessProps {
  readonly environmentName: string
  readonly instance: ec2.IInstance
  /**
   * Receives a temporary password and becomes the first hub administrator.
   * @default - no user is created; add people with `jupyter users add`
   */
  readonly adminEmail?: string
}

/** SSM parameter the instance polls at boot for its sign-in settings. */
export function hubSettingsParameterName(environmentName: string): string {
  return `/arw/${environmentName}/hub-settings`
}

/** SecureString where a private hub keeps its generated admin password. */
export function adminPasswordParameterName(environmentName: string): string {
  return `/arw/${environmentName}/admin-password`
}

/**
 * How people reach the hub: HTTPS on a CloudFront domain, CloudFront reaching the
 * private instance through a VPC origin (no public IP, no inbound 0.0.0.0/0), and
 * sign-in through a Cognito user pool that `jupyter users` manages. CloudFront gives
 * HTTPS without a registered domain or certificate, which an ALB cannot.
 */
export class HubAccess extends Construct {
  readonly userPool: cognito.UserPool
  readonly client: cognito.UserPoolClient
  readonly distribution: cloudfront.Distribution
  readonly settings: ssm.StringParameter
  readonly domainPrefix: string

  constructor(scope: Construct, id: string, props: HubAccessProps) {
    super(scope, id)
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `arw-${props.environmentName}`,
      selfSignUpEnabled: false,
      signInAliases: {email: true},
      autoVerify: {email: true},
      standardAttributes: {email: {required: true, mutable: true}},
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(7),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: {otp: true, sms: false},
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    })
    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason: 'MFA is offered (TOTP, optional); making it mandatory is an institutional choice left to the operator.',
      },
      {id: 'AwsSolutions-COG3', reason: 'Threat protection needs the paid Plus feature plan; operators can enable it on the pool.'},
      {id: 'AwsSolutions-COG8', reason: 'The Plus feature plan is billed per monthly active user; Essentials covers hub sign-in.'},
    )
    // Cognito domain prefixes are global per region; the account id keeps ours unique
    // without random names, and "aws" may not appear in them.
    this.domainPrefix = `arw-${props.environmentName}-${Aws.ACCOUNT_ID}`
    this.userPool.addDomain('Domain', {cognitoDomain: {domainPrefix: this.domainPrefix}})

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `aws-research-wizard ${props.environmentName}`,
      defaultBehavior: {
        origin: origins.VpcOrigin.withEc2Instance(props.instance, {
          httpPort: HUB_PORT,
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
          readTimeout: Duration.seconds(60),
          keepaliveTimeout: Duration.seconds(60),
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        // JupyterHub checks that Origin matches Host for websockets and XSRF.
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER,
      },
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    })
    Validations.of(this.distribution).acknowledge(
      {id: 'AwsSolutions-CFR1', reason: 'Research collaborations span countries; sign-in is required for everything behind it.'},
      {
        id: 'AwsSolutions-CFR2',
        reason: 'Every request needs a Cognito sign-in; a WAF web ACL (about $5/month + rules) can be attached by the operator.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason: 'Hub access is logged by JupyterHub to CloudWatch Logs; CloudFront standard logs would need an ACL-enabled bucket.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason: 'The default *.cloudfront.net certificate fixes the viewer TLS policy; TLS 1.2 applies with a custom domain.',
      },
      {
        id: 'AwsSolutions-CFR5',
        reason: 'The VPC origin is reached over the AWS network inside the VPC; the instance has no public address.',
      },
    )

    const hubUrl = `https://${this.distribution.distributionDomainName}`
    this.client = this.userPool.addClient('HubClient', {
      userPoolClientName: 'jupyterhub',
      generateSecret: true,
      oAuth: {
        flows: {authorizationCodeGrant: true},
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [`${hubUrl}/hub/oauth_callback`],
        logoutUrls: [hubUrl],
      },
      preventUserExistenceErrors: true,
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
    })

    // Members are hub administrators: the hub reads the group from the ID token
    // (jupyterhub_config.py admin_groups); `jupyter users add --admin` adds to it.
    const adminGroup = new cognito.CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: this.userPool.userPoolId,
      groupName: HUB_ADMIN_GROUP,
      description: 'JupyterHub administrators',
    })
    if (props.adminEmail) {
      const admin = new cognito.CfnUserPoolUser(this, 'Admin', {
        userPoolId: this.userPool.userPoolId,
        username: props.adminEmail,
        desiredDeliveryMediums: ['EMAIL'],
        userAttributes: [
          {name: 'email', value: props.adminEmail},
          {name: 'email_verified', value: 'true'},
        ],
      })
      const membership = new cognito.CfnUserPoolUserToGroupAttachment(this, 'AdminMembership', {
        userPoolId: this.userPool.userPoolId,
        groupName: adminGroup.ref,
        username: props.adminEmail,
      })
      membership.node.addDependency(admin)
    }

    // Published after the distribution exists; the instance polls for it at boot.
    // Holds no secret: the client secret is read by the instance role at boot.
    this.settings = new ssm.StringParameter(this, 'Settings', {
      parameterName: hubSettingsParameterName(props.environmentName),
      description: 'Sign-in settings the hub reads at boot',
      stringValue: Stack.of(this).toJsonString({
        hubUrl,
        userPoolId: this.userPool.userPoolId,
        clientId: this.client.userPoolClientId,
        cognitoDomain: this.domainPrefix,
      }),
    })
  }

  get hubUrl(): string {
    return `https://${this.distribution.distributionDomainName}`
  }

  /**
   * Lets the hub read its sign-in settings and client secret. A separate policy, so the
   * instance (which CloudFront depends on) does not depend on what CloudFront produces.
   */
  grantHubSettingsRead(role: iam.IRole): iam.Policy {
    return new iam.Policy(this, 'HubSettingsAccess', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: [this.settings.parameterArn],
        }),
        new iam.PolicyStatement({actions: ['cognito-idp:DescribeUserPoolClient'], resources: [this.userPool.userPoolArn]}),
      ],
    })
  }
}
