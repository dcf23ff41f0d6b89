import {CloudFormationClient, DescribeStacksCommand} from '@aws-sdk/client-cloudformation'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {waitFor} from '../helpers/ports.js'
import {
  type BootEnvironment,
  createEnvironment,
  ensureRootfs,
  type Guest,
  missingBootTools,
  type SeededVolume,
} from '../helpers/boot/index.js'

/**
 * Proves the boot harness itself, independent of the product: a plain bash user-data
 * script that does what instance code does on EC2 (IMDSv2, AttachVolume, mount the
 * home volume, SignalResource), run by real cloud-init under real systemd, then a
 * reboot and a replacement instance on the same volume.
 */
const missing = missingBootTools()
const STACK = 'arw-boot-harness'

const userData = (volumeId: string) => `#!/bin/bash
set -euo pipefail
env > /var/tmp/user-data.env
token=$(curl -sSf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token)
instance_id=$(curl -sSf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id)
echo "$instance_id" > /var/tmp/instance-id
curl -s -o /dev/null -w '%{http_code}' http://169.254.169.254/latest/meta-data/instance-id > /var/tmp/imds-without-token || true
region=$(curl -sSf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/placement/region)
# boto3 takes credentials from the metadata service but never the region: pass it.
python3 - "${volumeId}" "$instance_id" "$region" <<'PY'
import sys, boto3
session = boto3.session.Session(region_name=sys.argv[3])
ec2 = session.client("ec2")
ec2.attach_volume(VolumeId=sys.argv[1], InstanceId=sys.argv[2], Device="/dev/sdh")
creds = session.get_credentials()
with open("/var/tmp/boto3-identity", "w") as f:
    f.write("%s %s %s" % (session.region_name, creds.access_key, creds.method))
PY
device=/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace('-', '')}
for _ in $(seq 1 120); do [ -e "$device" ] && break; sleep 0.5; done
[ -e "$device" ]
blkid "$device" || mkfs.xfs -q "$device"
echo "$device /home xfs defaults,nofail 0 2" >> /etc/fstab
mount /home
id researcher >/dev/null 2>&1 || useradd --create-home --uid 2001 researcher
[ -e /home/researcher/hello.txt ] || echo "from $instance_id" > /home/researcher/hello.txt
chown researcher: /home/researcher/hello.txt
python3 - "$instance_id" "$region" <<'PY'
import sys, boto3
boto3.client("cloudformation", region_name=sys.argv[2]).signal_resource(
    StackName="${STACK}", LogicalResourceId="Instance", UniqueId=sys.argv[1], Status="SUCCESS")
PY
`

/** Attaches a volume as /dev/sdf (Xen: /dev/xvdf), noting that the device was absent before. */
const xenUserData = (volumeId: string) => `#!/bin/bash
set -euo pipefail
token=$(curl -sSf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token)
imds() { curl -sSf -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"; }
if [ -e /dev/xvdf ]; then echo present > /var/tmp/before-attach; else echo absent > /var/tmp/before-attach; fi
python3 -c 'import sys, boto3; boto3.client("ec2", region_name=sys.argv[1]).attach_volume(VolumeId=sys.argv[2], InstanceId=sys.argv[3], Device="/dev/sdf")' \\
  "$(imds placement/region)" "${volumeId}" "$(imds instance-id)"
for _ in $(seq 1 120); do [ -b /dev/xvdf ] && break; sleep 0.5; done
mkfs.ext4 -q /dev/xvdf
mkdir -p /data
mount /dev/xvdf /data
touch /data/ok
`

