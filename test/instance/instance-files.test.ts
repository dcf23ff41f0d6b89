import {execFile} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'
import {instanceConfig, renderUserData, TEMPLATE_DIR, USER_DATA_LIMIT_BYTES} from '../../src/lib/instance/user-data.js'
import {SHIPPED_PACKS, specFor} from '../helpers/specs.js'

const run = promisify(execFile)
const REFS = {
  homeVolumeId: 'vol-0123456789abcdef0',
  sharedFileSystemId: 'fs-0123456789abcdef0',
  notebookBucket: 'arw-lab1-notebooks',
  logGroup: '/arw/lab1/hub',
  hubSettingsParameter: '/arw/lab1/hub-settings',
  filesBucket: 'cdk-hnb659fds-assets-123456789012-us-east-1',
  filesKey: 'a1b2c3.zip',
}

/** shellcheck's findings; a missing shellcheck fails the test instead of counting as clean. */
async function shellcheck(file: string): Promise<string> {
  const result = await run('shellcheck', ['--severity=style', file]).catch((e) => e)
  if (result.code === 'ENOENT') throw new Error('shellcheck is not installed: apt-get install shellcheck (see .ci/run)')
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim()
}

function writeConfig(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'arw-config-'))
  const file = join(dir, 'environment.json')
  writeFileSync(file, JSON.stringify(config))
  return file
}

