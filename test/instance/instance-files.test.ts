import {execFile} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {gunzipSync} from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {
  INSTANCE_FILES,
  instanceConfig,
  renderBootScript,
  renderUserData,
  TEMPLATE_DIR,
  USER_DATA_LIMIT_BYTES,
} from '../../src/lib/instance/user-data.js'
import {INSTANCE_REFS, SHIPPED_PACKS, specFor} from '../helpers/specs.js'
import {PACK_DIR} from '../helpers/run.js'
import {haveTool} from '../helpers/tools.js'

const run = promisify(execFile)

const REFS = {...INSTANCE_REFS, sharedFileSystemId: 'fs-0123456789abcdef0'}

function writeConfig(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'arw-config-'))
  const file = join(dir, 'environment.json')
  writeFileSync(file, JSON.stringify(config))
  return file
}

async function shellcheck(file: string): Promise<string> {
  // shellcheck exits 1 with findings on stdout; any other failure (missing binary) throws.
  const result = await run('shellcheck', ['--severity=style', '--format=gcc', file]).catch((error) => {
    if (typeof error.code !== 'number') throw error
    return error as {stdout: string; stderr: string}
  })
  return `${result.stdout}${result.stderr ?? ''}`.trim()
}

describe.runIf(haveTool('shellcheck', 'apt-get install shellcheck'))('rendered user data', () => {
  it('shellcheck reports a planted defect (the check really runs)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'userdata-'))
    writeFileSync(join(dir, 'bad.sh'), '#!/bin/bash\nrm -rf $1/*\n')
    expect(await shellcheck(join(dir, 'bad.sh'))).toMatch(/SC2086/)
  })

  it.each(SHIPPED_PACKS)('%s: the boot script passes shellcheck and the user data fits the 16 KiB EC2 limit', async (pack) => {
    const config = instanceConfig(await specFor(pack, {sharedStorage: '1TB'}), REFS)
    expect(Buffer.byteLength(renderUserData(config))).toBeLessThan(USER_DATA_LIMIT_BYTES)
    const dir = mkdtempSync(join(tmpdir(), 'userdata-'))
    writeFileSync(join(dir, 'boot.sh'), renderBootScript(config))
    expect(await shellcheck(join(dir, 'boot.sh'))).toBe('')
  })
})

