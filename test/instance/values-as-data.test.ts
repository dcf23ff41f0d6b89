import {execFile} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {gunzipSync} from 'node:zlib'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {instanceConfig, renderBootScript, TEMPLATE_DIR} from '../../src/lib/instance/user-data.js'
import {INSTANCE_REFS, specFor} from '../helpers/specs.js'

const run = promisify(execFile)

/** Strings built to break out of every quoting the instance side could use. */
const hostile = fc.oneof(
  fc.string({unit: 'grapheme', maxLength: 40}),
  fc
    .array(
      fc.constantFrom(
        '$(',
        ')',
        '`',
        '"',
        "'",
        '\\',
        '\n',
        '${',
        '}',
        '%',
        '$$',
        ';',
        '|',
        '&',
        '#',
        '--',
        ' ',
        'end',
        'ARW_PY_END',
        'é',
        '\u202e',
      ),
      {maxLength: 12},
    )
    .map((parts) => parts.join('')),
)

/**
 * For generated hostile values, asks the instance-side Python (the code that runs on the
 * hub) how it would register kernels and mount data, and checks each value arrives
 * byte-for-byte as one argument or one environment value, and never inside code.
 */
describe('pack values reach the instance as data', () => {
  it('kernel display names and Julia packages: an argument of their own or an environment value, never source', async () => {
    const samples = fc.sample(fc.record({display: hostile, packages: fc.array(hostile, {maxLength: 3})}), {numRuns: 150, seed: 7})
    const kernels = samples.flatMap(({display, packages}, i) =>
      (['python', 'r', 'julia'] as const).map((language) => ({name: `k${i}${language}`, display_name: display, language, packages})),
    )
    const script = [
      'import json, os, sys',
      'sys.path.insert(0, sys.argv[1])',
      'from install import install',
      'kernels = json.load(open(sys.argv[2]))',
      'print(json.dumps([install.registration(k) for k in kernels]))',
    ].join('\n')
    const file = join(mkdtempSync(join(tmpdir(), 'asdata-')), 'kernels.json')
    writeFileSync(file, JSON.stringify(kernels))
    const {stdout} = await run('/usr/bin/python3', ['-c', script, TEMPLATE_DIR, file], {
      env: {...process.env, PYTHONDONTWRITEBYTECODE: '1', ARW_LOG: '/dev/null'},
      maxBuffer: 1 << 26,
    })
    const registrations = JSON.parse(stdout) as [string[], Record<string, string>][]
    registrations.forEach(([argv, env], index) => {
      const kernel = kernels[index]!
      expect(env.ARW_KERNEL_DISPLAY_NAME).toBe(kernel.display_name)
      if (kernel.language === 'python') {
        expect(argv[argv.indexOf('--display-name') + 1]).toBe(kernel.display_name)
      } else {
        // R and Julia run fixed code: their arguments are the same whatever the pack says.
        const code = argv.slice(1).join('\u0000')
        expect(code).toBe(
          kernel.language === 'r'
            ? [
                '-e',
                'IRkernel::installspec(name = Sys.getenv("ARW_KERNEL_NAME"), displayname = Sys.getenv("ARW_KERNEL_DISPLAY_NAME"), prefix = Sys.getenv("ARW_KERNEL_PREFIX"))',
              ].join('\u0000')
            : ['--startup-file=no', join(TEMPLATE_DIR, 'install', 'julia_kernel.jl')].join('\u0000'),
        )
      }
      if (kernel.language === 'julia') expect(env.ARW_JULIA_PACKAGES_LINES).toBe(kernel.packages.join('\n'))
    })
  })

  it('data mounts: bucket, prefix and path are whole arguments after --', async () => {
    const mounts = fc.sample(fc.record({bucket: hostile, prefix: hostile, path: hostile}), {numRuns: 150, seed: 11}).map((m) => ({
      source: `s3://${m.bucket.replaceAll('/', '')}/${m.prefix}`,
      mountPath: `/data/${m.path}`,
      readOnly: false,
    }))
    const script = [
      'import json, sys',
      'sys.path.insert(0, sys.argv[1])',
      'from configure import mount_s3',
      'print(json.dumps([mount_s3.mount_arguments(m) for m in json.load(open(sys.argv[2]))]))',
    ].join('\n')
    const file = join(mkdtempSync(join(tmpdir(), 'asdata-')), 'mounts.json')
    writeFileSync(file, JSON.stringify(mounts))
    const {stdout} = await run('/usr/bin/python3', ['-c', script, TEMPLATE_DIR, file], {
      env: {...process.env, PYTHONDONTWRITEBYTECODE: '1'},
    })
    const argvs = JSON.parse(stdout) as string[][]
    argvs.forEach((argv, index) => {
      const mount = mounts[index]!
      const [bucket] = mount.source.slice(5).split('/')
      expect(argv.slice(-3)).toEqual(['--', bucket, mount.mountPath])
    })
  })

  it('the boot script keeps every value inside its packed description (bash parses it, the values come back intact)', async () => {
    const base = instanceConfig(await specFor('genomics'), INSTANCE_REFS)
    const dir = mkdtempSync(join(tmpdir(), 'asdata-'))
    for (const [i, value] of fc.sample(hostile, {numRuns: 40, seed: 3}).entries()) {
      const config = {...base, kernels: [{name: 'k', display_name: value, language: 'python', packages: [value]}]}
      const script = renderBootScript(config)
      writeFileSync(join(dir, `boot${i}.sh`), script)
      await run('bash', ['-n', join(dir, `boot${i}.sh`)])
      const packed = JSON.parse(gunzipSync(Buffer.from(/^ARW_PACKED='([A-Za-z0-9+/=]+)'$/m.exec(script)![1]!, 'base64')).toString())
      expect(packed.kernels[0].display_name).toBe(value)
    }
  })
})
