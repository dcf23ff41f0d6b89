import {execFile} from 'node:child_process'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'
import {INSTANCE_FILES, TEMPLATE_DIR} from '../../src/lib/instance/user-data.js'

const run = promisify(execFile)

describe('instance side of `jupyter users` (configure/users.py)', () => {
  it('ships with the instance files', () => {
    expect(INSTANCE_FILES).toContain('configure/users.py')
  })

  it('unit tests pass under the system python3 (add, remove, list, per-item results, hostile addresses)', async () => {
    const result = await run('/usr/bin/python3', [join(TEMPLATE_DIR, '..', '..', 'test', 'instance', 'py', 'test_users.py'), '-v'], {
      env: {...process.env, ARW_TEMPLATES: TEMPLATE_DIR, PYTHONDONTWRITEBYTECODE: '1'},
    }).catch((error) => error as {stdout: string; stderr: string})
    const output = `${result.stdout}${result.stderr}`
    expect(output, output).toMatch(/^OK$/m)
    expect(Number(/^Ran (\d+) tests/m.exec(output)?.[1])).toBeGreaterThanOrEqual(8)
  })
})
