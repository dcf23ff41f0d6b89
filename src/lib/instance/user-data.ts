import {readFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {gzipSync} from 'node:zlib'
import type {EnvironmentSpec} from '../spec/types.js'

export const TEMPLATE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'templates', 'instance')

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

const templateCache = new Map<string, string>()

function packedTemplate(file: string): string {
  let packed = templateCache.get(file)
  if (!packed) {
    // gzip without a timestamp is deterministic: same templates, same user data.
    packed = gzipSync(readFileSync(join(TEMPLATE_DIR, file)), {level: 9}).toString('base64')
    templateCache.set(file, packed)
  }
  return packed
}

/**
 * The complete cloud-init user data: writes the environment description, unpacks
 * the instance files and runs the bootstrap. One renderer for every environment.
 */
export function renderUserData(config: Record<string, unknown>): string {
  const json = JSON.stringify(config, null, 1)
  if (json.includes('ARW_CONFIG_END')) throw new Error('environment description contains the heredoc terminator')
  const unpack = INSTANCE_FILES.map(
    (file) => `printf '%s' '${packedTemplate(file)}' | base64 -d | gunzip > /opt/aws-research-wizard/${file}`,
  )
  return [
    '#!/bin/bash',
    '# aws-research-wizard hub bootstrap (generated; see templates/instance in the CLI package)',
    'set -euo pipefail',
    'umask 022',
    'mkdir -p /etc/aws-research-wizard /opt/aws-research-wizard /var/lib/aws-research-wizard',
    "cat > /etc/aws-research-wizard/environment.json <<'ARW_CONFIG_END'",
    json,
    'ARW_CONFIG_END',
    ...unpack,
    'chmod 0755 /opt/aws-research-wizard/bootstrap.sh',
    'exec /opt/aws-research-wizard/bootstrap.sh',
    '',
  ].join('\n')
}
