import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {packageRoot} from '../../package-root.js'
import type {EnvironmentSpec} from '../spec/types.js'
import {cellPricing} from './cell-price.js'

export const TEMPLATE_DIR = join(packageRoot(), 'templates', 'instance')

/** Entry points shipped to every hub instance (the whole folder is uploaded), under /opt/aws-research-wizard. */
export const INSTANCE_FILES = [
  'common/__init__.py',
  'common/arw.py',
  'install/__init__.py',
  'configure/__init__.py',
  'agent/__init__.py',
  'install/install.py',
  'install/artifacts.json',
  'install/julia_kernel.jl',
  'configure/configure.py',
  'configure/accounts.py',
  'configure/users.py',
  'configure/mount_s3.py',
  'configure/cloudwatch.py',
  'configure/jupyterhub_config.py',
  'configure/examples.py',
  'agent/idle_agent.py',
  'agent/usage_recorder.py',
  'aws_research_wizard/__init__.py',
  'aws_research_wizard/cost_tracker.py',
  'configure/jupyterhub_config.d/usage-recorder.py',
  'agent/notebook_sync.py',
  'agent/idle_model.json',
  'systemd/arw-install.service',
  'systemd/arw-configure.service',
  'systemd/jupyterhub.service',
  'systemd/arw-mount@.service',
  'systemd/arw-idle-agent.service',
  'systemd/arw-idle-agent.timer',
  'systemd/arw-usage-recorder.service',
  'systemd/arw-usage-recorder.timer',
  'systemd/arw-notebook-sync.service',
  'systemd/arw-notebook-sync.timer',
] as const

/** EC2 rejects user data above 16 KiB (before base64). */
export const USER_DATA_LIMIT_BYTES = 16 * 1024

/** Values only known at deploy time: CloudFormation tokens in the stack, literals in tests. */
export interface RuntimeReferences {
  readonly homeVolumeId: string
  readonly sharedFileSystemId?: string
  readonly notebookBucket: string
  readonly logGroup: string
  readonly hubSettingsParameter: string
  /** Private access only: where the instance stores the generated admin password. */
  readonly adminPasswordParameter?: string
  /** Where the deploy uploaded the instance files (a CDK file asset: zip of templates/instance). */
  readonly filesBucket: string
  readonly filesKey: string
  /** The stack and the instance's logical id, for the CloudFormation readiness signal. */
  readonly stackName: string
  readonly hubLogicalId: string
  /** Where the instance reports its boot progress (see bootStatusParameterName). */
  readonly bootStatusParameter: string
}

/** The description of the environment the instance-side scripts read (environment.json). */
export function instanceConfig(spec: EnvironmentSpec, refs: RuntimeReferences): Record<string, unknown> {
  return {
    environment: spec.name,
    domain: spec.domain,
    region: spec.region,
    homeVolumeId: refs.homeVolumeId,
    sharedFileSystemId: refs.sharedFileSystemId ?? '',
    notebookBucket: refs.notebookBucket,
    logGroup: refs.logGroup,
    hubSettingsParameter: refs.hubSettingsParameter,
    adminPasswordParameter: refs.adminPasswordParameter ?? '',
    filesBucket: refs.filesBucket,
    filesKey: refs.filesKey,
    stackName: refs.stackName,
    hubLogicalId: refs.hubLogicalId,
    bootStatusParameter: refs.bootStatusParameter,
    access: spec.access,
    scratchGiB: spec.storage.scratchGiB,
    interface: spec.jupyterhub.interface,
    authenticator: spec.jupyterhub.authenticator,
    adminUsers: spec.jupyterhub.adminUsers,
    cpuPerUser: spec.pack.users.cpu_per_user ?? 1,
    memoryGiBPerUser: spec.pack.users.memory_gb_per_user ?? 4,
    gpu: spec.instance.gpu,
    kernels: spec.kernels,
    dataMounts: spec.dataMounts.map((mount) => ({
      source: mount.source,
      mountPath: mount.mount_path,
      readOnly: mount.access !== 'read-write',
      requesterPays: mount.requester_pays ?? false,
      ...(mount.region ? {region: mount.region} : {}),
    })),
    dataDirectories: spec.dataDirectories,
    autoShutdown: spec.autoShutdown,
    // Read by every kernel's cost tracker (aws_research_wizard): the cost of a cell, offline.
    costTracking: spec.cost.tracking,
    ...cellPricing(spec),
    // The notebooks themselves, as data: configure/examples.py writes them under
    // /shared/examples by their (re-checked) file names. Part of the gzipped description.
    notebookExamples: spec.notebookExamples,
    exampleNotebooks: spec.notebookExamples ? spec.exampleNotebooks.map(({name, content}) => ({name, content})) : [],
  }
}

