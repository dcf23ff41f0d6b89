// Boot to hub-ready (npm run bench:boot, as root): the configure phase under real
// cloud-init and systemd in the boot harness, and the per-pack install estimate.
// Writes bench/BOOT.md and its section of bench/RESULTS.md. Nothing here is asserted.
import {randomBytes} from 'node:crypto'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {GetParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {it} from 'vitest'
import {installMinutes, installSteps} from '../../src/lib/instance/install-estimate.js'
import {bootTimeoutMinutes} from '../../src/lib/readiness/boot-timeout.js'
import {createEnvironment} from '../../test/helpers/boot/index.js'
import {ARTIFACT_MIRROR, deployHub, motoClientConfig, testImageFiles} from '../../test/helpers/boot/hub-fixture.js'
import {PACK_DIR, PROJECT_ROOT} from '../../test/helpers/run.js'
import {specFor} from '../../test/helpers/specs.js'

const RUNS = Number(process.env.BENCH_BOOT_RUNS ?? 5)
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

it('measures boot to hub-ready', async () => {
  const environment = await createEnvironment()
  const work = join(environment.dir, 'bench')
  try {
    const hub = await deployHub(environment, work, 'bench')
    await hub.deployment
    const ssm = new SSMClient(motoClientConfig(environment))
    const status = async () =>
      JSON.parse((await ssm.send(new GetParameterCommand({Name: '/arw/bench/boot-status'}))).Parameter!.Value!) as {
        phase: string
        instanceId: string
        time: string
      }
    const waitReady = async (instanceId: string, after: string) => {
      for (;;) {
        const current = await status().catch(() => undefined)
        if (current?.phase === 'failed') throw new Error(JSON.stringify(current))
        if (current?.phase === 'ready' && current.instanceId === instanceId && current.time !== after) return
        await new Promise((r) => setTimeout(r, 250))
      }
    }
    const first: number[] = []
    const reboots: number[] = []
    let instanceId = hub.instanceId
    for (let run = 0; run < RUNS; run++) {
      if (run > 0) {
        await environment.terminateInstance(instanceId)
        instanceId = (await environment.seedInstance()).instanceId
      }
      const started = Date.now()
      const guest = await environment.bootGuest({
        userData: hub.userData,
        instanceId,
        volume: {volumeId: hub.volumeId, file: hub.volumeFile, style: 'nitro'},
        files: testImageFiles(randomBytes(16).toString('hex')),
        defaultEnvironment: ARTIFACT_MIRROR,
      })
      await waitReady(instanceId, '')
      first.push(Date.now() - started)
      const before = (await status()).time
      const rebootStarted = Date.now()
      await guest.reboot()
      await waitReady(instanceId, before)
      reboots.push(Date.now() - rebootStarted)
      await guest.stop()
    }
    const packs = readdirSync(PACK_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''))
    const estimates = await Promise.all(
      packs.map(async (pack) => {
        const spec = await specFor(pack, {sharedStorage: '1TB'})
        const kernels = installSteps(spec).filter((s) => s.step.startsWith('kernel')).length
        return `| ${pack} | ${kernels} | ${installMinutes(spec)} | ${bootTimeoutMinutes(spec)} |`
      }),
    )
    const section = [
      '<!-- boot:start -->',
      '## 5. Boot to hub-ready',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:boot\` (as root): medians of ${RUNS} boots in the boot harness (systemd-nspawn, real cloud-init and systemd, moto), the install phase finding everything already installed (as on an image built with it), so this is the configure phase: cloud-init, user data, fetching the instance files, home volume attach and mount, accounts, firewall, kernel registration, JupyterHub start and readiness report.`,
      '',
      '| boot | median (s) | runs (s) |',
      '|---|---:|---|',
      `| first boot of a new instance (guest start to \`ready\`) | ${(median(first) / 1000).toFixed(1)} | ${first.map((v) => (v / 1000).toFixed(1)).join(', ')} |`,
      `| reboot (reboot to \`ready\`) | ${(median(reboots) / 1000).toFixed(1)} | ${reboots.map((v) => (v / 1000).toFixed(1)).join(', ')} |`,
      '',
      'Install phase on a fresh Ubuntu image, estimated from its steps (`src/lib/instance/install-estimate.ts`: planning figures, not measured here, where nothing can be downloaded), and the CreationPolicy timeout the stack sets (`src/lib/readiness/boot-timeout.ts`):',
      '',
      '| pack | kernels | install estimate (min) | readiness timeout (min) |',
      '|---|---:|---:|---:|',
      ...estimates,
      '<!-- boot:end -->',
      '',
    ].join('\n')
    writeFileSync(join(PROJECT_ROOT, 'bench', 'BOOT.md'), section)
    const resultsFile = join(PROJECT_ROOT, 'bench', 'RESULTS.md')
    const results = readFileSync(resultsFile, 'utf8')
    const start = results.indexOf('<!-- boot:start -->')
    const end = results.indexOf('<!-- boot:end -->')
    writeFileSync(
      resultsFile,
      start >= 0
        ? results.slice(0, start) + section.trimEnd() + results.slice(end + '<!-- boot:end -->'.length)
        : `${results.trimEnd()}\n\n${section}`,
    )
    console.log(section)
  } finally {
    await environment.close()
  }
}, 3_600_000)
