import {
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  EC2Client,
  RunInstancesCommand,
  type Tag,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2'
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdirSync, openSync, closeSync, ftruncateSync} from 'node:fs'
import type {Server} from 'node:net'
import {join} from 'node:path'
import {forwardLoopbackTo} from './forward.js'
import {bootGuestIn, type Guest, type GuestOptions} from './guest.js'
import {cleanupStale, createNetns, deleteNetns, newName} from './netns.js'
import {poll} from './proc.js'
import {cacheDir, HARNESS_DIR, removeTree} from './rootfs.js'
import {HOST_PYTHON} from './tools.js'

/** Fake credentials the test process signs moto requests with (moto accepts any). */
export const TEST_CREDENTIALS = {accessKeyId: 'testing', secretAccessKey: 'testing'}

/** One CloudFormation SignalResource call, as the moto launcher recorded it. */
export interface RecordedSignal {
  StackName: string
  LogicalResourceId: string
  UniqueId: string
  Status: string
}

/** An instance that exists in moto (RunInstances), ready to be booted as a guest. */
export interface SeededInstance {
  instanceId: string
  availabilityZone: string
  imageId: string
  privateIp: string
}

/** A moto EBS volume backed by a sparse file on the host. */
export interface SeededVolume {
  volumeId: string
  availabilityZone: string
  /** Sparse file holding the volume's blocks; the guest sees it through a loop device. */
  file: string
}

/** The AWS side of a test: one moto, shared by every guest booted from it. */
export interface BootEnvironment {
  readonly region: string
  /** Endpoint URL of moto for the AWS SDK in the test process (host loopback). */
  readonly aws: string
  /** Run directory (namespaces' sockets, overlays, volume files). Deleted by close(). */
  readonly dir: string
  /** An EC2 client for this environment's moto. */
  ec2(): EC2Client
  /** SDK client configuration for this environment's moto (region, endpoint, fake credentials). */
  clientConfig(): {region: string; endpoint: string; credentials: typeof TEST_CREDENTIALS}
  /** RunInstances in moto so the guest has a real instance id (and availability zone). */
  seedInstance(options?: {tags?: Record<string, string>; instanceType?: string}): Promise<SeededInstance>
  /** CreateVolume in moto plus a sparse backing file of the same size. */
  createVolume(options: {availabilityZone: string; sizeGiB?: number; tags?: Record<string, string>}): Promise<SeededVolume>
  /** What EC2 does on termination: detach the instance's volumes, terminate it in moto. */
  terminateInstance(instanceId: string): Promise<void>
  /** Every SignalResource call received so far. */
  signals(): Promise<RecordedSignal[]>
  /** Boots a guest (see Guest) against this environment's moto. */
  bootGuest(options: GuestOptions): Promise<Guest>
  /** Stops every guest, moto and the forwarder; deletes namespaces and the run directory. Idempotent. */
  close(): Promise<void>
}

const MOTO_READY_TIMEOUT_MS = 60_000

const tags = (record: Record<string, string> = {}): Tag[] => Object.entries(record).map(([Key, Value]) => ({Key, Value}))

/**
 * Starts moto inside a new network namespace (loopback only) listening on
 * 127.0.0.1:5000 there and on a Unix socket; the test process reaches it through a
 * host loopback port forwarded to that socket, each guest's namespace through its own
 * 127.0.0.1:5000 forwarder. Cleans up stale state of crashed earlier runs first.
 */
