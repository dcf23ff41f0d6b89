import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {synthesize} from '../../src/lib/synth/synthesize.js'
import {specFor} from '../helpers/specs.js'

describe('an existing network', () => {
  it('raises no warning the user cannot act on (the unknown route table of the subnet is never used)', async () => {
    const spec = await specFor('astronomy', {
      vpcId: 'vpc-0123456789abcdef0',
      subnetId: 'subnet-0123456789abcdef0',
      availabilityZone: 'us-east-1a',
      vpcCidr: '10.20.0.0/16',
      access: 'private',
    })
    const {findings} = await synthesize([spec], {outdir: mkdtempSync(join(tmpdir(), 'net-')), validateTemplates: false, nag: false})
    expect(findings.map((f) => f.message).join('\n')).not.toMatch(/routeTableId/)
  })
  it('raises no template-validation warning about the zone and image it was given', async () => {
    const spec = await specFor('astronomy', {
      vpcId: 'vpc-0123456789abcdef0',
      subnetId: 'subnet-0123456789abcdef0',
      availabilityZone: 'us-east-1a',
      vpcCidr: '10.20.0.0/16',
      access: 'private',
      amiId: 'ami-0123456789abcdef0',
    })
    const {findings} = await synthesize([spec], {outdir: mkdtempSync(join(tmpdir(), 'net-')), validateTemplates: true, nag: false})
    expect(findings.filter((f) => f.level !== 'info').map((f) => `${f.rule} ${f.message}`)).toEqual([])
  }, 60_000)
})