/** Keys of the environment description that hold deploy-time values (CloudFormation tokens). */
const REFERENCE_KEYS: readonly string[] = [
  'homeVolumeId',
  'sharedFileSystemId',
  'notebookBucket',
  'logGroup',
  'hubSettingsParameter',
  'adminPasswordParameter',
  'filesBucket',
  'filesKey',
  'stackName',
  'hubLogicalId',
  'bootStatusParameter',
]

// Writes the environment description (deploy-time references in clear, the pack-derived
// part gzipped), fetches the instance files with the instance role and starts the
// configure phase. boto3 comes from the distribution (the images ship python3, no AWS
// CLI). Every network step is retried; a failure before the configure phase exists is
// still reported to the boot-status parameter and to CloudFormation.
const BOOT_SCRIPT = String.raw`#!/bin/bash
# aws-research-wizard hub boot (generated; see templates/instance in the CLI package).
# cloud-init runs this on every boot (see the cloud-config part), with no HOME and a
# minimal PATH: nothing here relies on either.
set -euo pipefail
umask 022
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ETC=/etc/aws-research-wizard
LIB=/opt/aws-research-wizard
mkdir -p "$ETC" "$LIB" /var/lib/aws-research-wizard
exec >>/var/log/aws-research-wizard-bootstrap.log 2>&1
cat > "$ETC/references.json" <<'ARW_CONFIG_END'
__REFERENCES__
ARW_CONFIG_END
python3 - "$ARW_PACKED" <<'ARW_PY_END'
import base64, gzip, json, sys
description = json.loads(gzip.decompress(base64.b64decode(sys.argv[1])))
description.update(json.load(open("/etc/aws-research-wizard/references.json")))
with open("/etc/aws-research-wizard/environment.json.tmp", "w") as handle:
    json.dump(description, handle, indent=1)
ARW_PY_END
mv /etc/aws-research-wizard/environment.json.tmp "$ETC/environment.json"
for attempt in 1 2 3 4 5 6; do
  python3 -c 'import boto3' 2>/dev/null && break
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-boto3; } || sleep $((attempt * 10))
done
python3 - <<'ARW_PY_END'
import io, json, shutil, time, urllib.request, zipfile
import boto3
from botocore.config import Config
config = json.load(open("/etc/aws-research-wizard/environment.json"))
settings = Config(connect_timeout=10, read_timeout=60, retries={"max_attempts": 10, "mode": "adaptive"})
def client(service):
    return boto3.client(service, region_name=config["region"], config=settings)
try:
    body = client("s3").get_object(Bucket=config["filesBucket"], Key=config["filesKey"])["Body"].read()
except Exception as error:
    # Nothing else can report this failure: say so where deploy and status look.
    token = urllib.request.urlopen(urllib.request.Request("http://169.254.169.254/latest/api/token", method="PUT", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}), timeout=5).read().decode()
    instance = urllib.request.urlopen(urllib.request.Request("http://169.254.169.254/latest/meta-data/instance-id", headers={"X-aws-ec2-metadata-token": token}), timeout=5).read().decode()
    status = {"phase": "failed", "step": "fetch", "failedStep": "fetch", "detail": "failed: fetch", "message": "could not fetch the instance files: %s" % error, "instanceId": instance, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    client("ssm").put_parameter(Name=config["bootStatusParameter"], Value=json.dumps(status)[:4000], Type="String", Overwrite=True)
    client("cloudformation").signal_resource(StackName=config["stackName"], LogicalResourceId=config["hubLogicalId"], UniqueId=instance, Status="FAILURE")
    raise
shutil.rmtree("/opt/aws-research-wizard.new", ignore_errors=True)
zipfile.ZipFile(io.BytesIO(body)).extractall("/opt/aws-research-wizard.new")
shutil.rmtree("/opt/aws-research-wizard.old", ignore_errors=True)
shutil.move("/opt/aws-research-wizard", "/opt/aws-research-wizard.old")
shutil.move("/opt/aws-research-wizard.new", "/opt/aws-research-wizard")
shutil.rmtree("/opt/aws-research-wizard.old", ignore_errors=True)
ARW_PY_END
install -m 0644 "$LIB"/systemd/*.service "$LIB"/systemd/*.timer /etc/systemd/system/
systemctl daemon-reload
# Not waited for: cloud-init must finish for the boot to complete. The configure phase
# reports its own progress and sends the readiness signal.
systemctl restart --no-block arw-configure.service
`

