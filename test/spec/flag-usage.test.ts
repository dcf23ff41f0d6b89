import {describe, expect, it} from 'vitest'
import {runJson} from '../helpers/run.js'

/** Bad flag values are usage errors (exit 2) naming the flag, the value and the expected form; nothing is synthesized. */
const cases: [flag: string, value: string][] = [
  ['--vpc-cidr', '0.0.0.0/0'],
  ['--vpc-cidr', '999.999.999.999/99'],
  ['--vpc-cidr', '10.0.0.0/33'],
  ['--admin-email', 'a$(reboot)@example.org'],
  ['--owner', '{{resolve:ssm:/prod/db/password}}'],
  ['--availability-zone', '$(reboot)'],
  ['--ami-id', 'ami-1'],
  ['--budget', '99999999999'],
  ['--auto-shutdown', '5000'],
  ['--users', '0'],
  ['--name', '../x'],
  ['--name', '$(reboot)'],
  ['--allow-channel', 'http://insecure.example/conda'],
]

describe('flag values are checked while parsing', () => {
  it.each(cases)('%s %s -> exit 2', async (flag, value) => {
    const argv = ['jupyter', 'synth', '--domain', 'genomics', '--name', 'lab1', '--output', '/nonexistent/never-written']
    const index = argv.indexOf(flag)
    if (index >= 0) argv[index + 1] = value
    else argv.push(flag, value)
    const {envelope, exitCode} = await runJson(argv)
    expect(exitCode).toBe(2)
    expect(envelope.error?.code).toBe('invalid-flag-value')
    expect(envelope.error?.message).toContain(flag)
    expect(envelope.error?.message).toContain(JSON.stringify(value))
    expect(envelope.error?.message).toMatch(/expected .{10}/)
  })
})
