import {execFile, execFileSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {beforeAll, describe, expect, it} from 'vitest'
import {TEMPLATE_DIR} from '../../src/lib/instance/user-data.js'

const run = promisify(execFile)
const PYTHON = '/usr/bin/python3'
const DRIVER = join(TEMPLATE_DIR, '..', '..', 'test', 'instance', 'py', 'kernel_driver.py')
const work = mkdtempSync(join(tmpdir(), 'cost-kernel-'))
const jupyterPath = join(work, 'jupyter')

interface Cell {
  stdout: string
  error: string | null
}

/** A kernelspec as the install phase leaves it: the package dir on PYTHONPATH (install.link_kernel_package). */
function kernelspec(name: string, python: string, packageDir: string) {
  const dir = join(jupyterPath, 'kernels', name)
  mkdirSync(dir, {recursive: true})
  writeFileSync(
    join(dir, 'kernel.json'),
    JSON.stringify({
      argv: [python, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
      display_name: name,
      language: 'python',
      env: {PYTHONPATH: packageDir},
    }),
  )
}

/** The product's own install steps, called from Python (install.py). */
function installStep(code: string) {
  execFileSync(PYTHON, ['-c', `import sys; sys.path.insert(0, sys.argv[1]); from install import install; ${code}`, TEMPLATE_DIR], {
    env: {...process.env, ARW_LOG: join(work, 'install.log'), PYTHONDONTWRITEBYTECODE: '1'},
  })
}

async function runCells(kernel: string, cells: string[], env: Record<string, string> = {}): Promise<Cell[]> {
  const child = run(PYTHON, [DRIVER], {
    env: {...process.env, JUPYTER_PATH: jupyterPath, PYDEVD_DISABLE_FILE_VALIDATION: '1', ...env},
    timeout: 120_000,
  })
  child.child.stdin?.end(JSON.stringify({kernel, cells}))
  return JSON.parse((await child).stdout) as Cell[]
}

/** The dollar figure of a "Cell execution cost: $X (...)" line. */
function dollars(line: string): number {
  const match = /Cell execution cost: \$([\d,.]+) \(/.exec(line)
  if (!match) throw new Error(`no cost line in: ${line}`)
  return Number(match[1].replaceAll(',', ''))
}

const packageDir = join(work, 'site')
const venv = join(work, 'venv')

describe('the cost of a cell, in a real IPython kernel', () => {
  beforeAll(() => {
    // The distribution's kernel (python3-ipykernel, jupyter-client; see .ci/run): missing is a failure.
    try {
      execFileSync(PYTHON, ['-c', 'import ipykernel, jupyter_client'], {stdio: 'pipe'})
    } catch (error) {
      throw new Error(`${PYTHON} needs ipykernel and jupyter_client (apt-get install python3-ipykernel jupyter-client): ${error}`)
    }
    installStep(`install.link_kernel_package(lib=sys.argv[1], package_dir=${JSON.stringify(packageDir)})`)
    kernelspec('arw-plain', PYTHON, packageDir)
    // A kernel environment of its own (sys.prefix = venv), as each pack kernel is a conda environment.
    execFileSync(PYTHON, ['-m', 'venv', '--without-pip', '--system-site-packages', venv])
    kernelspec('arw-env', join(venv, 'bin', 'python'), packageDir)
  }, 60_000)

  it('track_cell prints wall time x price / users, checked by hand with an injected clock and with a real sleep', async () => {
    const [fifteen, slept, summary] = await runCells(
      'arw-plain',
      [
        // 900 s x $9.36/h / 1 user = $2.34 (the figure of the product plan).
        'from aws_research_wizard import cost_tracker\nticks = iter([0.0, 900.0])\nwith cost_tracker.track_cell(clock=lambda: next(ticks)):\n    pass',
        // $360/h over 2 users = $0.05 per second: a 1 s sleep costs $0.05 (plus the overhead of the cell).
        'import time\nwith cost_tracker.track_cell(users=2, hourly_price=360):\n    time.sleep(1.0)',
        'print(repr(tuple(cost_tracker.session_summary())))',
      ],
      {ARW_HOURLY_PRICE_USD: '9.36'},
    )
    expect(fifteen).toEqual({stdout: 'Cell execution cost: $2.34 (15 minutes compute)\n', error: null})
    expect(slept.error).toBeNull()
    expect(slept.stdout).toMatch(/^Cell execution cost: \$0\.0\d{3} \(1\.\d seconds compute, shared by 2 users\)\n$/)
    expect(dollars(slept.stdout)).toBeGreaterThanOrEqual(0.05)
    expect(dollars(slept.stdout)).toBeLessThan(0.05 * 1.5)
    const [cells, seconds, cost] = JSON.parse(summary.stdout.replaceAll('(', '[').replaceAll(')', ']')) as number[]
    expect(cells).toBe(2)
    expect(seconds).toBeGreaterThanOrEqual(901)
    expect(cost).toBeCloseTo(2.34 + dollars(slept.stdout), 3)
  })

  it('reads the price from the environment description, and adds the GPU the kernel holds', async () => {
    const bin = join(work, 'bin')
    mkdirSync(bin, {recursive: true})
    // nvidia-smi as the driver answers: the kernel (this command's parent) holds GPU-1; another process is hidden.
    writeFileSync(join(bin, 'nvidia-smi'), '#!/bin/sh\necho "$PPID, GPU-1"\necho "[N/A], GPU-2"\n')
    chmodSync(join(bin, 'nvidia-smi'), 0o755)
    const description = join(work, 'environment.json')
    writeFileSync(description, JSON.stringify({environment: 'lab1', hourlyPriceUsd: 1.212, gpuCount: 1, gpuHourlyPriceUsd: 1.02}))
    const code =
      'from aws_research_wizard import cost_tracker\nticks = iter([0.0, 3600.0])\nwith cost_tracker.track_cell(users=4, clock=lambda: next(ticks)):\n    pass'
    const [withGpu] = await runCells('arw-plain', [code], {ARW_ENVIRONMENT: description, PATH: `${bin}:${process.env.PATH}`})
    // 1 h x ((1.212 - 1.02) / 4 + 1.02 x 1/1) = 0.048 + 1.02 = $1.068
    expect(withGpu.stdout).toBe('Cell execution cost: $1.07 (1 h 0 min compute, shared by 4 users, 1 GPU)\n')
    const [withoutGpu] = await runCells('arw-plain', [code], {ARW_ENVIRONMENT: description})
    // 1 h x 0.192 / 4 = $0.048: a kernel without a GPU does not pay for it.
    expect(withoutGpu.stdout).toBe('Cell execution cost: $0.0480 (1 h 0 min compute, shared by 4 users)\n')
  })

  it.each([
    [
      'a price that is not a number',
      JSON.stringify({hourlyPriceUsd: 'abc'}),
      /hourlyPriceUsd in .*environment\.json is 'abc': expected a number/,
    ],
    ['a file that is not JSON', '{"hourlyPriceUsd": ', /cannot read the environment description .*environment\.json/],
    ['a description without a price', JSON.stringify({environment: 'lab1'}), /has no hourlyPriceUsd: .* set ARW_HOURLY_PRICE_USD/],
    ['a negative price', JSON.stringify({hourlyPriceUsd: -3}), /expected a number between 0 and 1000/],
  ])('%s gives a clear line and the cell still runs', async (_name, content, message) => {
    const dir = mkdtempSync(join(work, 'bad-'))
    writeFileSync(join(dir, 'environment.json'), content)
    const [cell] = await runCells(
      'arw-plain',
      ['from aws_research_wizard import cost_tracker\nwith cost_tracker.track_cell():\n    answer = 6 * 7\nprint(answer)'],
      {ARW_ENVIRONMENT: join(dir, 'environment.json')},
    )
    expect(cell.error).toBeNull()
    expect(cell.stdout).toMatch(/^Cell execution cost: unknown \(/)
    expect(cell.stdout).toMatch(message)
    expect(cell.stdout.trimEnd().endsWith('42')).toBe(true)
  })

  it('a malformed ARW_HOURLY_PRICE_USD is named, not a traceback', async () => {
    const [, second] = await runCells('arw-plain', ['%load_ext aws_research_wizard', 'x = 1'], {ARW_HOURLY_PRICE_USD: '12,50'})
    expect(second).toEqual({
      stdout: "Cell execution cost: unknown (ARW_HOURLY_PRICE_USD in the environment is '12,50': expected a number)\n",
      error: null,
    })
  })

  it('%load_ext prints the cost of every following cell and session_summary adds them up', async () => {
    const cells = await runCells(
      'arw-plain',
      [
        '%load_ext aws_research_wizard',
        'import time; time.sleep(1.0); print("done")',
        'time.sleep(0.5)',
        'from aws_research_wizard import cost_tracker; print(tuple(cost_tracker.session_summary()))',
      ],
      {ARW_HOURLY_PRICE_USD: '360', ARW_ACTIVE_USERS: '1'},
    )
    expect(cells[0]).toEqual({stdout: '', error: null})
    // $360/h = $0.10 per second.
    expect(cells[1].stdout).toMatch(/^done\nCell execution cost: \$0\.1\d{3} \(1\.\d seconds compute\)\n$/)
    expect(dollars(cells[1].stdout)).toBeGreaterThanOrEqual(0.1)
    expect(dollars(cells[1].stdout)).toBeLessThan(0.15)
    expect(dollars(cells[2].stdout)).toBeGreaterThanOrEqual(0.05)
    expect(dollars(cells[2].stdout)).toBeLessThan(0.1)
    const [count, , cost] = JSON.parse(cells[3].stdout.split('\n')[0].replaceAll('(', '[').replaceAll(')', ']')) as number[]
    expect(count).toBe(2) // the summary's own cell is counted once it has run
    expect(cost).toBeCloseTo(dollars(cells[1].stdout) + dollars(cells[2].stdout), 3)
  })

  it('loads by itself in every kernel of an environment with cost tracking on, and not when it is off', async () => {
    installStep(`print(install.set_cost_extension(${JSON.stringify(venv)}, True))`)
    const [on] = await runCells('arw-env', ['import time; time.sleep(0.2)'], {ARW_HOURLY_PRICE_USD: '36'})
    expect(on.stdout).toMatch(/^Cell execution cost: \$0\.00\d{2} \(0\.\d seconds compute\)\n$/)
    installStep(`print(install.set_cost_extension(${JSON.stringify(venv)}, False))`)
    const [off] = await runCells('arw-env', ['import time; time.sleep(0.2)'], {ARW_HOURLY_PRICE_USD: '36'})
    expect(off).toEqual({stdout: '', error: null})
  })
})