// cloud-init runs user-data scripts once per instance by default. Running the boot
// script on every boot lets a stack update that changes the user data (and so stops
// and starts the instance) reach the instance, and repairs a failed first boot.
const CLOUD_CONFIG = `#cloud-config
cloud_final_modules:
  - scripts-per-once
  - scripts-per-boot
  - scripts-per-instance
  - [scripts-user, always]
  - final-message
`

const BOUNDARY = '==arw-user-data=='

/** The boot script alone (the shell part of the user data), for linting and tests. */
export function renderBootScript(config: Record<string, unknown>): string {
  const references = Object.fromEntries(Object.entries(config).filter(([key]) => REFERENCE_KEYS.includes(key)))
  const known = Object.fromEntries(Object.entries(config).filter(([key]) => !REFERENCE_KEYS.includes(key)))
  const knownJson = JSON.stringify(known)
  if (knownJson.includes('${Token[')) throw new Error('a deploy-time value reached the packed part of the user data')
  const json = JSON.stringify(references)
  if (/ARW_CONFIG_END|ARW_PY_END/.test(json)) throw new Error('environment description contains a heredoc terminator')
  // Node's gzip writes no timestamp, so the same inputs always give the same user data.
  const packed = gzipSync(knownJson, {level: 9}).toString('base64')
  return BOOT_SCRIPT.replace('__REFERENCES__', () => json).replace('mkdir -p "$ETC"', () => `ARW_PACKED='${packed}'\nmkdir -p "$ETC"`)
}

/**
 * The complete cloud-init user data: a cloud-config part that runs the boot script on
 * every boot, and the boot script. EC2 caps user data at 16 KiB: the pack-derived
 * description (kernels, packages, mounts) travels gzipped; the scripts are a file asset.
 */
export function renderUserData(config: Record<string, unknown>): string {
  const part = (type: string, body: string) =>
    [`--${BOUNDARY}`, `Content-Type: ${type}; charset="us-ascii"`, 'MIME-Version: 1.0', '', body].join('\n')
  return [
    `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
    'MIME-Version: 1.0',
    '',
    part('text/cloud-config', CLOUD_CONFIG),
    part('text/x-shellscript', renderBootScript(config)),
    `--${BOUNDARY}--`,
    '',
  ].join('\n')
}

/** Longest values the deploy-time references can take, for a worst-case size check. */
const WORST_CASE_REFERENCES: RuntimeReferences = {
  homeVolumeId: 'vol-0123456789abcdef0',
  sharedFileSystemId: 'fs-0123456789abcdef0',
  notebookBucket: 'x'.repeat(63),
  logGroup: '/arw/' + 'x'.repeat(24) + '/hub',
  hubSettingsParameter: '/arw/' + 'x'.repeat(24) + '/hub-settings',
  adminPasswordParameter: '/arw/' + 'x'.repeat(24) + '/admin-password',
  filesBucket: 'cdk-hnb659fds-assets-123456789012-ap-southeast-2',
  filesKey: `${'0'.repeat(64)}.zip`,
  stackName: 'arw-' + 'x'.repeat(40),
  hubLogicalId: 'Hub' + 'X'.repeat(8) + 'Resource' + 'X'.repeat(8),
  bootStatusParameter: '/arw/' + 'x'.repeat(40) + '/boot-status',
}

/** Bytes the user data of this spec will take once deployed (worst case). */
export function userDataSize(spec: EnvironmentSpec): number {
  return Buffer.byteLength(renderUserData(instanceConfig(spec, WORST_CASE_REFERENCES)))
}
