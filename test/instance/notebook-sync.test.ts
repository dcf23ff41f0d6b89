import {execFile} from 'node:child_process'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'
import {PROJECT_ROOT} from '../helpers/run.js'

const run = promisify(execFile)

describe('instance-side notebook sync (agent/notebook_sync.py)', () => {
  it('passes its unit tests against moto S3: allowed keys only, no link followed, owners right, only changes fetched', async () => {
    // python3 with boto3 and moto: the same interpreter the moto server tests use. A
    // missing module fails the run (ImportError), never skips it.
    const result = await run('python3', [join(PROJECT_ROOT, 'test', 'instance', 'py', 'test_notebook_sync.py'), '-v'], {
      env: {...process.env, ARW_TEMPLATES: join(PROJECT_ROOT, 'templates', 'instance'), PYTHONDONTWRITEBYTECODE: '1'},
      timeout: 120_000,
    }).catch((error) => error as {stdout: string; stderr: string})
    const output = `${result.stdout}${result.stderr}`
    expect(output, output).toMatch(/^OK$/m)
    expect(Number(/^Ran (\d+) tests/m.exec(output)?.[1])).toBe(16)
  })
})
