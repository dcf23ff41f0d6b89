import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {delimiter, join} from 'node:path'

/** Host commands the harness runs. */
const COMMANDS = ['debootstrap', 'systemd-nspawn', 'ip', 'nsenter', 'losetup', 'mount', 'umount']

/** The Python that runs moto and the namespace services. */
export const HOST_PYTHON = process.env.ARW_BOOT_PYTHON ?? 'python3'

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)))
}

/**
 * What this machine lacks to boot guests: missing commands, not root, no overlayfs,
 * or no moto for HOST_PYTHON. Empty when the harness can run.
 */
export function missingBootTools(): string[] {
  const missing = COMMANDS.filter((c) => !onPath(c))
  if (!onPath(HOST_PYTHON) && !existsSync(HOST_PYTHON)) missing.push(HOST_PYTHON)
  else {
    try {
      execFileSync(HOST_PYTHON, ['-c', 'import moto.server, werkzeug'], {stdio: 'ignore', timeout: 30_000})
    } catch {
      missing.push(`${HOST_PYTHON} module moto[server]`)
    }
  }
  if (process.getuid?.() !== 0) missing.push('root (uid 0)')
  const filesystems = existsSync('/proc/filesystems') ? readFileSync('/proc/filesystems', 'utf8') : ''
  if (!/\boverlay\b/.test(filesystems)) missing.push('overlayfs (kernel)')
  return missing
}
