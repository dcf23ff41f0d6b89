import {readFileSync} from 'node:fs'
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

let packedFiles: string | undefined

/** All instance files as one gzipped JSON object: one stream compresses far better than four. */
function packInstanceFiles(): string {
  // Node's gzip writes no timestamp, so the same templates always give the same user data.
  packedFiles ??= gzipSync(
    JSON.stringify(Object.fromEntries(INSTANCE_FILES.map((file) => [file, readFileSync(join(TEMPLATE_DIR, file), 'utf8')]))),
    {level: 9},
  ).toString('base64')
  return packedFiles
}

// Writes each packed file under /opt/aws-research-wizard (python3 is on every supported image).
const UNPACK = `python3 -c 'import base64, gzip, json, os, sys; [open(os.path.join("/opt/aws-research-wizard", n), "w").write(t) for n, t in json.loads(gzip.decompress(base64.b64decode(sys.argv[1]))).items()]' "$ARW_FILES"`

/**
 * The complete cloud-init user data: writes the environment description, unpacks
 * the instance files and runs the bootstrap. One renderer for every environment.
 */
export function renderUserData(config: Record<string, unknown>): string {
  const json = JSON.stringify(config)
  if (json.includes('ARW_CONFIG_END')) throw new Error('environment description contains the heredoc terminator')
  return [
    '#!/bin/bash',
    '# aws-research-wizard hub bootstrap (generated; see templates/instance in the CLI package)',
    'set -euo pipefail',
    'umask 022',
    'mkdir -p /etc/aws-research-wizard /opt/aws-research-wizard /var/lib/aws-research-wizard',
    "cat > /etc/aws-research-wizard/environment.json <<'ARW_CONFIG_END'",
    json,
    'ARW_CONFIG_END',
    `ARW_FILES='${packInstanceFiles()}'`,
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
}

/** Bytes the user data of this spec will take once deployed (worst case). */
export function userDataSize(spec: EnvironmentSpec): number {
  return Buffer.byteLength(renderUserData(instanceConfig(spec, WORST_CASE_REFERENCES)))
}
