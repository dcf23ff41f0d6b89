import {randomBytes} from 'node:crypto'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {removeTree} from './rootfs.js'
import {alive, run, sleep} from './proc.js'

/** Every namespace, run directory and mount the harness creates is named with this prefix. */
export const PREFIX = 'arw-boot-'

/** A fresh name that embeds this process's id, so a later run can tell stale from live. */
export function newName(): string {
  return `${PREFIX}${process.pid}-${randomBytes(3).toString('hex')}`
}

/** The process id a name was made by, or undefined if it is not one of ours. */
function ownerOf(name: string): number | undefined {
  const match = new RegExp(`^${PREFIX}(\\d+)-[0-9a-f]+$`).exec(name)
  return match ? Number(match[1]) : undefined
}

/**
 * Creates a network namespace with only loopback, up, plus the EC2 link-local
 * metadata address 169.254.169.254/32 on it. Nothing changes in the host's namespace.
 */
export async function createNetns(name: string): Promise<void> {
  await run(['ip', 'netns', 'add', name])
  await run(['ip', '-n', name, 'link', 'set', 'lo', 'up'])
  await run(['ip', '-n', name, 'addr', 'add', '169.254.169.254/32', 'dev', 'lo'])
}

/** Kills every process in the namespace and deletes it. Idempotent. */
export async function deleteNetns(name: string): Promise<void> {
  if (!existsSync(`/run/netns/${name}`)) return
  for (let attempt = 0; attempt < 10; attempt++) {
    const pids = (await run(['ip', 'netns', 'pids', name], {allowFailure: true})).stdout.split(/\s+/).filter(Boolean)
    if (pids.length === 0) break
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL')
      } catch {
        // already gone
      }
    }
    await sleep(200)
  }
  await run(['ip', 'netns', 'delete', name], {allowFailure: true})
}

/**
 * Removes what a crashed earlier run left: namespaces, mounts, loop devices and run
 * directories named PREFIX<pid>-… whose pid no longer exists. Live runs (another
 * test file in a parallel worker) are left alone.
 */
export async function cleanupStale(runsDir: string): Promise<void> {
  const stale = (name: string) => {
    const owner = ownerOf(name)
    return owner !== undefined && owner !== process.pid && !alive(owner)
  }
  const namespaces = existsSync('/run/netns') ? readdirSync('/run/netns') : []
  for (const ns of namespaces.filter(stale)) await deleteNetns(ns)
  const loops = await run(['losetup', '--list', '--noheadings', '--output', 'NAME,BACK-FILE'], {allowFailure: true})
  for (const line of loops.stdout.split('\n')) {
    const [device, file] = line.trim().split(/\s+/)
    const dir = file?.split('/').find((part) => part.startsWith(PREFIX))
    if (device && dir && stale(dir)) await run(['losetup', '-d', device], {allowFailure: true})
  }
  const mountPoints = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
  for (const point of mountPoints.sort((a, b) => b.length - a.length)) {
    const dir = point.split('/').find((part) => part.startsWith(PREFIX))
    if (dir && stale(dir)) await run(['umount', '-l', point], {allowFailure: true})
  }
  if (existsSync(runsDir)) {
    for (const entry of readdirSync(runsDir).filter(stale)) await removeTree(join(runsDir, entry))
  }
}
