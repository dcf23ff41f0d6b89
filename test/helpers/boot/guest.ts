import {DescribeVolumesCommand, type EC2Client} from '@aws-sdk/client-ec2'
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import type {AddressInfo, Server} from 'node:net'
import {dirname, join} from 'node:path'
import {forwardLoopbackTo} from './forward.js'
import {createNetns, deleteNetns, newName} from './netns.js'
import {poll, run, type RunResult, sleep} from './proc.js'
import {ensureRootfs, HARNESS_DIR} from './rootfs.js'
import {HOST_PYTHON} from './tools.js'

/** How EC2 names an attached EBS volume in the guest: Nitro (NVMe) or Xen (xvd*). */
export type VolumeStyle = 'nitro' | 'xen'

/** An EBS volume (in moto) whose blocks live in a host file. */
export interface GuestVolume {
  volumeId: string
  file: string
  style: VolumeStyle
}

/** How to boot one guest. */
export interface GuestOptions {
  /** Given to cloud-init verbatim (NoCloud seed), like EC2 user data. */
  userData: string
  /** Instance id (seed it in moto first: environment.seedInstance()). */
  instanceId: string
  /** Default `${region}a`. */
  availabilityZone?: string
  /** Default 10.0.0.10 (only reported by the metadata service; the guest has loopback only). */
  privateIp?: string
  /** A volume the guest may attach with AttachVolume; its device appears only once moto says so. */
  volume?: GuestVolume
  /** Port moto answers on inside the guest's namespace (127.0.0.1); default 5000. */
  motoPort?: number
  /** Account id in the instance identity document; default moto's 123456789012. */
  accountId?: string
  /** Instance profile role name served by the metadata service; default arw-test-instance-role. */
  roleName?: string
  /**
   * Files to place in the guest image before it boots (guest path -> content or symlink target):
   * what an image build or an earlier install would have left there.
   */
  files?: Record<string, GuestFile>
  /** More variables for systemd's default environment in the guest (every unit, cloud-init included). */
  defaultEnvironment?: Record<string, string>
}

/** A file in the guest image: content with a mode, or a symbolic link. */
export type GuestFile = {content: string | Buffer; mode?: number} | {symlink: string}

/** How to run a command in the guest. */
export interface ExecOptions {
  /** Run as this guest user (runuser); default root. */
  user?: string
  /** Added to the command's environment (which starts from PATH, LANG and AWS_ENDPOINT_URL only). */
  env?: Record<string, string>
  /** Default 60 s. */
  timeoutMs?: number
  input?: string
}

/** A booted guest: real systemd as PID 1, real cloud-init, in its own network namespace. */
export interface Guest {
  /** Name of its network namespace (and of its run directory). */
  readonly name: string
  readonly instanceId: string
  readonly region: string
  /** Endpoint URL of moto for the AWS SDK in the test process. */
  readonly aws: string
  /** Endpoint URL of moto as the guest sees it (AWS_ENDPOINT_URL in the guest). */
  readonly awsInGuest: string
  /** Host process id of the guest's PID 1 (for nsenter). Changes on reboot. */
  readonly pid: number
  /** Guest device path of the volume while attached (e.g. /dev/nvme1n1), else undefined. */
  readonly volumeDevice: string | undefined
  /** Runs argv inside the guest (all its namespaces); never throws on a non-zero exit. */
  exec(argv: readonly string[], options?: ExecOptions): Promise<RunResult>
  /** Waits until `systemctl is-system-running` prints one of states; returns the state. */
  waitForSystemState(states?: readonly string[], timeoutMs?: number): Promise<string>
  /** Waits for cloud-init to finish (`cloud-init status --wait`); returns its long status. */
  waitForCloudInit(timeoutMs?: number): Promise<RunResult>
  /** Reboots from inside (systemctl reboot), restarts the container on the same overlay. Wait for a state afterwards. */
  reboot(timeoutMs?: number): Promise<void>
  /** Powers off (forcefully after timeoutMs) and removes the guest's namespace, loop device and overlay mount. Idempotent. */
  stop(timeoutMs?: number): Promise<void>
  /** The guest's journal (all boots), optionally for one unit. */
  journal(unit?: string): Promise<string>
  /** The container console output (boot messages) so far. */
  console(): string
  /**
   * A host loopback URL (http://127.0.0.1:PORT) that reaches TCP `port` on the guest's
   * loopback, for clients that need a real connection (websockets). Survives reboots.
   */
  forward(port: number): Promise<string>
  /** HTTP GET from inside the guest's network namespace (e.g. http://127.0.0.1:8000/hub/health). */
  fetchFromGuestNamespace(url: string, timeoutMs?: number): Promise<{status: number; body: string}>
}

