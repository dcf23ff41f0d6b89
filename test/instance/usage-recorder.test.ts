import {execFile} from 'node:child_process'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'
import {TEMPLATE_DIR} from '../../src/lib/instance/user-data.js'

const run = promisify(execFile)

describe('usage recorder (per-person split of the cost report)', () => {
  it('accumulates server-hours, GPU-hours and home bytes from a fake hub and publishes usage/<date>.json to S3 (moto)', async () => {
    // python3 from PATH: the one with boto3 and moto (as test/helpers/moto.ts uses); missing moto fails the import.
    const result = await run('python3', [join(TEMPLATE_DIR, '..', '..', 'test', 'instance', 'py', 'test_usage_recorder.py'), '-v'], {
      env: {...process.env, ARW_TEMPLATES: TEMPLATE_DIR, PYTHONDONTWRITEBYTECODE: '1'},
      timeout: 120_000,
    }).catch((error) => error as {stdout: string; stderr: string})
    const output = `${result.stdout}${result.stderr}`
    expect(output, output).toMatch(/^OK$/m)
    expect(Number(/^Ran (\d+) tests/m.exec(output)?.[1]), output).toBeGreaterThanOrEqual(20)
  })
})
