import {createHash} from 'node:crypto'
import {closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {alive, poll, run} from './proc.js'

/** Directory of the harness's own files (provisioning script, guest shim, Python services). */
export const HARNESS_DIR = dirname(fileURLToPath(import.meta.url))

const SUITE = 'bookworm'
const MIRROR = process.env.ARW_BOOT_MIRROR ?? 'http://deb.debian.org/debian'
/** What debootstrap itself installs: just enough for apt and systemd-nspawn; provision.sh installs the rest. */
const BASE_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'ca-certificates']

/** Packages in the guest image besides the base system. */
export const GUEST_PACKAGES: readonly string[] = [
  'cloud-init',
  'python3',
  'python3-boto3',
  'python3-requests',
  'curl',
  'iproute2',
  'iptables',
  'xfsprogs',
  'e2fsprogs',
  'util-linux',
  'udev',
  'procps',
  'openssl',
  'passwd',
  // cloud-init's locale module runs update-locale and locale-gen, as on a cloud image.
  'locales',
  'adduser',
  'sudo',
  'socat',
  // What the install phase installs from apt on a fresh Ubuntu image (install.py
  // APT_PACKAGES): present here, as on an image built with the same script.
  'nfs-common',
  'fuse3',
  'jupyterhub',
  'python3-notebook',
  'python3-ipykernel',
  'jupyter-core',
  'jupyter-client',
  'r-cran-irkernel',
]

const BUILD_TIMEOUT_MS = 30 * 60_000

/** Where images and per-run state live: $ARW_BOOT_CACHE, default /var/tmp/arw-boot-cache. */
export function cacheDir(): string {
  return process.env.ARW_BOOT_CACHE ?? '/var/tmp/arw-boot-cache'
}

/** Content hash of everything that shapes the image, so a change rebuilds it. */
export function rootfsHash(): string {
  const hash = createHash('sha256')
  hash.update(JSON.stringify({SUITE, BASE_PACKAGES, GUEST_PACKAGES}))
  for (const file of ['provision.sh', 'guest/arw_test_endpoint.py', 'guest/arw-test-fstab-devices'])
    hash.update(readFileSync(join(HARNESS_DIR, file)))
  return hash.digest('hex').slice(0, 16)
}

/** Details of a built image, from its build stamp. */
export interface RootfsInfo {
  readonly path: string
  /** Seconds the build took (debootstrap + provisioning). */
  readonly buildSeconds: number
  /** True when this call built it, false when it came from the cache. */
  readonly built: boolean
}

/**
 * Returns the cached Debian guest image for the current package list and provisioning
 * script, building it first if needed (several minutes; needs the Debian mirror).
 * Concurrent callers (other test files) wait on a lock file; the build goes to a temp
 * directory renamed into place, so a half-built image is never used.
 */
export async function ensureRootfs(log: (line: string) => void = () => {}): Promise<RootfsInfo> {
  const root = cacheDir()
  mkdirSync(root, {recursive: true})
  const name = `rootfs-${rootfsHash()}`
  const final = join(root, name)
  const stamp = join(final, '.arw-boot-build.json')
  const info = (built: boolean): RootfsInfo => ({path: final, built, buildSeconds: JSON.parse(readFileSync(stamp, 'utf8')).seconds})
  if (existsSync(stamp)) return info(false)

  const lock = join(root, `${name}.lock`)
  await poll('the rootfs build lock', async () => tryLock(lock), BUILD_TIMEOUT_MS, 2000)
  try {
    if (existsSync(stamp)) return info(false)
    await build(root, name, log)
    return info(true)
  } finally {
    rmSync(lock, {force: true})
  }
}

/** Takes the lock, or breaks it when its holder died. */
function tryLock(lock: string): boolean {
  try {
    const fd = openSync(lock, 'wx')
    writeSync(fd, String(process.pid))
    closeSync(fd)
    return true
  } catch {
    const holder = Number(readFileSafe(lock))
    if (holder && !alive(holder)) rmSync(lock, {force: true})
    return false
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

async function build(root: string, name: string, log: (line: string) => void): Promise<void> {
  // Leftovers of builds whose process died (of this image: only the lock holder gets here).
  for (const entry of readdirSync(root)) {
    const builder = /^rootfs-[0-9a-f]+\.tmp-(\d+)$/.exec(entry)
    if (builder && (entry.startsWith(`${name}.tmp-`) || !alive(Number(builder[1])))) await removeTree(join(root, entry))
  }
  const temp = join(root, `${name}.tmp-${process.pid}`)
  const started = Date.now()
  // Downloaded packages are kept across builds, so a changed list rebuilds in about a minute.
  const debs = join(root, 'debs')
  mkdirSync(join(debs, 'partial'), {recursive: true})
  try {
    log(`building guest image ${temp} (debootstrap ${SUITE})`)
    await run(['debootstrap', '--variant=minbase', `--cache-dir=${debs}`, `--include=${BASE_PACKAGES.join(',')}`, SUITE, temp, MIRROR], {
      timeoutMs: BUILD_TIMEOUT_MS,
    })
    log('provisioning guest image')
    await run(
      [
        'systemd-nspawn',
        '--quiet',
        '--register=no',
        '--keep-unit',
        '-D',
        temp,
        `--bind-ro=${HARNESS_DIR}:/arw-provision`,
        `--bind=${debs}:/var/cache/apt/archives`,
        '/bin/sh',
        '/arw-provision/provision.sh',
        ...GUEST_PACKAGES,
      ],
      {timeoutMs: BUILD_TIMEOUT_MS},
    )
  } catch (error) {
    await removeTree(temp)
    throw error
  }
  const seconds = Math.round((Date.now() - started) / 1000)
  writeFileSync(join(temp, '.arw-boot-build.json'), JSON.stringify({seconds, packages: GUEST_PACKAGES}))
  renameSync(temp, join(root, name))
  log(`guest image built in ${seconds} s`)
}

/** Unmounts anything left mounted below dir (a build that died inside debootstrap), then deletes it. */
export async function removeTree(dir: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => !!point && (point === dir || point.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length)
  for (const point of mounts) await run(['umount', '-l', point], {allowFailure: true, timeoutMs: 30_000})
  await run(['rm', '-rf', '--one-file-system', dir], {timeoutMs: 5 * 60_000})
}