describe('rendered user data', () => {
  it.each(SHIPPED_PACKS)('%s: passes shellcheck and fits the 16 KiB EC2 limit', async (pack) => {
    const userData = renderUserData(instanceConfig(await specFor(pack, {sharedStorage: '1TB'}), REFS))
    expect(Buffer.byteLength(userData)).toBeLessThan(USER_DATA_LIMIT_BYTES)
    const dir = mkdtempSync(join(tmpdir(), 'userdata-'))
    writeFileSync(join(dir, 'user-data.sh'), userData)
    expect(await shellcheck(join(dir, 'user-data.sh'))).toBe('')
  })

  it('carries the pack-derived description packed, the deploy-time references in clear, then runs the bootstrap', async () => {
    const config = instanceConfig(await specFor('genomics'), REFS)
    const userData = renderUserData(config)
    expect(userData.trimEnd().split('\n').at(-1)).toBe('exec /opt/aws-research-wizard/bootstrap.sh')
    const {gunzipSync} = await import('node:zlib')
    const packed = JSON.parse(gunzipSync(Buffer.from(/^ARW_PACKED='([A-Za-z0-9+/=]+)'$/m.exec(userData)?.[1] ?? '', 'base64')).toString())
    const clear = JSON.parse(/<<'ARW_CONFIG_END'\n(.*)\nARW_CONFIG_END/s.exec(userData)?.[1] ?? '{}')
    expect({...packed, ...clear}).toEqual(JSON.parse(JSON.stringify(config)))
    expect(Object.keys(clear).sort()).toEqual(
      [
        'filesBucket',
        'filesKey',
        'hubSettingsParameter',
        'homeVolumeId',
        'logGroup',
        'notebookBucket',
        'sharedFileSystemId',
        'adminPasswordParameter',
      ].sort(),
    )
  })

  it('merges the description and fetches the instance files when run (in a sandbox)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'userdata-run-'))
    const config = instanceConfig(await specFor('astronomy'), REFS)
    const sandboxed = renderUserData(config)
      .replaceAll('/etc/aws-research-wizard', join(root, 'etc'))
      .replaceAll('/opt/aws-research-wizard', join(root, 'opt'))
      .replaceAll('/var/lib/aws-research-wizard', join(root, 'var'))
      .replace(/^exec .*$/m, 'echo done')
      // The S3 download needs AWS: stand in for it with the files the asset is made of.
      .replace(
        /^if ! python3 -c "import boto3"[\s\S]*?extractall\([^)]*\)'$/m,
        `cp ${TEMPLATE_DIR}/*.sh ${TEMPLATE_DIR}/*.py ${join(root, 'opt')}/`,
      )
    writeFileSync(join(root, 'user-data.sh'), sandboxed)
    const {stdout} = await run('bash', [join(root, 'user-data.sh')]).catch((e) => ({stdout: `${e.stdout}${e.stderr}`}))
    expect(stdout.trim()).toBe('done')
    expect(JSON.parse(readFileSync(join(root, 'etc', 'environment.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(config)))
  })

  it('carries no secret: the OAuth client secret is read on the instance at boot', async () => {
    const userData = renderUserData(instanceConfig(await specFor('genomics'), REFS))
    expect(userData).not.toMatch(/secret["']?\s*[:=]\s*["'][^"']+/i)
    expect(readFileSync(join(TEMPLATE_DIR, 'arw_setup.py'), 'utf8')).toContain('describe-user-pool-client')
  })
})

describe('instance scripts', () => {
  it('bootstrap.sh passes shellcheck', async () => {
    expect(await shellcheck(join(TEMPLATE_DIR, 'bootstrap.sh'))).toBe('')
  })

  it.each(readdirSync(TEMPLATE_DIR).filter((f) => f.endsWith('.py')))('%s compiles under the system python3', async (file) => {
    await run('/usr/bin/python3', ['-m', 'py_compile', join(TEMPLATE_DIR, file)])
  })

  it('plans one conda env and kernelspec per pack kernel, with the pack packages and channels', async () => {
    const config = writeConfig(instanceConfig(await specFor('scientific-modeling-julia'), REFS))
    const {stdout} = await run('/usr/bin/python3', [join(TEMPLATE_DIR, 'arw_setup.py'), 'install-kernels', '--plan', '--config', config])
    const lines = stdout.trim().split('\n')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toBe('/opt/conda/bin/mamba create -y -q -p /opt/conda/envs/julia-sciml -c conda-forge julia=1.10')
    expect(lines[1]).toContain('JUPYTER_DATA_DIR=/opt/conda/envs/hub/share/jupyter')
    expect(lines[1]).toContain('Pkg.add(["IJulia", "DifferentialEquations", "ModelingToolkit"')
    expect(lines[2]).toBe(
      '/opt/conda/bin/mamba create -y -q -p /opt/conda/envs/python-support -c conda-forge python=3.11 ipykernel xarray zarr s3fs pandas',
    )
    expect(lines[3]).toBe(
      "/opt/conda/envs/python-support/bin/python -m ipykernel install --prefix /opt/conda/envs/hub --name python-support --display-name 'Data wrangling (Python 3.11)'",
    )
  })

  it('installs R kernels with IRkernel into the hub prefix', async () => {
    const config = writeConfig(instanceConfig(await specFor('social-science'), REFS))
    const {stdout} = await run('/usr/bin/python3', [join(TEMPLATE_DIR, 'arw_setup.py'), 'install-kernels', '--plan', '--config', config])
    expect(stdout).toContain('-c conda-forge r-base=4.4 r-irkernel r-tidyverse r-survey')
    expect(stdout).toContain(
      `/opt/conda/envs/r-stats/bin/Rscript -e 'IRkernel::installspec(name = "r-stats", displayname = "Statistics (R 4.4)", prefix = "/opt/conda/envs/hub")'`,
    )
  })

  it('writes one Mountpoint unit per data mount with read-only, requester-pays, prefix and region', async () => {
    const spec = await specFor('geospatial')
    const config = writeConfig({
      ...instanceConfig(spec, REFS),
      dataMounts: [
        ...(instanceConfig(spec, REFS).dataMounts as object[]),
        {source: 's3://lab-results/runs/2026', mountPath: '/data/results', readOnly: false},
      ],
    })
    const unitDir = mkdtempSync(join(tmpdir(), 'units-'))
    await run('/usr/bin/python3', [join(TEMPLATE_DIR, 'arw_setup.py'), 'mount-units', '--config', config, '--unit-dir', unitDir])
    expect(readdirSync(unitDir).sort()).toEqual([
      'arw-mount-data-copernicus-dem.service',
      'arw-mount-data-landsat.service',
      'arw-mount-data-results.service',
      'arw-mount-data-sentinel-2.service',
    ])
    const landsat = readFileSync(join(unitDir, 'arw-mount-data-landsat.service'), 'utf8')
    expect(landsat).toMatch(
      /ExecStart=\/usr\/bin\/mount-s3 .*--read-only .*--requester-pays --region us-west-2 usgs-landsat \/data\/landsat/,
    )
    const results = readFileSync(join(unitDir, 'arw-mount-data-results.service'), 'utf8')
    expect(results).not.toContain('--read-only')
    expect(results).toContain('--allow-delete')
    expect(results).toContain('--prefix runs/2026/ lab-results /data/results')
  })

  it('adds GPU metrics to the CloudWatch agent only on GPU instances', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cw-'))
    for (const [pack, gpu] of [
      ['machine-learning', true],
      ['astronomy', false],
    ] as const) {
      const config = writeConfig(instanceConfig(await specFor(pack), REFS))
      await run('/usr/bin/python3', [
        join(TEMPLATE_DIR, 'arw_setup.py'),
        'cloudwatch-config',
        '--config',
        config,
        '--out',
        join(out, `${pack}.json`),
      ])
      const agent = JSON.parse(readFileSync(join(out, `${pack}.json`), 'utf8'))
      expect(Boolean(agent.metrics.metrics_collected.nvidia_gpu)).toBe(gpu)
      // jupyter status queries disk and GPU series by instance (and path) only.
      expect(agent.metrics.aggregation_dimensions).toEqual([['InstanceId'], ['InstanceId', 'path']])
      expect(agent.logs.logs_collected.files.collect_list[0].log_group_name).toBe('/arw/lab1/hub')
    }
  })
})

describe('idle agent decisions', () => {
  const config = writeConfig({autoShutdown: {idleMinutes: 30, signals: ['kernels', 'cpu', 'gpu'], cpuThresholdPercent: 5}, gpu: true})

  async function decide(state: string, now: string, observe: Record<string, unknown>) {
    const statePath = join(mkdtempSync(join(tmpdir(), 'idle-')), 'idle.json')
    if (state) writeFileSync(statePath, state)
    const {stdout} = await run('/usr/bin/python3', [
      join(TEMPLATE_DIR, 'idle_agent.py'),
      '--config',
      config,
      '--state',
      statePath,
      '--now',
      now,
      '--observe',
      JSON.stringify(observe),
      '--dry-run',
    ])
    return JSON.parse(stdout) as {action: string | null; idleSince: string | null; busy: string[]}
  }

  it('starts counting when every signal is quiet and stops after the idle window', async () => {
    const first = await decide('', '2026-11-23T10:00:00+00:00', {cpuPercent: 1, gpuPercent: 0, lastActivity: '2026-11-23T09:00:00+00:00'})
    expect(first).toEqual({action: null, idleSince: '2026-11-23T10:00:00+00:00', busy: []})
    const later = await decide(JSON.stringify(first), '2026-11-23T10:31:00+00:00', {
      cpuPercent: 1,
      gpuPercent: 0,
      lastActivity: '2026-11-23T09:00:00+00:00',
    })
    expect(later.action).toBe('stop')
  })

  it.each([
    ['busy CPU', {cpuPercent: 40, gpuPercent: 0}, ['cpu']],
    ['busy GPU', {cpuPercent: 1, gpuPercent: 85}, ['gpu']],
    ['recent kernel activity', {cpuPercent: 1, gpuPercent: 0, lastActivity: '2026-11-23T10:30:30+00:00'}, ['kernels']],
  ])('%s keeps the hub running and resets the clock', async (_name, observe, busy) => {
    const result = await decide(JSON.stringify({idleSince: '2026-11-23T09:00:00+00:00'}), '2026-11-23T10:31:00+00:00', observe)
    expect(result).toEqual({action: null, idleSince: null, busy})
  })

  it('never stops when auto-shutdown is 0', async () => {
    const off = writeConfig({autoShutdown: {idleMinutes: 0}})
    const statePath = join(mkdtempSync(join(tmpdir(), 'idle-')), 'idle.json')
    const {stdout} = await run('/usr/bin/python3', [
      join(TEMPLATE_DIR, 'idle_agent.py'),
      '--config',
      off,
      '--state',
      statePath,
      '--now',
      '2026-11-23T10:00:00+00:00',
      '--observe',
      '{"cpuPercent": 0}',
      '--dry-run',
    ])
    expect(JSON.parse(stdout).action).toBeNull()
  })
})
