import {randomBytes} from 'node:crypto'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DescribeInstancesCommand} from '@aws-sdk/client-ec2'
import {GetObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {GetParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type BootEnvironment, createEnvironment, type Guest, missingBootTools} from '../helpers/boot/index.js'
import {
  ARTIFACT_MIRROR,
  cliAgainst,
  type CliEnvelope,
  type DeployedHub,
  deployHub,
  motoClientConfig,
  testImageFiles,
} from '../helpers/boot/hub-fixture.js'
import {executeCell} from '../helpers/kernel.js'
import {FIXTURES} from '../helpers/run.js'
import {usersShellCommand} from '../../src/lib/users/instance.js'

/**
 * The hub as EC2 boots it: the CLI deploys a real synthesized stack into moto (the
 * instance files go up as the stack's asset), and the instance's user data, as moto
 * holds it, boots a Debian guest through real cloud-init with real systemd as PID 1.
 *
 * Where the test image differs from an Ubuntu instance (everything else is the product):
 * - conda cannot be downloaded here. The image carries Debian's JupyterHub, ipykernel and
 *   IRkernel where the install phase would have put the hub and the Python and R kernel
 *   environments (wrappers below); the install phase still runs, finds them, registers
 *   their kernelspecs, and installs the Julia kernel, which fails for real.
 * - downloads come from a mirror (ARW_ARTIFACT_MIRROR, a product setting) served by moto's
 *   S3: a small Miniforge fixture (checksum verified) whose mamba cannot reach a package
 *   index, and a CloudWatch agent fixture package.
 * - the jupyterhub-systemdspawner package does not exist for Debian: a drop-in in the
 *   product's jupyterhub_config.d selects JupyterHub's local process spawner and adds an
 *   API token for the test.
 */
const missing = missingBootTools()
const runBoot = missing.length === 0 || Boolean(process.env.CI)

describe.runIf(runBoot).sequential('the hub boots under cloud-init and systemd', () => {
  let environment: BootEnvironment
  let guest: Guest
  let userData = ''
  let instanceId = ''
  let volumeId = ''
  let stackName = ''
  let hubLogicalId = ''
  let hubUrl = ''
  let hub: DeployedHub
  let deployment: CliEnvelope
  const token = randomBytes(16).toString('hex')
  const work = mkdtempSync(join(tmpdir(), 'hub-boot-'))

  const clientConfig = () => motoClientConfig(environment)
  const ssm = () => new SSMClient(clientConfig())
  const bootStatus = async () => {
    const {Parameter} = await ssm().send(new GetParameterCommand({Name: '/arw/boot1/boot-status'}))
    return JSON.parse(Parameter!.Value!) as {
      phase: string
      failedStep?: string
      message?: string
      kernels: Record<string, string>
      detail: string
      instanceId: string
    }
  }
  const sh = (script: string, user?: string) => guest.exec(['bash', '-c', script], {user, timeoutMs: 120_000})

  const hubApi = async (path: string, method = 'GET') => {
    const response = await fetch(`${hubUrl}${path}`, {
      method,
      headers: {Authorization: `token ${token}`},
      signal: AbortSignal.timeout(20_000),
    })
    const text = await response.text()
    return {status: response.status, body: text ? JSON.parse(text) : undefined}
  }

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`the boot test needs ${missing.join(', ')}: CI must install them (see .ci/run)`)
    environment = await createEnvironment()
    hub = await deployHub(environment, work, 'boot1', {wait: true})
    ;({userData, instanceId, volumeId, stackName, hubLogicalId} = hub)
    const file = hub.volumeFile
    guest = await environment.bootGuest({
      userData,
      instanceId,
      volume: {volumeId, file, style: 'nitro'},
      files: testImageFiles(token),
      defaultEnvironment: ARTIFACT_MIRROR,
    })
    await guest.waitForCloudInit(300_000)
    await waitForPhase(['ready', 'failed'], 600_000)
    hubUrl = await guest.forward(8000)
    deployment = await hub.deployment
  }, 1_200_000)

  afterAll(async () => {
    await environment?.close()
  }, 120_000)

  const waitForPhase = async (phases: string[], timeoutMs: number, since = '') => {
    const deadline = Date.now() + timeoutMs
    let last = ''
    while (Date.now() < deadline) {
      const status = await bootStatus().catch(() => undefined)
      last = JSON.stringify(status)
      if (status && phases.includes(status.phase) && status.instanceId === guest.instanceId && last !== since) return status
      await new Promise((r) => setTimeout(r, 2000))
    }
    const journal = await guest.exec(['journalctl', '-u', 'arw-configure', '-u', 'arw-install', '--no-pager', '-n', '80'])
    const log = await guest.exec(['tail', '-n', '80', '/var/log/aws-research-wizard-bootstrap.log'])
    throw new Error(`boot did not reach ${phases.join('/')}; last status ${last}\n${journal.stdout}\n${log.stdout}`)
  }

  it('cloud-init ran the user data without errors, with no HOME', async () => {
    const result = JSON.parse((await guest.exec(['cat', '/var/lib/cloud/data/result.json'])).stdout)
    expect(result.v1.errors).toEqual([])
    expect(await guest.waitForSystemState(['running', 'degraded'])).toMatch(/running|degraded/)
  })

  it('deploy waited for the booted hub and reports it ready', () => {
    expect(deployment.status, JSON.stringify(deployment)).toBe(0)
    expect(deployment.result?.hub).toMatchObject({phase: 'ready', instanceId})
  })

  it('reports ready, with the failing kernel named, and signals CloudFormation once the hub answers', async () => {
    const status = await bootStatus()
    expect(status.phase, JSON.stringify(status)).toBe('ready')
    expect(status.kernels['python-main']).toBe('ok')
    expect(status.kernels['r-stats']).toBe('ok')
    expect(status.kernels['julia-sim']).toMatch(/^failed: /)
    expect(status.detail).toContain('kernel julia-sim')
    const signals = await environment.signals()
    expect(signals).toContainEqual({StackName: stackName, LogicalResourceId: hubLogicalId, UniqueId: instanceId, Status: 'SUCCESS'})
    expect((await guest.exec(['systemctl', 'is-active', 'jupyterhub.service'])).stdout.trim()).toBe('active')
  })

  it('installed the fixtures through the mirror (checksum-verified Miniforge, CloudWatch agent package)', async () => {
    expect((await guest.exec(['test', '-x', '/opt/conda/bin/mamba'])).code).toBe(0)
    expect((await guest.exec(['dpkg-query', '-W', 'amazon-cloudwatch-agent'])).code).toBe(0)
    const calls = await guest.exec(['cat', '/var/log/arw-test-cwagent.log'])
    expect(calls.stdout).toContain('-a fetch-config -m ec2 -s -c file:/etc/aws-research-wizard/cloudwatch-agent.json')
  })

  it('mounts the home volume at /home and gives the administrator a private home and a password in SSM', async () => {
    expect((await guest.exec(['findmnt', '-n', '-o', 'SOURCE,FSTYPE', '/home'])).stdout.trim()).toBe(`${guest.volumeDevice} xfs`)
    expect((await guest.exec(['id', '-u', 'ada'])).stdout.trim()).toBe('2000')
    expect((await guest.exec(['stat', '-c', '%a %U', '/home/ada'])).stdout.trim()).toBe('700 ada')
    const {Parameter} = await ssm().send(new GetParameterCommand({Name: '/arw/boot1/admin-password', WithDecryption: true}))
    expect(Object.keys(JSON.parse(Parameter!.Value!))).toEqual(['ada'])
  })

  it('prepares the data directory people bring their own files to', async () => {
    expect((await guest.exec(['stat', '-c', '%a %U %G', '/data/cosmic'])).stdout.trim()).toBe('3775 root arw-users')
    expect((await sh('echo licensed > /data/cosmic/ada.txt', 'ada')).code).toBe(0)
    expect((await guest.exec(['stat', '-c', '%U %G', '/data/cosmic/ada.txt'])).stdout.trim()).toBe('ada arw-users')
  })

  it("puts the pack's example notebooks read-only in /shared/examples and gives a new account its own copy", async () => {
    const shipped = readFileSync(join(FIXTURES, 'boot', 'notebooks', 'boot-example.ipynb'), 'utf8')
    expect((await guest.exec(['stat', '-c', '%a %U', '/shared/examples', '/shared/examples/boot-example.ipynb'])).stdout.trim()).toBe(
      '755 root\n644 root',
    )
    expect((await guest.exec(['cat', '/shared/examples/boot-example.ipynb'])).stdout).toBe(shipped)
    expect((await sh('echo x >> /shared/examples/boot-example.ipynb', 'ada')).code).not.toBe(0)
    // ada's account (and home) was created on this boot: a copy of her own, hers to edit.
    expect((await guest.exec(['stat', '-c', '%a %U', '/home/ada/examples', '/home/ada/examples/boot-example.ipynb'])).stdout.trim()).toBe(
      '755 ada\n644 ada',
    )
    expect((await guest.exec(['cat', '/home/ada/examples/boot-example.ipynb'])).stdout).toBe(shipped)
    expect((await sh('echo "my notes" > /home/ada/examples/boot-example.ipynb', 'ada')).code).toBe(0)
  })

  it('closes the instance metadata to hub users, not to root', async () => {
    const probe = 'curl -sS -m 5 -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" http://169.254.169.254/latest/api/token'
    expect((await guest.exec(['id', 'ada'])).code).toBe(0)
    expect((await sh(probe)).code).toBe(0)
    const asUser = await sh(probe, 'ada')
    // curl exit 7: the connection was refused by the firewall rule (not a missing user or a timeout).
    expect(asUser.code, asUser.stderr).toBe(7)
    expect((await sh('curl -sS -m 5 http://127.0.0.1:8000/hub/api/', 'ada')).code).toBe(0)
  })

  it('brings notebooks sent with import-notebooks --env to /shared/notebooks and into a home, owned right', async () => {
    const source = mkdtempSync(join(tmpdir(), 'notebooks-'))
    writeFileSync(join(source, 'intro.ipynb'), '{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}')
    for (const target of [[], ['--to', 'home', '--user', 'ada']]) {
      const sent = await cliAgainst(environment, work, 'jupyter', 'import-notebooks', '--source', source, '--env', 'boot1', ...target)
      expect(sent.status, JSON.stringify(sent)).toBe(0)
    }
    expect((await guest.exec(['systemctl', 'is-enabled', 'arw-notebook-sync.timer'])).stdout.trim()).toBe('enabled')
    // The timer's first run is two minutes after boot: run its service now instead of waiting.
    const synced = await guest.exec(['systemctl', 'start', 'arw-notebook-sync.service'], {timeoutMs: 120_000})
    const journal = async () =>
      (await guest.exec(['journalctl', '-u', 'arw-notebook-sync', '--no-pager', '-n', '40'])).stdout +
      (await guest.exec(['grep', 'notebook sync', '/var/log/aws-research-wizard-bootstrap.log'])).stdout
    expect(synced.code, await journal()).toBe(0)
    expect((await guest.exec(['stat', '-c', '%a %U', '/shared/notebooks/intro.ipynb'])).stdout.trim(), await journal()).toBe('644 root')
    expect((await guest.exec(['stat', '-c', '%a %U', '/home/ada/notebooks/intro.ipynb'])).stdout.trim(), await journal()).toBe('644 ada')
    expect((await sh('cat ~/notebooks/intro.ipynb', 'ada')).stdout).toContain('"nbformat": 4')
  }, 300_000)

  it("lists the pack's kernels and runs a cell in Python and in R", async () => {
    expect((await hubApi('/hub/api/users/ada/server', 'POST')).status).toBeOneOf([201, 202])
    const deadline = Date.now() + 120_000
    while (Date.now() < deadline && (await hubApi('/hub/api/users/ada')).body?.servers?.['']?.ready !== true)
      await new Promise((r) => setTimeout(r, 1000))
    const specs = await hubApi('/user/ada/api/kernelspecs')
    expect(Object.keys(specs.body.kernelspecs)).toEqual(expect.arrayContaining(['python-main', 'r-stats']))
    expect(Object.keys(specs.body.kernelspecs)).not.toContain('julia-sim')
    expect(specs.body.kernelspecs['python-main'].spec.env.PATH).toMatch(/^\/opt\/conda\/envs\/python-main\/bin:/)
    for (const [kernelName, code, expected] of [
      // The cost line after the cell: the pack keeps cost tracking on.
      ['python-main', 'import os; print(sum(range(10)) * 7, os.getuid())', /^315 2000\nCell execution cost: .*\n$/],
      ['r-stats', 'cat(6 * 7, "\\n")', /^42 \n$/],
    ] as const) {
      const response = await fetch(`${hubUrl}/user/ada/api/kernels`, {
        method: 'POST',
        body: JSON.stringify({name: kernelName}),
        headers: {Authorization: `token ${token}`, 'Content-Type': 'application/json'},
      })
      const kernel = (await response.json()) as {id: string}
      expect(await executeCell(`${hubUrl.replace('http', 'ws')}/user/ada/api/kernels/${kernel.id}/channels`, token, code)).toMatch(expected)
    }
  }, 240_000)

  it('every Python kernel imports aws_research_wizard and prints the cost of each cell; the usage recorder publishes the day', async () => {
    const description = JSON.parse((await guest.exec(['cat', '/etc/aws-research-wizard/environment.json'])).stdout)
    expect(description.costTracking).toBe(true)
    expect(description.hourlyPriceUsd).toBeGreaterThan(0)
    const response = await fetch(`${hubUrl}/user/ada/api/kernels`, {
      method: 'POST',
      body: JSON.stringify({name: 'python-main'}),
      headers: {Authorization: `token ${token}`, 'Content-Type': 'application/json'},
    })
    const kernel = (await response.json()) as {id: string}
    const url = `${hubUrl.replace('http', 'ws')}/user/ada/api/kernels/${kernel.id}/channels`
    // No %load_ext: the install phase loads the extension in every kernel of the environment.
    const output = await executeCell(
      url,
      token,
      'from aws_research_wizard import cost_tracker; print(cost_tracker.load_price().hourly_usd)',
    )
    const [price, line] = output.split('\n')
    expect(Number(price), output).toBe(description.hourlyPriceUsd)
    expect(line).toMatch(/^Cell execution cost: (<\$0\.0001|\$0\.\d{4}) \(\d+\.\d seconds compute\)$/)

    expect((await guest.exec(['systemctl', 'is-enabled', 'arw-usage-recorder.timer'])).stdout.trim()).toBe('enabled')
    const recorded = await guest.exec(['systemctl', 'start', 'arw-usage-recorder.service'], {timeoutMs: 120_000})
    const journal = await guest.exec(['journalctl', '-u', 'arw-usage-recorder', '--no-pager', '-n', '30'])
    expect(recorded.code, journal.stdout).toBe(0)
    const s3 = new S3Client({...clientConfig(), forcePathStyle: true})
    const today = new Date().toISOString().slice(0, 10)
    const object = await s3.send(new GetObjectCommand({Bucket: description.notebookBucket, Key: `usage/${today}.json`}))
    const usage = JSON.parse(await object.Body!.transformToString())
    expect(usage.date).toBe(today)
    expect(usage.users.ada.server_hours, JSON.stringify(usage)).toBeGreaterThan(0)
    expect(usage.users.ada.home_bytes).toBeGreaterThan(0)
  }, 240_000)
  it('runs the idle agent every minute from /run, and it sees the hub, its kernels and the busiest core', async () => {
    expect((await guest.exec(['systemctl', 'is-active', 'arw-idle-agent.timer'])).stdout.trim()).toBe('active')
    // The timer runs it every minute: its state is in /run, which the next boot clears.
    const ran = await sh('for i in $(seq 90); do test -s /run/aws-research-wizard/idle/idle-state.json && exit 0; sleep 1; done; exit 1')
    const journal = await guest.exec(['journalctl', '-u', 'arw-idle-agent', '-u', 'arw-idle-agent.timer', '--no-pager', '-n', '40'])
    expect(ran.code, journal.stdout).toBe(0)
    const agent = 'python3 /opt/aws-research-wizard/agent/idle_agent.py --once --dry-run --state-dir /tmp/idle-check'
    expect((await sh(agent)).code).toBe(0)
    const run = await sh(agent)
    expect(run.code, run.stderr).toBe(0)
    const decision = JSON.parse(run.stdout)
    expect(decision.signals.hub).toEqual({value: true, busy: false})
    // ada's kernels ran cells in the test above: used in the last two minutes, so busy.
    expect(decision.signals.kernels.value).toBeGreaterThan(0)
    expect(typeof decision.signals.cpu.value).toBe('number')
    expect(decision.action).toBe('none')
  }, 120_000)

  it('keeps /home, its files and their owners across a reboot, and signals ready again', async () => {
    expect((await sh('echo "results v1" > /home/ada/work.txt', 'ada')).code).toBe(0)
    const before = JSON.stringify(await bootStatus())
    await guest.reboot()
    await guest.waitForSystemState(['running', 'degraded'], 180_000)
    await waitForPhase(['ready'], 300_000, before)
    expect((await guest.exec(['stat', '-c', '%u %U %s', '/home/ada/work.txt'])).stdout.trim()).toBe('2000 ada 11')
    // The examples are copied once, when the home is made: ada's edit survives the boot.
    expect((await guest.exec(['cat', '/home/ada/examples/boot-example.ipynb'])).stdout).toBe('my notes\n')
    expect((await guest.fetchFromGuestNamespace('http://127.0.0.1:8000/hub/api/')).status).toBe(200)
  }, 600_000)

  it('gives every user the same account and files on a replacement instance', async () => {
    // A second person signs in before the replacement: recorded in the registry on /home.
    expect(
      (await guest.exec(['python3', '/opt/aws-research-wizard/configure/accounts.py', 'name', 'Grace.Hopper@example.org'])).stdout.trim(),
    ).toBe('grace-hopper')
    await guest.stop()
    await environment.terminateInstance(instanceId)
    const replacement = await environment.seedInstance()
    instanceId = replacement.instanceId
    const file = join(environment.dir, `${volumeId}.img`)
    guest = await environment.bootGuest({
      userData,
      instanceId: replacement.instanceId,
      volume: {volumeId, file, style: 'xen'},
      files: testImageFiles(token),
      defaultEnvironment: ARTIFACT_MIRROR,
    })
    await guest.waitForCloudInit(300_000)
    const status = await waitForPhase(['ready', 'failed'], 600_000)
    expect(status.phase).toBe('ready')
    expect((await guest.exec(['findmnt', '-n', '-o', 'SOURCE', '/home'])).stdout.trim()).toBe('/dev/xvdh')
    expect((await guest.exec(['id', '-u', 'ada'])).stdout.trim()).toBe('2000')
    expect((await guest.exec(['id', '-u', 'grace-hopper'])).stdout.trim()).toBe('2001')
    expect((await guest.exec(['stat', '-c', '%U', '/home/ada/work.txt'])).stdout.trim()).toBe('ada')
    expect((await guest.exec(['cat', '/home/ada/work.txt'])).stdout).toBe('results v1\n')
    const {Instances = []} = (await environment.ec2().send(new DescribeInstancesCommand({InstanceIds: [replacement.instanceId]})))
      .Reservations![0]!
    expect(Instances[0]!.InstanceId).toBe(replacement.instanceId)
    expect(await environment.signals()).toContainEqual({
      StackName: stackName,
      LogicalResourceId: hubLogicalId,
      UniqueId: replacement.instanceId,
      Status: 'SUCCESS',
    })
  }, 1_200_000)

  it('`jupyter users` on a private hub: the shell Run Command sends creates, removes and restores a local account', async () => {
    // The exact commands the CLI hands to AWS-RunShellScript, run as root as the SSM agent
    // does (here with the test's AWS endpoint, which the agent would not need).
    const onHub = async (action: 'add' | 'remove', request: unknown) => {
      const result = await guest.exec([
        'env',
        `AWS_ENDPOINT_URL=${guest.awsInGuest}`,
        'sh',
        '-c',
        usersShellCommand(action, request).join('\n'),
      ])
      return {code: result.code, output: JSON.parse(result.stdout.trim().split('\n').pop()!) as {results: Record<string, unknown>[]}}
    }
    const hostile = "o'brien$(id)@example.org"
    const added = await onHub('add', {
      users: [
        {email: hostile, admin: false},
        {email: 'ada@example.org', admin: false},
      ],
    })
    expect(added.output.results.map((r) => r.status)).toEqual(['created', 'exists'])
    const name = String(added.output.results[0]!.name)
    expect((await guest.exec(['id', '-u', name])).stdout.trim()).toBe('2002')
    expect((await guest.exec(['passwd', '--status', name])).stdout.split(' ')[1]).toBe('P')
    const {Parameter} = await ssm().send(new GetParameterCommand({Name: `/arw/boot1/users/${name}/password`, WithDecryption: true}))
    expect(Parameter!.Value!.length).toBeGreaterThanOrEqual(20)
    expect((await onHub('remove', {users: [{email: hostile}], deleteHome: false})).output.results[0]).toMatchObject({
      status: 'removed',
      homeKept: true,
    })
    expect((await guest.exec(['id', '-u', name])).code).not.toBe(0)
    expect((await guest.exec(['stat', '-c', '%u', `/home/${name}`])).stdout.trim()).toBe('2002')
    const again = await onHub('add', {users: [{email: hostile, admin: false}]})
    expect(again.output.results[0]).toMatchObject({status: 'restored', name, uid: 2002})
  }, 120_000)

  it('reports the failed step and signals FAILURE when the home volume cannot be had', async () => {
    await guest.stop()
    const broken = await environment.seedInstance()
    guest = await environment.bootGuest({
      // The same user data, pointed at a volume that does not exist.
      userData: userData.replace(volumeId, 'vol-0000000000000dead'),
      instanceId: broken.instanceId,
      files: testImageFiles(token),
      defaultEnvironment: ARTIFACT_MIRROR,
    })
    const status = await waitForPhase(['failed'], 600_000)
    expect(status.failedStep).toBe('home')
    expect(await environment.signals()).toContainEqual({
      StackName: stackName,
      LogicalResourceId: hubLogicalId,
      UniqueId: broken.instanceId,
      Status: 'FAILURE',
    })
    expect((await guest.exec(['systemctl', 'is-active', 'jupyterhub.service'])).stdout.trim()).not.toBe('active')
  }, 900_000)

  it("fails fast at the hub step, with the hub's own error, when JupyterHub keeps crashing", async () => {
    await guest.stop()
    await environment.terminateInstance(instanceId)
    const next = await environment.seedInstance()
    guest = await environment.bootGuest({
      userData,
      instanceId: next.instanceId,
      volume: {volumeId, file: hub.volumeFile, style: 'nitro'},
      files: {
        ...testImageFiles(token),
        '/etc/aws-research-wizard/jupyterhub_config.d/90-broken.py': {content: 'raise RuntimeError("broken site configuration")\n'},
      },
      defaultEnvironment: ARTIFACT_MIRROR,
    })
    const status = await waitForPhase(['failed'], 600_000)
    expect(status.failedStep).toBe('hub')
    // The crash-loop check, not the 300 s wait for an answer, ended the step.
    expect(status.message).toMatch(/JupyterHub exited \d+ times while starting: .*broken site configuration/)
  }, 900_000)
})
