import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {CloudFormationClient, DescribeStacksCommand, GetTemplateCommand} from '@aws-sdk/client-cloudformation'
import {DescribeInstanceAttributeCommand, DescribeVolumesCommand} from '@aws-sdk/client-ec2'
import {CreateBucketCommand, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {cliEnvironment, motoPlacementFlags} from '../moto.js'
import {FIXTURES, PROJECT_ROOT} from '../run.js'
import type {BootEnvironment} from './environment.js'
import type {GuestFile} from './guest.js'

const run = promisify(execFile)

/** The mirror the guest's install phase downloads from (ARW_ARTIFACT_MIRROR, a product setting). */
export const ARTIFACT_MIRROR = {ARW_ARTIFACT_MIRROR: 'http://127.0.0.1:5000/arw-artifacts'}

/** A hub deployed into the environment's moto by the built CLI, ready to be booted as a guest. */
export interface DeployedHub {
  readonly name: string
  readonly stackName: string
  readonly hubLogicalId: string
  readonly instanceId: string
  readonly volumeId: string
  /** Sparse file the size of the home volume: its blocks. */
  readonly volumeFile: string
  /** The instance's user data, as moto holds it. */
  readonly userData: string
  /** The deploy command, still running until the hub is ready unless it was told not to wait. */
  readonly deployment: Promise<CliEnvelope>
}

/** SDK client configuration for the environment's moto (localhost: moto serves its own TemplateURLs only there). */
export function motoClientConfig(environment: BootEnvironment) {
  return {...environment.clientConfig(), endpoint: environment.aws.replace('127.0.0.1', 'localhost')}
}

/** The --json envelope of a CLI run. */
export interface CliEnvelope {
  status: number
  result?: {deployment?: {outputs: Record<string, string>}; hub?: {phase: string; instanceId?: string; kernels?: Record<string, string>}}
  error?: unknown
}

/** Runs the built CLI against the environment's moto and parses its --json envelope. */
export async function cliAgainst(environment: BootEnvironment, work: string, ...argv: string[]): Promise<CliEnvelope> {
  const env = {
    ...cliEnvironment(motoClientConfig(environment).endpoint, work),
    AWS_REGION: environment.region,
    AWS_DEFAULT_REGION: environment.region,
  }
  const {stdout} = await run('node', [join(PROJECT_ROOT, 'bin', 'run.js'), ...argv, '--json'], {
    cwd: work,
    env,
    timeout: 180_000,
    maxBuffer: 1 << 26,
  }).catch((error) => error as {stdout: string})
  return JSON.parse(stdout) as CliEnvelope
}

/**
 * Bootstraps the account and deploys test/fixtures/boot/three-kernels.yaml as `name`
 * with the built CLI (private access, moto's default VPC, an AMI moto knows), uploads the
 * artifact fixtures the install phase downloads, and returns what a guest needs to boot.
 */
export async function deployHub(
  environment: BootEnvironment,
  work: string,
  name = 'boot1',
  options: {wait?: boolean} = {},
): Promise<DeployedHub> {
  const clientConfig = () => motoClientConfig(environment)
  const cli = (...argv: string[]) => cliAgainst(environment, work, ...argv)
  const ec2 = environment.ec2()
  const placement = await motoPlacementFlags(ec2)
  await uploadArtifactFixtures(new S3Client({...clientConfig(), forcePathStyle: true}), work)

  const bootstrapped = await cli('bootstrap')
  if (bootstrapped.status !== 0) throw new Error(`bootstrap failed: ${JSON.stringify(bootstrapped)}`)
  // Without --no-wait the deploy runs on until the hub reports ready: the caller boots the
  // instance meanwhile, as EC2 would, and awaits `deployment`.
  let settled: CliEnvelope | undefined
  const deployment = cli(
    'jupyter',
    'deploy',
    '--domain',
    join(FIXTURES, 'boot', 'three-kernels.yaml'),
    '--name',
    name,
    ...placement,
    '--admin-email',
    'ada@example.org',
    '--output',
    join(work, 'cdk.out'),
    '--yes',
    ...(options.wait ? [] : ['--no-wait']),
  ).then((result) => (settled = result))
  const stackName = `arw-${name}`
  const cloudformation = new CloudFormationClient(clientConfig())
  let outputs: Record<string, string> = {}
  for (const deadline = Date.now() + 300_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
    if (settled && settled.status !== 0) throw new Error(`deploy failed: ${JSON.stringify(settled)}`)
    const stack = await cloudformation
      .send(new DescribeStacksCommand({StackName: stackName}))
      .then((r) => r.Stacks?.[0])
      .catch(() => undefined)
    if (stack?.StackStatus === 'CREATE_COMPLETE') {
      outputs = Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]))
      break
    }
  }
  const instanceId = outputs.InstanceId
  const volumeId = outputs.HomeVolumeId
  if (!instanceId || !volumeId) throw new Error(`${stackName} was not created: ${JSON.stringify(settled ?? outputs)}`)
  const template = JSON.parse((await cloudformation.send(new GetTemplateCommand({StackName: stackName}))).TemplateBody!) as {
    Resources: Record<string, {Type: string}>
  }
  const hubLogicalId = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::EC2::Instance')![0]
  const attribute = await ec2.send(new DescribeInstanceAttributeCommand({InstanceId: instanceId, Attribute: 'userData'}))
  const userData = Buffer.from(attribute.UserData!.Value!, 'base64').toString()
  const {Volumes = []} = await ec2.send(new DescribeVolumesCommand({VolumeIds: [volumeId]}))
  const volumeFile = join(environment.dir, `${volumeId}.img`)
  await run('truncate', ['-s', `${Volumes[0]!.Size}G`, volumeFile])
  return {name, stackName, hubLogicalId, instanceId, volumeId, volumeFile, userData, deployment}
}