describe('user data', () => {
  it('is a cloud-init multipart: a cloud-config that runs user scripts on every boot, and the boot script', async () => {
    const userData = renderUserData(instanceConfig(await specFor('genomics'), REFS))
    expect(userData).toMatch(/^Content-Type: multipart\/mixed; boundary="==arw-user-data=="/)
    expect(userData).toContain('Content-Type: text/cloud-config')
    expect(userData).toContain('  - [scripts-user, always]')
    expect(userData).toContain('Content-Type: text/x-shellscript')
    expect(userData.trimEnd().endsWith('--==arw-user-data==--')).toBe(true)
  })

  it('carries the pack-derived description packed and the deploy-time references in clear', async () => {
    const config = instanceConfig(await specFor('genomics'), REFS)
    const script = renderBootScript(config)
    const packed = JSON.parse(gunzipSync(Buffer.from(/^ARW_PACKED='([A-Za-z0-9+/=]+)'$/m.exec(script)?.[1] ?? '', 'base64')).toString())
    const clear = JSON.parse(/<<'ARW_CONFIG_END'\n(.*)\nARW_CONFIG_END/s.exec(script)?.[1] ?? '{}')
    expect({...packed, ...clear}).toEqual(JSON.parse(JSON.stringify(config)))
    expect(Object.keys(clear).sort()).toEqual(Object.keys(REFS).concat('adminPasswordParameter').sort())
    expect(script).toContain('systemctl restart --no-block arw-configure.service')
  })

  it("relies on neither HOME nor the caller's PATH (cloud-init gives neither)", async () => {
    const script = renderBootScript(instanceConfig(await specFor('genomics'), REFS))
    expect(script).not.toMatch(/\$\{?HOME/)
    expect(script).toMatch(/^export PATH=\/usr\/local\/sbin:/m)
  })

  it('carries no secret: the OAuth client secret is read on the instance at boot', async () => {
    const userData = renderUserData(instanceConfig(await specFor('genomics'), REFS))
    expect(userData).not.toMatch(/secret["']?\s*[:=]\s*["'][^"']+/i)
    expect(readFileSync(join(TEMPLATE_DIR, 'configure', 'configure.py'), 'utf8')).toContain('describe_user_pool_client')
  })
})

describe('instance files', () => {
  it.each(INSTANCE_FILES.filter((f) => f.endsWith('.py')))('%s compiles under the system python3', async (file) => {
    await run('/usr/bin/python3', ['-m', 'py_compile', join(TEMPLATE_DIR, file)], {
      env: {...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPYCACHEPREFIX: mkdtempSync(join(tmpdir(), 'pyc-'))},
    })
  })

  it('instance-side unit tests pass under the system python3 (escaping, Mountpoint arguments, kernels, downloads, accounts)', async () => {
    const result = await run(
      '/usr/bin/python3',
      [join(TEMPLATE_DIR, '..', '..', 'test', 'instance', 'py', 'test_instance_side.py'), '-v'],
      {
        env: {...process.env, ARW_TEMPLATES: TEMPLATE_DIR, PYTHONDONTWRITEBYTECODE: '1'},
      },
    ).catch((error) => error as {stdout: string; stderr: string; code: number})
    const output = `${result.stdout}${result.stderr}`
    expect(output, output).toMatch(/^OK$/m)
    expect(Number(/^Ran (\d+) tests/m.exec(output)?.[1])).toBeGreaterThanOrEqual(20)
  })

  it.each(SHIPPED_PACKS)('%s: the example notebooks reach /shared/examples byte for byte through environment.json', async (pack) => {
    const spec = await specFor(pack)
    const config = writeConfig(instanceConfig(spec, REFS))
    const target = join(mkdtempSync(join(tmpdir(), 'shared-')), 'examples')
    const {stdout} = await run(
      '/usr/bin/python3',
      [
        '-c',
        'import json, sys; sys.path.insert(0, sys.argv[1]); from configure import examples; print(json.dumps(examples.place_shared(json.load(open(sys.argv[2])), sys.argv[3])))',
        TEMPLATE_DIR,
        config,
        target,
      ],
      {env: {...process.env, PYTHONDONTWRITEBYTECODE: '1', ARW_LOG: join(tmpdir(), 'arw-examples.log')}},
    )
    expect(JSON.parse(stdout)).toEqual(spec.exampleNotebooks.map((n) => n.name))
    expect(spec.exampleNotebooks.length).toBeGreaterThanOrEqual(1)
    for (const [index, notebook] of spec.pack.example_notebooks!.entries()) {
      expect(readFileSync(join(target, spec.exampleNotebooks[index]!.name), 'utf8')).toBe(
        readFileSync(join(PACK_DIR, notebook.path), 'utf8'),
      )
    }
  })

  it('adds GPU metrics to the CloudWatch agent only on GPU instances', async () => {
    for (const [pack, gpu] of [
      ['machine-learning', true],
      ['astronomy', false],
    ] as const) {
      const config = writeConfig(instanceConfig(await specFor(pack), REFS))
      const {stdout} = await run('/usr/bin/python3', [
        '-c',
        'import json, sys; sys.path.insert(0, sys.argv[1]); from cloudwatch import cloudwatch_config; print(json.dumps(cloudwatch_config(json.load(open(sys.argv[2])))))',
        join(TEMPLATE_DIR, 'configure'),
        config,
      ])
      const agent = JSON.parse(stdout)
      expect(Boolean(agent.metrics.metrics_collected.nvidia_gpu)).toBe(gpu)
      // Per core, so the alarm and `status` can take the busiest core (Maximum of the roll-up).
      expect(agent.metrics.metrics_collected.cpu).toMatchObject({measurement: ['cpu_usage_active'], totalcpu: false})
      // jupyter status queries disk and GPU series by instance (and path) only.
      expect(agent.metrics.aggregation_dimensions).toEqual([['InstanceId'], ['InstanceId', 'path']])
      expect(agent.logs.logs_collected.files.collect_list[0].log_group_name).toBe('/arw/lab1/hub')
    }
  })
})

describe('idle agent', () => {
  it('passes its unit tests under the system python3 (shared scenarios, /proc, nvidia-smi and hub fakes, --once --dry-run)', async () => {
    const result = await run('/usr/bin/python3', [join(TEMPLATE_DIR, '..', '..', 'test', 'instance', 'py', 'test_idle_agent.py'), '-v'], {
      env: {...process.env, ARW_TEMPLATES: TEMPLATE_DIR, PYTHONDONTWRITEBYTECODE: '1'},
    }).catch((error) => error as {stdout: string; stderr: string; code: number})
    const output = `${result.stdout}${result.stderr}`
    expect(output, output).toMatch(/^OK$/m)
    expect(Number(/^Ran (\d+) tests/m.exec(output)?.[1])).toBeGreaterThanOrEqual(19)
  }, 120_000)
})

describe('generated hub configuration: culling follows the idleness model', () => {
  // Loads jupyterhub_config.py as JupyterHub does (traitlets Config), with a stand-in
  // jupyterhub_idle_culler module so the culler service is configured as on an instance.
  async function load(autoShutdown: Record<string, unknown>) {
    const dir = mkdtempSync(join(tmpdir(), 'hubconf-'))
    writeFileSync(
      join(dir, 'environment.json'),
      JSON.stringify({environment: 'lab1', authenticator: 'dummy', access: 'private', autoShutdown}),
    )
    writeFileSync(join(dir, 'idle-agent.token'), 'token-for-the-agent')
    const fake = join(dir, 'site', 'jupyterhub_idle_culler')
    mkdirSync(fake, {recursive: true})
    writeFileSync(join(fake, '__init__.py'), '')
    writeFileSync(join(dir, 'announcement.txt'), 'This hub stops in 7 minutes unless there is activity.')
    const script = [
      'import json, sys',
      'from traitlets.config import Config',
      'c = Config()',
      'path = sys.argv[1]',
      'exec(compile(open(path).read(), path, "exec"), {"get_config": lambda: c, "__file__": path})',
      'tv = c.JupyterHub.template_vars',
      'print(json.dumps({"args": list(c.Spawner.args) if "args" in c.Spawner else [], "services": c.JupyterHub.services, "roles": c.JupyterHub.load_roles, "vars": dict(tv)}))',
    ].join('\n')
    const {stdout} = await run('/usr/bin/python3', ['-c', script, join(TEMPLATE_DIR, 'configure', 'jupyterhub_config.py')], {
      env: {
        ...process.env,
        ARW_CONFIG: join(dir, 'environment.json'),
        ARW_LIB: TEMPLATE_DIR,
        ARW_STATE_DIR: dir,
        ARW_ACCOUNTS_DIR: join(dir, 'accounts'),
        ARW_IDLE_ANNOUNCEMENT: join(dir, 'announcement.txt'),
        PYTHONPATH: join(dir, 'site'),
        PYTHONDONTWRITEBYTECODE: '1',
      },
    })
    return JSON.parse(stdout) as {
      args: string[]
      services: {name: string; command?: string[]; api_token?: string}[]
      roles: {name: string; scopes: string[]}[]
      vars: Record<string, string>
    }
  }

  it('culls kernels only when idle, never busy ones, after the idle minutes; the culler waits as long', async () => {
    const hub = await load({idleMinutes: 45})
    expect(hub.args).toEqual(
      expect.arrayContaining([
        '--MappingKernelManager.cull_idle_timeout=2700',
        '--MappingKernelManager.cull_busy=False',
        '--MappingKernelManager.cull_connected=True',
        '--TerminalManager.cull_inactive_timeout=2700',
      ]),
    )
    const culler = hub.services.find((s) => s.name === 'idle-culler')!
    expect(culler.command).toContain('--timeout=2700')
    expect(culler.command!.join(' ')).not.toMatch(/--cull-users|--max-age/)
    // The agent reads kernels and terminals of every server and reports busy ones as activity.
    expect(hub.roles.find((r) => r.name === 'idle-agent')!.scopes).toEqual(
      expect.arrayContaining(['list:users', 'read:servers', 'access:servers', 'users:activity']),
    )
    expect(hub.services.find((s) => s.name === 'idle-agent')!.api_token).toBe('token-for-the-agent')
  })

  it("shows the agent's warning as the hub's announcement banner", async () => {
    expect((await load({idleMinutes: 45})).vars).toEqual({announcement: 'This hub stops in 7 minutes unless there is activity.'})
  })

  it('with auto-shutdown off nothing is culled', async () => {
    const hub = await load({idleMinutes: 0})
    expect(hub.args.join(' ')).not.toContain('cull')
    expect(hub.services.map((s) => s.name)).not.toContain('idle-culler')
  })
})