/** What a guest needs from its environment. */
export interface GuestContext {
  region: string
  aws: string
  dir: string
  motoSocket: string
  ec2: () => EC2Client
}

/** nspawn's exit code when the container asked to be rebooted. */
const REBOOT_EXIT_CODE = 133
const GUEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
const FETCH_SCRIPT = `
import json, sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2])) as r:
        print(json.dumps({"status": r.status, "body": r.read().decode("utf-8", "replace")}))
except urllib.error.HTTPError as e:
    print(json.dumps({"status": e.code, "body": e.read().decode("utf-8", "replace")}))
`

/** Boots a guest; used through BootEnvironment.bootGuest. */
export async function bootGuestIn(context: GuestContext, options: GuestOptions, register: (guest: Guest) => void): Promise<Guest> {
  const lower = (await ensureRootfs()).path
  const name = newName()
  const home = join(context.dir, 'guests', name)
  const [upper, work, merged, byId] = ['upper', 'work', 'merged', 'by-id'].map((d) => join(home, d)) as [string, string, string, string]
  for (const d of [upper, work, merged, byId]) mkdirSync(d, {recursive: true})
  const motoPort = options.motoPort ?? 5000
  const awsInGuest = `http://127.0.0.1:${motoPort}`
  const availabilityZone = options.availabilityZone ?? `${context.region}a`
  const privateIp = options.privateIp ?? '10.0.0.10'

  let nspawn: ChildProcess | undefined
  let exited: Promise<number | null> = Promise.resolve(null)
  let consoleLog = ''
  let services: ChildProcess | undefined
  const forwarders: ChildProcess[] = []
  const servers: Server[] = []
  let loop: string | undefined
  let pid = 0
  let volumeDevice: string | undefined
  let watcher: NodeJS.Timeout | undefined
  let syncing = false
  // No volume sync while the container (re)starts: start() binds an attached volume itself.
  let starting = false
  let lastSyncError = ''
  let stopped = false
  let mounted = false

  const volumeAttachment = async () => {
    if (!options.volume) return undefined
    const result = await context.ec2().send(new DescribeVolumesCommand({VolumeIds: [options.volume.volumeId]}))
    return result.Volumes?.[0]?.Attachments?.find(
      (a) => a.InstanceId === options.instanceId && (a.State === 'attached' || a.State === 'attaching'),
    )
  }

  /** The guest device path EC2 would give this attachment. */
  const devicePath = (requested: string | undefined) => {
    if (options.volume?.style === 'xen') return `/dev/xvd${(requested ?? '/dev/sdh').replace(/^\/dev\/(sd|xvd)/, '')}`
    return '/dev/nvme1n1'
  }
  const byIdName = () => `nvme-Amazon_Elastic_Block_Store_${options.volume!.volumeId.replace('-', '')}`
  const inGuest = async (argv: string[], allowFailure = false) => {
    const result = await run(['nsenter', '-t', String(pid), '-a', '--', ...argv], {allowFailure: true})
    if (result.code !== 0 && !allowFailure) throw new Error(`${argv.join(' ')} in the guest: ${result.stderr.trim()}`)
  }

  const link = async (device: string, bindAtBoot: boolean) => {
    if (!bindAtBoot) {
      const {rdev} = statSync(loop!)
      const major = Math.floor(rdev / 256) & 0xfff
      const minor = (rdev & 0xff) | ((Math.floor(rdev / 4096) & 0xfff00) >>> 0)
      await inGuest(['rm', '-f', device], true)
      await inGuest(['mknod', device, 'b', String(major), String(minor)])
      await inGuest(['chmod', '0660', device])
      // Group "disk", as udev would set it (gid 6 in Debian's base-passwd).
      await inGuest(['chown', '0:6', device])
    }
    if (options.volume!.style === 'nitro') {
      // The link survives in the host directory across reboots: replace it.
      rmSync(join(byId, byIdName()), {force: true})
      symlinkSync(`../..${device.slice(4)}`, join(byId, byIdName()))
    }
    volumeDevice = device
  }
  const unlink = async () => {
    if (!volumeDevice) return
    rmSync(join(byId, byIdName()), {force: true})
    await inGuest(['umount', volumeDevice], true)
    await inGuest(['rm', '-f', volumeDevice], true)
    volumeDevice = undefined
  }

  /** Makes the guest's /dev match moto: the device exists exactly while the volume is attached here. */
  const syncVolume = async () => {
    if (syncing || starting || !pid || !options.volume) return
    syncing = true
    try {
      const attachment = await volumeAttachment()
      if (attachment && !volumeDevice) await link(devicePath(attachment.Device), false)
      else if (!attachment && volumeDevice) await unlink()
    } catch (error) {
      // moto briefly unavailable: the next tick retries. Noted in console() for diagnosis.
      const message = `[boot harness] volume sync: ${(error as Error).message}`
      if (message !== lastSyncError) consoleLog += `\n${message}\n`
      lastSyncError = message
    } finally {
      syncing = false
    }
  }

  const findGuestPid = async (): Promise<number> =>
    poll(
      'the guest systemd (PID 1)',
      async () => {
        if (nspawn?.exitCode !== null) throw new Error(`systemd-nspawn exited ${nspawn?.exitCode}\n${consoleLog.slice(-4000)}`)
        for (const entry of readdirSync('/proc')) {
          if (!/^\d+$/.test(entry)) continue
          try {
            const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
            const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
            if (Number(fields[1]) === nspawn!.pid && stat.includes('(systemd)')) return Number(entry)
          } catch {
            // process vanished
          }
        }
        return undefined
      },
      30_000,
      100,
    )

  const start = async () => {
    starting = true
    try {
      await startContainer()
    } finally {
      starting = false
    }
  }
  const startContainer = async () => {
    const attachment = await volumeAttachment()
    const binds = [`--bind=${byId}:/dev/disk/by-id`]
    // A volume still attached across a reboot must exist before local-fs.target: systemd in a
    // container has no device units to wait on, so bind it in now rather than later.
    if (attachment) binds.push(`--bind=${loop}:${devicePath(attachment.Device)}`)
    else if (options.volume) rmSync(join(byId, byIdName()), {force: true})
    volumeDevice = undefined
    const child = spawn(
      'systemd-nspawn',
      [
        '--register=no',
        '--keep-unit',
        '--boot',
        `--network-namespace-path=/run/netns/${name}`,
        `--machine=${name}`,
        '--console=read-only',
        // Root on an instance manages its own firewall: nspawn keeps CAP_NET_ADMIN only with
        // --private-network, not with a namespace of our own.
        '--capability=CAP_NET_ADMIN',
        ...binds,
        '-D',
        merged,
      ],
      {stdio: ['ignore', 'pipe', 'pipe']},
    )
    nspawn = child
    child.stdout?.on('data', (d) => (consoleLog = (consoleLog + d).slice(-200_000)))
    child.stderr?.on('data', (d) => (consoleLog = (consoleLog + d).slice(-200_000)))
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)))
    pid = 0
    pid = await findGuestPid()
    if (attachment) await link(devicePath(attachment.Device), true)
  }

  const exec = async (argv: readonly string[], execOptions: ExecOptions = {}) => {
    const env = {
      PATH: GUEST_PATH,
      LANG: 'C.UTF-8',
      AWS_ENDPOINT_URL: awsInGuest,
      ...(execOptions.user ? {} : {HOME: '/root'}),
      ...execOptions.env,
    }
    const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`)
    const user = execOptions.user ? ['runuser', '-u', execOptions.user, '--'] : []
    return run(['nsenter', '-t', String(pid), '-a', '--', ...user, 'env', '-i', ...assignments, ...argv], {
      timeoutMs: execOptions.timeoutMs ?? 60_000,
      input: execOptions.input,
      allowFailure: true,
    })
  }

  const waitForExit = async (timeoutMs: number) => Promise.race([exited, sleep(timeoutMs).then(() => 'timeout' as const)])

  const guest: Guest = {
    name,
    instanceId: options.instanceId,
    region: context.region,
    aws: context.aws,
    awsInGuest,
    get pid() {
      return pid
    },
    get volumeDevice() {
      return volumeDevice
    },
    exec,
    async waitForSystemState(states = ['running', 'degraded'], timeoutMs = 120_000) {
      let last = ''
      return poll(
        `system state ${states.join('/')}`,
        async () => {
          if (nspawn?.exitCode !== null)
            throw new Error(`guest exited (${nspawn?.exitCode}); last state ${last}\n${consoleLog.slice(-4000)}`)
          last = (await exec(['systemctl', 'is-system-running'], {timeoutMs: 10_000})).stdout.trim()
          return states.includes(last) ? last : undefined
        },
        timeoutMs,
      ).catch((error) => {
        throw new Error(`${error.message} (last state: ${last || 'none'})`)
      })
    },
    async waitForCloudInit(timeoutMs = 300_000) {
      await exec(['cloud-init', 'status', '--wait'], {timeoutMs})
      return exec(['cloud-init', 'status', '--long'], {timeoutMs: 30_000})
    },
    async reboot(timeoutMs = 120_000) {
      await exec(['systemctl', 'reboot'], {timeoutMs: 15_000})
      const code = await waitForExit(timeoutMs)
      if (code !== REBOOT_EXIT_CODE) throw new Error(`guest did not reboot (nspawn: ${code})\n${consoleLog.slice(-4000)}`)
      await start()
    },
    async stop(timeoutMs = 60_000) {
      if (stopped) return
      stopped = true
      if (watcher) clearInterval(watcher)
      if (nspawn && nspawn.exitCode === null) {
        if (pid) await exec(['systemctl', 'poweroff'], {timeoutMs: 15_000}).catch(() => {})
        if ((await waitForExit(timeoutMs)) === 'timeout') {
          if (pid) process.kill(pid, 'SIGKILL')
          nspawn.kill('SIGKILL')
          await waitForExit(10_000)
        }
      }
      services?.kill('SIGKILL')
      for (const child of forwarders) child.kill('SIGKILL')
      for (const server of servers) server.close()
      await deleteNetns(name)
      if (loop) await run(['losetup', '-d', loop], {allowFailure: true})
      if (mounted) {
        const result = await run(['umount', merged], {allowFailure: true})
        if (result.code !== 0) await run(['umount', '-l', merged], {allowFailure: true})
        mounted = false
      }
    },
    async journal(unit) {
      const result = await exec(['journalctl', '--no-pager', '-o', 'short-monotonic', ...(unit ? ['-u', unit] : [])], {timeoutMs: 30_000})
      return result.stdout + result.stderr
    },
    console: () => consoleLog,
    async forward(port) {
      const socket = join(home, `forward-${port}.sock`)
      const child = spawn(
        'ip',
        ['netns', 'exec', name, HOST_PYTHON, join(HARNESS_DIR, 'netns_forward.py'), '--unix-socket', socket, '--port', String(port)],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      forwarders.push(child)
      let output = ''
      child.stdout?.on('data', (d) => (output += d))
      child.stderr?.on('data', (d) => (output += d))
      await poll(
        `the forwarder to port ${port}`,
        async () => {
          if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${output}`)
          return output.includes('ready')
        },
        15_000,
        100,
      )
      const server = await forwardLoopbackTo(socket)
      servers.push(server)
      const address = server.address() as AddressInfo
      return `http://127.0.0.1:${address.port}`
    },
    async fetchFromGuestNamespace(url, timeoutMs = 15_000) {
      const result = await run(['ip', 'netns', 'exec', name, HOST_PYTHON, '-c', FETCH_SCRIPT, url, String(timeoutMs / 1000)], {
        timeoutMs: timeoutMs + 5000,
        allowFailure: true,
      })
      if (result.code !== 0) throw new Error(`GET ${url} in ${name} failed: ${result.stderr.trim().split('\n').pop()}`)
      return JSON.parse(result.stdout)
    },
  }
  register(guest)

  try {
    await run(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged])
    mounted = true
    writeGuestFiles(merged, options, awsInGuest, privateIp)
    for (const [path, file] of Object.entries(options.files ?? {})) {
      const target = join(merged, path)
      mkdirSync(dirname(target), {recursive: true})
      rmSync(target, {force: true})
      if ('symlink' in file) symlinkSync(file.symlink, target)
      else writeFileSync(target, file.content, {mode: file.mode ?? 0o644})
    }

    await createNetns(name)
    const imds = join(home, 'imds.json')
    writeFileSync(
      imds,
      JSON.stringify({
        instanceId: options.instanceId,
        region: context.region,
        availabilityZone,
        accountId: options.accountId ?? '123456789012',
        architecture: 'x86_64',
        imageId: 'ami-0arwboottest0000',
        instanceType: 't3.medium',
        privateIp,
        hostname: hostnameFor(privateIp),
        roleName: options.roleName ?? 'arw-test-instance-role',
        accessKeyId: 'ASIAARWBOOTTESTKEY00',
        secretAccessKey: 'arw-boot-test-secret-access-key',
        sessionToken: 'arw-boot-test-session-token',
        userData: options.userData,
      }),
    )
    services = spawn(
      'ip',
      [
        'netns',
        'exec',
        name,
        HOST_PYTHON,
        join(HARNESS_DIR, 'netns_services.py'),
        '--imds-config',
        imds,
        '--forward-port',
        String(motoPort),
        '--forward-to',
        context.motoSocket,
      ],
      {stdio: ['ignore', 'pipe', 'pipe']},
    )
    let servicesLog = ''
    services.stdout?.on('data', (d) => (servicesLog += d))
    services.stderr?.on('data', (d) => (servicesLog = (servicesLog + d).slice(-10_000)))
    await poll(
      'the namespace services (metadata service, AWS forwarder)',
      async () => {
        if (services?.exitCode !== null) throw new Error(`exited ${services?.exitCode}: ${servicesLog}`)
        return servicesLog.includes('ready')
      },
      30_000,
      100,
    )

    if (options.volume) loop = (await run(['losetup', '--find', '--show', options.volume.file])).stdout.trim()
    await start()
    if (options.volume) watcher = setInterval(() => void syncVolume(), 500)
    return guest
  } catch (error) {
    await guest.stop(10_000)
    throw error
  }
}