/**
 * Files the install phase would have produced on an image built with it (Debian's
 * JupyterHub, ipykernel and IRkernel stand in for the conda environments), and a hub
 * drop-in: Debian has no jupyterhub-systemdspawner, and the test needs an API token.
 */
export function testImageFiles(token: string): Record<string, GuestFile> {
  return {
    '/opt/conda/envs/hub/bin/jupyterhub': {
      content: '#!/bin/sh\nexport NODE_PATH=/usr/share/nodejs\nexec /usr/bin/jupyterhub "$@"\n',
      mode: 0o755,
    },
    '/opt/conda/envs/hub/bin/jupyterhub-singleuser': {content: '#!/bin/sh\nexec /usr/bin/jupyterhub-singleuser "$@"\n', mode: 0o755},
    '/opt/conda/envs/python-main/bin/python': {symlink: '/usr/bin/python3'},
    // An environment of its own, as a conda environment is (sys.prefix is the environment):
    // IPython reads the environment's etc/ipython, where the install phase turns on cell costs.
    '/opt/conda/envs/python-main/pyvenv.cfg': {content: 'home = /usr/bin\ninclude-system-site-packages = true\n', mode: 0o644},
    '/opt/conda/envs/r-stats/bin/Rscript': {symlink: '/usr/bin/Rscript'},
    '/opt/conda/envs/r-stats/bin/R': {symlink: '/usr/bin/R'},
    '/etc/aws-research-wizard/jupyterhub_config.d/50-test.py': {
      content: [
        'c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"',
        'c.Spawner.start_timeout = 90',
        `c.JupyterHub.services = c.JupyterHub.services + [{"name": "boot-test", "api_token": "${token}"}]`,
        'c.JupyterHub.load_roles = c.JupyterHub.load_roles + [{"name": "boot-test", "scopes": ["admin:users", "admin:servers", "access:servers", "list:users", "read:users"], "services": ["boot-test"]}]',
        '',
      ].join('\n'),
      mode: 0o644,
    },
  }
}

/**
 * What the mirror serves, laid out as https://HOST/PATH -> MIRROR/HOST/PATH in a moto S3
 * bucket the guest reads anonymously (public-read objects, as a mirror serves them): a Miniforge installer fixture with its published
 * SHA-256 file, and a CloudWatch agent package built here with dpkg-deb.
 */
async function uploadArtifactFixtures(s3: S3Client, work: string): Promise<void> {
  const artifacts = JSON.parse(readFileSync(join(PROJECT_ROOT, 'templates', 'instance', 'install', 'artifacts.json'), 'utf8'))
  // The artifact's URL for x86_64, without its scheme: the object key on the mirror.
  const url = (entry: Record<string, string | Record<string, string>>, key = 'url') => {
    const template = entry[key] as string
    const arch = (entry.arch as Record<string, string>).x86_64!
    return template
      .replaceAll('{version}', entry.version as string)
      .replace('{arch}', arch)
      .split('://')[1]!
  }
  await s3.send(new CreateBucketCommand({Bucket: 'arw-artifacts'}))
  const installer = [
    '#!/bin/sh',
    '# Miniforge stand-in: installs a mamba that cannot reach any package index.',
    'while [ $# -gt 0 ]; do case "$1" in -p) prefix="$2"; shift 2;; *) shift;; esac; done',
    'mkdir -p "$prefix/bin"',
    'printf \'#!/bin/sh\\necho "CondaHTTPError: no package index is reachable from this machine" >&2\\nexit 1\\n\' > "$prefix/bin/mamba"',
    'chmod 755 "$prefix/bin/mamba"',
    '',
  ].join('\n')
  const miniforge = artifacts.miniforge
  await s3.send(new PutObjectCommand({Bucket: 'arw-artifacts', ACL: 'public-read', Key: url(miniforge), Body: installer}))
  const sha = createHash('sha256').update(installer).digest('hex')
  await s3.send(
    new PutObjectCommand({Bucket: 'arw-artifacts', ACL: 'public-read', Key: url(miniforge, 'sha256Url'), Body: `${sha}  Miniforge3.sh\n`}),
  )
  const root = join(work, 'cwagent')
  mkdirSync(join(root, 'DEBIAN'), {recursive: true})
  mkdirSync(join(root, 'opt', 'aws', 'amazon-cloudwatch-agent', 'bin'), {recursive: true})
  writeFileSync(
    join(root, 'DEBIAN', 'control'),
    'Package: amazon-cloudwatch-agent\nVersion: 0.0.1-test\nArchitecture: amd64\nMaintainer: test <test@example.org>\nDescription: test fixture\n',
  )
  writeFileSync(
    join(root, 'opt', 'aws', 'amazon-cloudwatch-agent', 'bin', 'amazon-cloudwatch-agent-ctl'),
    '#!/bin/sh\necho "$*" >> /var/log/arw-test-cwagent.log\n',
    {mode: 0o755},
  )
  await run('dpkg-deb', ['--root-owner-group', '--build', root, join(work, 'cwagent.deb')])
  await s3.send(
    new PutObjectCommand({
      Bucket: 'arw-artifacts',
      ACL: 'public-read',
      Key: url(artifacts.cloudwatchAgent),
      Body: readFileSync(join(work, 'cwagent.deb')),
    }),
  )
}