export async function createEnvironment(options: {region?: string} = {}): Promise<BootEnvironment> {
  const region = options.region ?? 'us-east-1'
  const runs = join(cacheDir(), 'runs')
  await cleanupStale(runs)
  const name = newName()
  const dir = join(runs, name)
  mkdirSync(dir, {recursive: true})
  const socket = join(dir, 'moto.sock')
  const guests = new Set<Guest>()
  let moto: ChildProcess | undefined
  let forwarder: Server | undefined
  let motoLog = ''
  let closed = false

  const close = async () => {
    if (closed) return
    closed = true
    for (const guest of guests) await guest.stop().catch(() => {})
    forwarder?.close()
    moto?.kill('SIGKILL')
    await deleteNetns(name)
    if (!process.env.ARW_BOOT_KEEP) await removeTree(dir)
  }

  try {
    await createNetns(name)
    moto = spawn(
      'ip',
      ['netns', 'exec', name, HOST_PYTHON, join(HARNESS_DIR, 'moto_server.py'), '-H', '127.0.0.1', '-p', '5000', '--unix-socket', socket],
      {stdio: ['ignore', 'pipe', 'pipe']},
    )
    moto.stdout?.on('data', (d) => (motoLog = (motoLog + d).slice(-20_000)))
    moto.stderr?.on('data', (d) => (motoLog = (motoLog + d).slice(-20_000)))
    forwarder = await forwardLoopbackTo(socket)
    const address = forwarder.address()
    const port = typeof address === 'object' && address ? address.port : 0
    const aws = `http://127.0.0.1:${port}`
    await poll(
      'moto',
      async () => {
        if (moto?.exitCode !== null) throw new Error(`moto exited ${moto?.exitCode}`)
        return (await fetch(`${aws}/moto-api/`, {signal: AbortSignal.timeout(2000)})).ok
      },
      MOTO_READY_TIMEOUT_MS,
    ).catch((error) => {
      throw new Error(`${error.message}\n${motoLog}`)
    })

    const clientConfig = () => ({region, endpoint: aws, credentials: TEST_CREDENTIALS})
    const ec2 = () => new EC2Client(clientConfig())
    const environment: BootEnvironment = {
      region,
      aws,
      dir,
      ec2,
      clientConfig,
      async seedInstance({tags: instanceTags, instanceType = 't3.medium'} = {}) {
        const client = ec2()
        const images = await client.send(new DescribeImagesCommand({}))
        const imageId = images.Images?.[0]?.ImageId
        if (!imageId) throw new Error('moto has no AMI to launch')
        const result = await client.send(
          new RunInstancesCommand({
            ImageId: imageId,
            InstanceType: instanceType as never,
            MinCount: 1,
            MaxCount: 1,
            TagSpecifications: instanceTags ? [{ResourceType: 'instance', Tags: tags(instanceTags)}] : undefined,
          }),
        )
        const instance = result.Instances![0]!
        return {
          instanceId: instance.InstanceId!,
          availabilityZone: instance.Placement!.AvailabilityZone!,
          imageId,
          privateIp: instance.PrivateIpAddress ?? '10.0.0.10',
        }
      },
      async createVolume({availabilityZone, sizeGiB = 1, tags: volumeTags}) {
        const volume = await ec2().send(
          new CreateVolumeCommand({
            AvailabilityZone: availabilityZone,
            Size: sizeGiB,
            VolumeType: 'gp3',
            TagSpecifications: volumeTags ? [{ResourceType: 'volume', Tags: tags(volumeTags)}] : undefined,
          }),
        )
        const file = join(dir, 'volumes', `${volume.VolumeId}.img`)
        mkdirSync(join(dir, 'volumes'), {recursive: true})
        const fd = openSync(file, 'w')
        ftruncateSync(fd, sizeGiB * 1024 ** 3)
        closeSync(fd)
        return {volumeId: volume.VolumeId!, availabilityZone, file}
      },
      async terminateInstance(instanceId) {
        const client = ec2()
        const volumes = await client.send(new DescribeVolumesCommand({Filters: [{Name: 'attachment.instance-id', Values: [instanceId]}]}))
        for (const volume of volumes.Volumes ?? []) {
          await client.send(new DetachVolumeCommand({VolumeId: volume.VolumeId, InstanceId: instanceId}))
        }
        await client.send(new TerminateInstancesCommand({InstanceIds: [instanceId]}))
      },
      async signals() {
        const response = await fetch(`${aws}/arw-test/signals`, {signal: AbortSignal.timeout(10_000)})
        return (await response.json()) as RecordedSignal[]
      },
      async bootGuest(guestOptions) {
        if (closed) throw new Error('environment is closed')
        const guest = await bootGuestIn({region, aws, dir, motoSocket: socket, ec2}, guestOptions, (g) => guests.add(g))
        return guest
      },
      close,
    }
    return environment
  } catch (error) {
    await close()
    throw error
  }
}

/** Convenience for a single guest: its own environment, closed when the guest's stop() runs. */
export async function bootGuest(options: GuestOptions & {region?: string}): Promise<Guest & {environment: BootEnvironment}> {
  const environment = await createEnvironment({region: options.region})
  try {
    const guest = await environment.bootGuest(options)
    const stop = guest.stop.bind(guest)
    return Object.assign(guest, {
      environment,
      stop: async () => {
        await stop()
        await environment.close()
      },
    })
  } catch (error) {
    await environment.close()
    throw error
  }
}
