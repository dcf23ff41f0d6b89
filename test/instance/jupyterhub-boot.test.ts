import {type ChildProcess, execFile, execFileSync, spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {executeCell} from '../helpers/kernel.js'
import {instanceConfig, TEMPLATE_DIR} from '../../src/lib/instance/user-data.js'
import {freePort, waitFor} from '../helpers/ports.js'
import {INSTANCE_REFS, specFor} from '../helpers/specs.js'

/**
 * Boots the real jupyterhub_config.py in Debian's JupyterHub (3.0, /usr/bin/python3,
 * classic notebook 6) on 127.0.0.1. Differences from an instance, all in the test's
 * wrapper config: a dummy authenticator instead of Cognito (no user pool here), the
 * simple local spawner instead of systemd, and kernelspecs installed with the system
 * ipykernel / IRkernel instead of conda environments (no conda or PyPI here).
 * Julia kernels are not tested: Julia is not packaged for this machine.
 */
const SYSTEM_PYTHON = '/usr/bin/python3'
const available =
  existsSync('/usr/bin/jupyterhub') && existsSync('/usr/bin/jupyterhub-singleuser') && existsSync('/usr/bin/configurable-http-proxy')
const hasR = existsSync('/usr/lib/R/site-library/IRkernel')
// Outside CI a missing JupyterHub skips these tests; say so instead of skipping silently.
const INSTALL = 'apt-get install jupyterhub python3-notebook python3-ipykernel r-cran-irkernel (see .ci/run)'
if (!available && !process.env.CI) console.warn(`Skipping the real-JupyterHub tests: /usr/bin/jupyterhub is not installed. ${INSTALL}`)
else if (!hasR && !process.env.CI) console.warn(`Skipping the IRkernel test: r-cran-irkernel is not installed. ${INSTALL}`)
const SUITE = `generated JupyterHub configuration on a real JupyterHub${available ? '' : ' (skipped: jupyterhub not installed)'}`

describe.skipIf(!available && !process.env.CI)(SUITE, () => {
  const token = randomUUID().replaceAll('-', '')
  const usageToken = randomUUID().replaceAll('-', '')
  const agentToken = randomUUID().replaceAll('-', '')
  const usersToken = randomUUID().replaceAll('-', '')
  const work = mkdtempSync(join(tmpdir(), 'hub-'))
  let hub: ChildProcess
  let baseUrl = ''
  let log = ''
  const api = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      ...init,
      headers: {Authorization: `token ${token}`, ...(init.headers ?? {})},
      signal: AbortSignal.timeout(10_000),
    })
    const text = await response.text()
    return {status: response.status, body: text ? JSON.parse(text) : undefined}
  }

  beforeAll(async () => {
    if (!available) throw new Error('CI must install jupyterhub, python3-notebook and python3-ipykernel (see .ci/run)')
    const spec = await specFor('social-science')
    const config = {
      ...instanceConfig(spec, INSTANCE_REFS),
      authenticator: 'dummy',
      access: 'private',
      interface: 'notebook',
    }
    writeFileSync(join(work, 'environment.json'), JSON.stringify(config))
    writeFileSync(join(work, 'idle-agent.token'), agentToken)
    writeFileSync(join(work, 'users-admin.token'), usersToken)
    writeFileSync(join(work, 'announcement.txt'), 'This hub has been idle for 50 minutes and stops in 10 minutes unless there is activity.')
    // Kernelspecs exactly as arw_setup.py names them, installed into a prefix the servers see.
    const share = join(work, 'prefix')
    const python = spec.kernels.find((k) => k.language === 'python')!
    execFileSync(SYSTEM_PYTHON, [
      '-m',
      'ipykernel',
      'install',
      '--prefix',
      share,
      '--name',
      python.name,
      '--display-name',
      python.display_name,
    ])
    if (hasR) {
      const r = spec.kernels.find((k) => k.language === 'r')!
      execFileSync('Rscript', [
        '-e',
        `IRkernel::installspec(name = ${JSON.stringify(r.name)}, displayname = ${JSON.stringify(r.display_name)}, prefix = ${JSON.stringify(share)})`,
      ])
    }
    // The usage recorder's service, as configure.py registers it: its token and the drop-in.
    writeFileSync(join(work, 'usage-recorder.token'), usageToken)
    mkdirSync(join(work, 'jupyterhub_config.d'))
    copyFileSync(
      join(TEMPLATE_DIR, 'configure', 'jupyterhub_config.d', 'usage-recorder.py'),
      join(work, 'jupyterhub_config.d', 'arw-usage-recorder.py'),
    )
    const [proxyPort, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()]
    baseUrl = `http://127.0.0.1:${proxyPort}`
    writeFileSync(
      join(work, 'test_config.py'),
      [
        'import os',
        `exec(compile(open(${JSON.stringify(join(TEMPLATE_DIR, 'configure', 'jupyterhub_config.py'))}).read(), "jupyterhub_config.py", "exec"))`,
        `c.JupyterHub.bind_url = "http://127.0.0.1:${proxyPort}"`,
        `c.JupyterHub.hub_bind_url = "http://127.0.0.1:${hubPort}"`,
        `c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:${apiPort}"`,
        'c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"',
        `c.SimpleLocalProcessSpawner.home_dir_template = ${JSON.stringify(join(work, 'home', '{username}'))}`,
        'c.Spawner.cmd = ["jupyterhub-singleuser"]',
        // Appended: the generated kernel- and terminal-culling flags stay in effect.
        'c.Spawner.args = list(c.Spawner.args) + ["--allow-root"]',
        'c.Spawner.start_timeout = 60',
        `c.Spawner.environment = dict(c.Spawner.environment, JUPYTER_PATH=${JSON.stringify(join(share, 'share', 'jupyter'))})`,
        `c.JupyterHub.services = c.JupyterHub.services + [{"name": "test", "api_token": "${token}"}]`,
        'c.JupyterHub.load_roles = c.JupyterHub.load_roles + [{"name": "test", "scopes": ["admin:users", "admin:servers", "access:servers", "list:users", "read:users"], "services": ["test"]}]',
      ].join('\n'),
    )
    hub = spawn(SYSTEM_PYTHON, ['-m', 'jupyterhub', '-f', join(work, 'test_config.py')], {
      cwd: work,
      env: {
        ...process.env,
        ARW_CONFIG: join(work, 'environment.json'),
        ARW_LIB: TEMPLATE_DIR,
        ARW_STATE_DIR: work,
        ARW_IDLE_ANNOUNCEMENT: join(work, 'announcement.txt'),
        ARW_ACCOUNTS_DIR: join(work, 'accounts'),
        NODE_PATH: '/usr/share/nodejs',
        PATH: `/usr/bin:${process.env.PATH}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    hub.stdout?.on('data', (d) => {
      log += d
    })
    hub.stderr?.on('data', (d) => {
      log += d
    })
    await waitFor('the hub API', async () => (await api('/hub/api/')).status === 200, 60_000).catch((error) => {
      throw new Error(`${error.message}\n${log}`)
    })
  }, 120_000)

  afterAll(async () => {
    if (hub && hub.exitCode === null) {
      hub.kill('SIGTERM')
      await new Promise((r) => setTimeout(r, 1500))
      if (hub.exitCode === null) hub.kill('SIGKILL')
    }
  })

  it('makes the pack admin (its account from the registry) a hub admin', async () => {
    const {status, body} = await api('/hub/api/users/ada')
    expect(status).toBe(200)
    expect(body.admin).toBe(true)
  })

  it("spawns a server that lists the pack's kernelspecs and runs a cell in the Python kernel", async () => {
    expect((await api('/hub/api/users/grace', {method: 'POST'})).status).toBe(201)
    expect([201, 202]).toContain((await api('/hub/api/users/grace/server', {method: 'POST'})).status)
    await waitFor(
      'the single-user server',
      async () => (await api('/hub/api/users/grace')).body?.servers?.['']?.ready === true,
      60_000,
    ).catch((error) => {
      throw new Error(`${error.message}\n${log}`)
    })
    const specs = await api('/user/grace/api/kernelspecs')
    expect(specs.status).toBe(200)
    const names = Object.keys(specs.body.kernelspecs)
    expect(names).toContain('python-text')
    expect(specs.body.kernelspecs['python-text'].spec.display_name).toBe('Text as data (Python 3.11)')
    if (hasR) expect(names).toContain('r-stats')

    const kernel = await api('/user/grace/api/kernels', {
      method: 'POST',
      body: JSON.stringify({name: 'python-text'}),
      headers: {'Content-Type': 'application/json'},
    })
    expect(kernel.status).toBe(201)
    const output = await executeCell(
      `${baseUrl.replace('http', 'ws')}/user/grace/api/kernels/${kernel.body.id}/channels`,
      token,
      'print(sum(range(10)) * 7)',
    )
    expect(output).toBe('315\n')
  }, 120_000)

  it("the usage recorder's service reads who has a server running, and can change nothing", async () => {
    // Runs after the spawn test (the suite is sequential): grace's server is up.
    const code = [
      'import datetime, json, sys',
      'sys.path.insert(0, sys.argv[1])',
      'from agent import usage_recorder as r',
      'users = r.hub_users(sys.argv[2], sys.argv[3])',
      'now = datetime.datetime.now(datetime.timezone.utc)',
      'state, _ = r.accumulate({}, now, users, {})',
      'print(json.dumps(state["days"][now.date().isoformat()]))',
    ].join('\n')
    const {stdout} = await new Promise<{stdout: string}>((resolve, reject) =>
      execFile(SYSTEM_PYTHON, ['-c', code, TEMPLATE_DIR, usageToken, `${baseUrl}/hub/api`], (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve({stdout: out}),
      ),
    )
    const day = JSON.parse(stdout) as Record<string, {server_hours: number}>
    expect(Object.keys(day)).toEqual(expect.arrayContaining(['ada', 'grace']))
    expect(day.grace.server_hours).toBeGreaterThan(0)
    expect(day.ada.server_hours).toBe(0)
    const write = await fetch(`${baseUrl}/hub/api/users/mallory`, {
      method: 'POST',
      headers: {Authorization: `token ${usageToken}`},
      signal: AbortSignal.timeout(10_000),
    })
    expect(write.status).toBe(403)
  })

  it.skipIf(!hasR && !process.env.CI)(
    'runs a cell in the R kernel (IRkernel)',
    async () => {
      expect(hasR).toBe(true)
      const kernel = await api('/user/grace/api/kernels', {
        method: 'POST',
        body: JSON.stringify({name: 'r-stats'}),
        headers: {'Content-Type': 'application/json'},
      })
      expect(kernel.status).toBe(201)
      const output = await executeCell(
        `${baseUrl.replace('http', 'ws')}/user/grace/api/kernels/${kernel.body.id}/channels`,
        token,
        'cat(6 * 7, "\\n")',
      )
      expect(output).toBe('42 \n')
    },
    120_000,
  )
  it("shows the idle agent's warning as a banner on the hub's pages", async () => {
    const page = await fetch(`${baseUrl}/hub/login`, {signal: AbortSignal.timeout(10_000)})
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('stops in 10 minutes unless there is activity')
  })

  it('the idle agent, with its own token and scopes, sees a running kernel through the hub', async () => {
    // grace's server and kernels come from the test above.
    const kernels = await api('/user/grace/api/kernels')
    expect(kernels.body.length).toBeGreaterThan(0)
    const state = mkdtempSync(join(tmpdir(), 'idle-'))
    const proc = mkdtempSync(join(tmpdir(), 'proc-'))
    const output = execFileSync(SYSTEM_PYTHON, [
      join(TEMPLATE_DIR, 'agent', 'idle_agent.py'),
      '--once',
      '--dry-run',
      '--config',
      join(work, 'environment.json'),
      '--token-file',
      join(work, 'idle-agent.token'),
      '--hub-url',
      baseUrl,
      '--proc-root',
      proc,
      '--state-dir',
      state,
    ]).toString()
    const decision = JSON.parse(output)
    expect(decision.signals.hub).toEqual({value: true, busy: false})
    // Kernels used in the last two minutes count: someone is working between two samples.
    expect(decision.signals.kernels.value).toBeGreaterThan(0)
    expect(decision.busy).toContain('kernels')
  }, 60_000)

  it('users remove ends a person on the hub: its service deletes the hub user (server stopped, session gone) and can do nothing else', async () => {
    expect((await api('/hub/api/users/leaver', {method: 'POST'})).status).toBe(201)
    expect((await api('/hub/api/users/leaver/server', {method: 'POST'})).status).toBeLessThan(300)
    await waitFor('the server of leaver', async () => (await api('/hub/api/users/leaver')).body?.servers?.['']?.ready === true, 60_000)
    const code = [
      'import sys',
      'sys.path.insert(0, sys.argv[1])',
      'from configure import users',
      'users.Host({}).end_hub_session("leaver", hub_api=sys.argv[2], token_file=sys.argv[3])',
      'users.Host({}).end_hub_session("leaver", hub_api=sys.argv[2], token_file=sys.argv[3])',
    ].join('\n')
    await new Promise<void>((resolve, reject) =>
      execFile(SYSTEM_PYTHON, ['-c', code, TEMPLATE_DIR, `${baseUrl}/hub/api`, join(work, 'users-admin.token')], (error, _out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(),
      ),
    )
    // Gone from the hub: its cookie names no user any more, and its server was stopped first.
    expect((await api('/hub/api/users/leaver')).status).toBe(404)
    const create = await fetch(`${baseUrl}/hub/api/users/mallory`, {
      method: 'POST',
      headers: {Authorization: `token ${usersToken}`},
      signal: AbortSignal.timeout(10_000),
    })
    expect(create.status).toBe(403)
  }, 120_000)
})