describe.skipIf(missing.length > 0 && !process.env.CI)(
  `boot harness: cloud-init and systemd in a container${missing.length ? ` (cannot run here, missing: ${missing.join(', ')})` : ''}`,
  () => {
    let environment: BootEnvironment
    let volume: SeededVolume
    let first: Guest
    const timings: Record<string, number> = {}
    const timed = async <T>(label: string, step: () => Promise<T>): Promise<T> => {
      const started = Date.now()
      try {
        return await step()
      } finally {
        timings[label] = (Date.now() - started) / 1000
      }
    }

    beforeAll(async () => {
      if (missing.length) throw new Error(`the boot harness needs: ${missing.join(', ')} (see .ci/run)`)
      // Built once per package list and cached (first build: a few minutes).
      const image = await timed('image', () => ensureRootfs((line) => console.log(line)))
      console.log(`guest image ${image.path} (${image.built ? 'built' : 'cached'}, build took ${image.buildSeconds} s)`)
      environment = await createEnvironment()
      const instance = await environment.seedInstance({tags: {Name: 'boot-harness'}})
      volume = await environment.createVolume({availabilityZone: instance.availabilityZone, sizeGiB: 1, tags: {Name: 'home'}})
      first = await timed('boot', async () => {
        const guest = await environment.bootGuest({
          userData: userData(volume.volumeId),
          instanceId: instance.instanceId,
          availabilityZone: instance.availabilityZone,
          volume: {volumeId: volume.volumeId, file: volume.file, style: 'nitro'},
        })
        await guest.waitForSystemState(['running', 'degraded'], 120_000)
        return guest
      })
    }, 30 * 60_000)

    afterAll(async () => {
      console.log(`boot harness timings (s): ${JSON.stringify(timings)}`)
      await environment?.close()
    }, 120_000)

    it('runs the user data through cloud-init to completion without errors', async () => {
      const status = await timed('cloud-init', () => first.waitForCloudInit(180_000))
      const result = await first.exec(['cat', '/run/cloud-init/result.json'])
      const journal = status.code === 0 ? '' : await first.journal('cloud-final.service')
      expect(status.stdout, journal).toContain('status: done')
      expect(JSON.parse(result.stdout).v1.errors).toEqual([])
      expect(await first.waitForSystemState(['running', 'degraded'], 10_000)).toMatch(/running|degraded/)
    }, 240_000)

    it("gives the script cloud-init's environment: no HOME, a minimal PATH, the AWS endpoint", async () => {
      const env = Object.fromEntries(
        (await first.exec(['cat', '/var/tmp/user-data.env'])).stdout
          .trim()
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      )
      expect(env.HOME).toBeUndefined()
      expect(env.PATH).toBe('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
      expect(env.AWS_ENDPOINT_URL).toBe('http://127.0.0.1:5000')
      expect(env.AWS_ACCESS_KEY_ID).toBeUndefined()
    })

    it('serves IMDSv2 only with a token, and boto3 takes its credentials from it', async () => {
      expect((await first.exec(['cat', '/var/tmp/instance-id'])).stdout.trim()).toBe(first.instanceId)
      expect((await first.exec(['cat', '/var/tmp/imds-without-token'])).stdout).toBe('401')
      expect((await first.exec(['cat', '/var/tmp/boto3-identity'])).stdout).toBe(`${environment.region} ASIAARWBOOTTESTKEY00 iam-role`)
    })

    it('makes the volume appear only once attached, and it mounts as xfs', async () => {
      expect(first.volumeDevice).toBe('/dev/nvme1n1')
      const mount = await first.exec(['findmnt', '-n', '-o', 'SOURCE,FSTYPE', '/home'])
      expect(mount.stdout.trim()).toMatch(/^\/dev\/(nvme1n1|disk\/by-id\/nvme-Amazon_Elastic_Block_Store_vol\w+) xfs$/)
    })

    it('names a Xen-style attachment /dev/xvdX, and ext4 mounts on it', async () => {
      const instance = await environment.seedInstance({tags: {Name: 'boot-harness-xen'}})
      const scratch = await environment.createVolume({availabilityZone: instance.availabilityZone, sizeGiB: 1})
      const guest = await timed('xen boot', () =>
        environment.bootGuest({
          userData: xenUserData(scratch.volumeId),
          instanceId: instance.instanceId,
          availabilityZone: instance.availabilityZone,
          volume: {volumeId: scratch.volumeId, file: scratch.file, style: 'xen'},
        }),
      )
      try {
        const status = await guest.waitForCloudInit(180_000)
        expect(status.stdout, await guest.journal('cloud-final.service')).toContain('status: done')
        expect((await guest.exec(['cat', '/var/tmp/before-attach'])).stdout.trim()).toBe('absent')
        expect(guest.volumeDevice).toBe('/dev/xvdf')
        expect((await guest.exec(['findmnt', '-n', '-o', 'SOURCE,FSTYPE', '/data'])).stdout.trim()).toBe('/dev/xvdf ext4')
      } finally {
        await guest.stop()
      }
    }, 240_000)

    it('records the CloudFormation signal', async () => {
      expect(await environment.signals()).toContainEqual({
        StackName: STACK,
        LogicalResourceId: 'Instance',
        UniqueId: first.instanceId,
        Status: 'SUCCESS',
      })
      // The test process reaches the same moto with the SDK.
      const stacks = new CloudFormationClient(environment.clientConfig()).send(new DescribeStacksCommand({}))
      await expect(stacks).resolves.toBeDefined()
    })

    it('runs commands as a guest user, and reaches a guest service from its namespace', async () => {
      expect((await first.exec(['id', '-un'], {user: 'researcher'})).stdout.trim()).toBe('researcher')
      const serve = await first.exec([
        'systemd-run',
        '--unit=arw-http',
        '--property=WorkingDirectory=/home/researcher',
        'python3',
        '-m',
        'http.server',
        '8000',
        '--bind',
        '127.0.0.1',
      ])
      expect(serve.code, serve.stderr).toBe(0)
      const page = await waitFor(
        'the guest web server',
        async () => {
          const response = await first.fetchFromGuestNamespace('http://127.0.0.1:8000/')
          return response.status === 200 ? response : undefined
        },
        20_000,
      )
      expect(page.body).toContain('hello.txt')
      await first.exec(['systemctl', 'stop', 'arw-http'])
    }, 60_000)

    it('keeps the file and its owner across a reboot', async () => {
      const before = await first.exec(['stat', '-c', '%u %U', '/home/researcher/hello.txt'])
      await timed('reboot', async () => {
        await first.reboot()
        await first.waitForSystemState(['running', 'degraded'], 120_000)
      })
      expect(first.volumeDevice).toBe('/dev/nvme1n1')
      const after = await first.exec(['stat', '-c', '%u %U', '/home/researcher/hello.txt'])
      expect(after.stdout, (await first.journal()).slice(-4000)).toBe(before.stdout)
      expect(after.stdout.trim()).toBe('2001 researcher')
      const failed = await first.exec(['systemctl', '--failed', '--no-legend', '--plain'])
      expect((await first.exec(['systemctl', 'is-system-running'])).stdout.trim(), failed.stdout).toBe('running')
    }, 240_000)

    it('lets a replacement instance on the same volume see the file', async () => {
      await first.stop()
      await environment.terminateInstance(first.instanceId)
      const replacement = await environment.seedInstance({tags: {Name: 'boot-harness-replacement'}})
      const second = await timed('replacement', async () => {
        const guest = await environment.bootGuest({
          userData: userData(volume.volumeId),
          instanceId: replacement.instanceId,
          availabilityZone: replacement.availabilityZone,
          volume: {volumeId: volume.volumeId, file: volume.file, style: 'nitro'},
        })
        await guest.waitForCloudInit(180_000)
        return guest
      })
      const file = await second.exec(['cat', '/home/researcher/hello.txt'])
      expect(file.stdout.trim(), (await second.journal('cloud-final.service')) + second.console().slice(-3000)).toBe(
        `from ${first.instanceId}`,
      )
      expect((await second.exec(['stat', '-c', '%u', '/home/researcher/hello.txt'])).stdout.trim()).toBe('2001')
      expect((await environment.signals()).map((s) => s.UniqueId)).toContain(replacement.instanceId)
      await second.stop()
    }, 300_000)
  },
)
