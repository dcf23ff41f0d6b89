// An error's advice must be something this command can do.
import {CloudFormationClient, DescribeStacksCommand} from '@aws-sdk/client-cloudformation'
import {GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {mockClient} from 'aws-sdk-client-mock'
import {afterAll, beforeEach, describe, expect, it} from 'vitest'
import {runJson} from '../helpers/run.js'

const cfn = mockClient(CloudFormationClient)
const sts = mockClient(STSClient)
const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {name: 'CredentialsProviderError'})

beforeEach(() => {
  cfn.reset()
  sts.reset()
})
afterAll(() => {
  cfn.restore()
  sts.restore()
})

describe('credentials errors', () => {
  it('suggest --dry-run only to a command that has it', async () => {
    cfn.on(DescribeStacksCommand).rejects(noCredentials)
    sts.on(GetCallerIdentityCommand).rejects(noCredentials)
    const output = mkdtempSync(join(tmpdir(), 'creds-'))
    const deploy = await runJson(['jupyter', 'deploy', '-d', 'genomics', '-n', 'lab1', '--output', output, '--yes'])
    expect(deploy.exitCode).toBe(4)
    expect(deploy.envelope.error?.actions.join('\n')).toContain('add --dry-run')
    for (const argv of [
      ['jupyter', 'list'],
      ['jupyter', 'status', 'lab1'],
      ['bootstrap', '--output', output],
    ]) {
      const {envelope, exitCode} = await runJson(argv)
      expect(exitCode, argv.join(' ')).toBe(4)
      expect(envelope.error?.code).toBe('no-credentials')
      expect(envelope.error?.actions.join('\n'), argv.join(' ')).not.toContain('--dry-run')
      expect(envelope.error?.actions.length).toBeGreaterThan(0)
    }
  })
})