/** EC2's default private DNS name for an address. */
function hostnameFor(ip: string): string {
  return `ip-${ip.replaceAll('.', '-')}`
}

/** Seeds cloud-init (NoCloud) and systemd's default environment in the guest's overlay. */
function writeGuestFiles(merged: string, options: GuestOptions, awsInGuest: string, privateIp: string): void {
  const seed = join(merged, 'var/lib/cloud/seed/nocloud')
  mkdirSync(seed, {recursive: true})
  writeFileSync(join(seed, 'meta-data'), `instance-id: ${options.instanceId}\nlocal-hostname: ${hostnameFor(privateIp)}\n`)
  writeFileSync(join(seed, 'user-data'), options.userData, {mode: 0o600})
  // nfs-common's rpc_pipefs needs the host kernel's sunrpc file system, which a container
  // cannot mount; NFSv4 mounts (EFS) do not use it, and nothing here mounts NFS.
  mkdirSync(join(merged, 'etc/systemd/system'), {recursive: true})
  rmSync(join(merged, 'etc/systemd/system/run-rpc_pipefs.mount'), {force: true})
  symlinkSync('/dev/null', join(merged, 'etc/systemd/system/run-rpc_pipefs.mount'))
  // In a VPC the instance's own name resolves (Amazon DNS); the namespace has no resolver,
  // so the name points at loopback, as Debian does for its own host name.
  const hosts = join(merged, 'etc/hosts')
  const current = existsSync(hosts) ? readFileSync(hosts, 'utf8') : '127.0.0.1 localhost\n'
  writeFileSync(hosts, `${current.trimEnd()}\n127.0.1.1 ${hostnameFor(privateIp)}\n`)
  const environment = {AWS_ENDPOINT_URL: awsInGuest, ...options.defaultEnvironment}
  const assignments = Object.entries(environment).map(([k, v]) => JSON.stringify(`${k}=${v}`))
  mkdirSync(join(merged, 'etc/systemd/system.conf.d'), {recursive: true})
  writeFileSync(
    join(merged, 'etc/systemd/system.conf.d/90-arw-boot-harness.conf'),
    `# TEST-ONLY (boot harness): every unit, cloud-init included, reaches the AWS stand-in.\n[Manager]\nDefaultEnvironment=${assignments.join(' ')}\n`,
  )
}
