import {join} from 'node:path'
import {gzipSync} from 'node:zlib'
import {packageRoot} from '../../package-root.js'
import type {EnvironmentSpec} from '../spec/types.js'

export const TEMPLATE_DIR = join(packageRoot(), 'templates', 'instance')

/** Files shipped to every hub instance, installed under /opt/aws-research-wizard. */
export const INSTANCE_FILES = ['bootstrap.sh', 'arw_setup.py', 'idle_agent.py', 'jupyterhub_config.py'] as const

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
    autoShutdown: spec.autoShutdown,
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

// Merges the packed part of the environment description into the part written in clear,
// then fetches the instance files with the instance role. boto3 comes from the distribution
// (the images ship python3 but no AWS CLI).
const UNPACK = [
  `python3 -c 'import base64, gzip, json, sys`,
  `path = "/etc/aws-research-wizard/environment.json"`,
  `merged = {**json.loads(gzip.decompress(base64.b64decode(sys.argv[1]))), **json.load(open(path))}`,
  `json.dump(merged, open(path, "w"), indent=1)' "$ARW_PACKED"`,
  'if ! python3 -c "import boto3" 2>/dev/null; then',
  '  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-boto3',
  'fi',
  `python3 -c 'import io, json, zipfile, boto3`,
  `config = json.load(open("/etc/aws-research-wizard/environment.json"))`,
  `body = boto3.client("s3", region_name=config["region"]).get_object(Bucket=config["filesBucket"], Key=config["filesKey"])["Body"].read()`,
  `zipfile.ZipFile(io.BytesIO(body)).extractall("/opt/aws-research-wizard")'`,
].join('\n')

/**
 * The complete cloud-init user data: writes the environment description, fetches the
 * instance files (templates/instance, uploaded by the deploy as an asset) and runs the
 * bootstrap. One renderer for every environment.
 *
 * EC2 caps user data at 16 KiB: the pack-derived description (kernels, packages,
 * mounts) travels gzipped; only the deploy-time references are written in clear.
 */
export function renderUserData(config: Record<string, unknown>): string {
  const references = Object.fromEntries(Object.entries(config).filter(([key]) => REFERENCE_KEYS.includes(key)))
  const known = Object.fromEntries(Object.entries(config).filter(([key]) => !REFERENCE_KEYS.includes(key)))
  const knownJson = JSON.stringify(known)
  if (knownJson.includes('${Token[')) throw new Error('a deploy-time value reached the packed part of the user data')
  const json = JSON.stringify(references)
  if (json.includes('ARW_CONFIG_END')) throw new Error('environment description contains the heredoc terminator')
  // Node's gzip writes no timestamp, so the same inputs always give the same user data.
  const packed = gzipSync(knownJson, {level: 9}).toString('base64')
  return [
    '#!/bin/bash',
    '# aws-research-wizard hub bootstrap (generated; see templates/instance in the CLI package)',
    'set -euo pipefail',
    'umask 022',
    'mkdir -p /etc/aws-research-wizard /opt/aws-research-wizard /var/lib/aws-research-wizard',
    "cat > /etc/aws-research-wizard/environment.json <<'ARW_CONFIG_END'",
    json,
    'ARW_CONFIG_END',
    `ARW_PACKED='${packed}'`,
    UNPACK,
    'chmod 0755 /opt/aws-research-wizard/bootstrap.sh',
    'exec /opt/aws-research-wizard/bootstrap.sh',
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
