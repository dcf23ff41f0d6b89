import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadPackFile} from '../../src/domain-pack/load.js'
import {estimateCost, HOURS_PER_MONTH, TYPICAL_ACTIVE_HOURS} from '../../src/lib/spec/estimate.js'
import {resolveSpec} from '../../src/lib/spec/resolve-spec.js'
import {chooseInstanceType} from '../../src/lib/spec/sizing.js'
import type {SpecOverrides} from '../../src/lib/spec/types.js'
import {PACK_DIR} from '../helpers/run.js'
import {BASE_OVERRIDES, specFor} from '../helpers/specs.js'

async function pack(name: string) {
  const loaded = await loadPackFile(join(PACK_DIR, `${name}.yaml`))
  return loaded.pack!
}

describe('resolveSpec', () => {
  it('resolves the documented example into one frozen spec', async () => {
    const spec = await specFor('genomics', {
      users: 10,
      instanceType: 'r6i.4xlarge',
      sharedStorage: '1TB',
      autoShutdownMinutes: 60,
      monthlyBudgetUsd: 500,
    })
    expect(spec).toMatchObject({
      stackName: 'arw-lab1',
      users: 10,
      instance: {type: 'r6i.4xlarge', choice: 'flag', gpu: false},
      storage: {sharedFileSystem: true, sharedEstimateGiB: 1024},
      autoShutdown: {idleMinutes: 60},
      cost: {monthlyBudgetUsd: 500, alertEmails: ['ada@example.org']},
    })
    expect(Object.isFrozen(spec.instance)).toBe(true)
    expect(() => {
      ;(spec as {users: number}).users = 3
    }).toThrow()
  })

  it('sizes the instance from users within the allowed types when no type is given', async () => {
    const genomics = await pack('genomics')
    expect(chooseInstanceType(genomics, 2, 'us-east-1').type).toBe('r6i.xlarge')
    expect(chooseInstanceType(genomics, 20, 'us-east-1').type).toBe('r6i.4xlarge')
    expect((await specFor('genomics', {users: 20})).instance).toMatchObject({type: 'r6i.4xlarge', choice: 'sized'})
    const big = chooseInstanceType(genomics, 500, 'us-east-1')
    expect(big).toMatchObject({fits: false, type: 'r6i.8xlarge'})
  })

  it('keeps GPU packs on GPU types when sizing', async () => {
    const ml = await pack('machine-learning')
    const sized = chooseInstanceType(ml, 10, 'us-east-1')
    expect(sized.fits).toBe(true)
    expect(['g4dn.xlarge', 'g5.xlarge', 'g5.2xlarge', 'g6.xlarge', 'g6.2xlarge', 'g5.4xlarge', 'p3.2xlarge']).toContain(sized.type)
  })

  const cases: [string, string, Partial<SpecOverrides>, string][] = [
    ['GPU pack on a CPU type', 'machine-learning', {instanceType: 'm6i.xlarge'}, 'gpu-required'],
    ['unknown instance type', 'genomics', {instanceType: 'r6i.2xlarg'}, 'unknown-instance-type'],
    ['type outside the allowed list', 'genomics', {instanceType: 'c6i.xlarge'}, 'instance-type-not-allowed'],
    ['users above max', 'genomics', {users: 41}, 'users-above-max'],
    ['home volume too small', 'genomics', {homeSize: '5GB'}, 'storage-out-of-bounds'],
    ['unparseable shared size', 'genomics', {sharedStorage: 'huge'}, 'storage-out-of-bounds'],
    ['type not offered in region', 'machine-learning', {region: 'sa-east-1'}, 'region-not-offered'],
    ['bad environment name', 'genomics', {name: 'Lab_1'}, 'invalid-environment-name'],
    ['half an existing network', 'genomics', {vpcId: 'vpc-0123456789abcdef0'}, 'incomplete-network'],
    ['arm type for an x86 pack', 'social-science', {instanceType: 'm7g.xlarge'}, 'instance-type-not-allowed'],
  ]
  it.each(cases)('%s -> %s', async (_title, packName, overrides, code) => {
    const {spec, findings} = resolveSpec(packName, await pack(packName), {...BASE_OVERRIDES, ...overrides})
    expect(spec).toBeUndefined()
    const finding = findings.find((f) => f.code === code)
    expect(finding, JSON.stringify(findings)).toMatchObject({level: 'error'})
    expect(finding?.remedy.length).toBeGreaterThan(10)
  })

  it('suggests close instance types for a typo', async () => {
    const {findings} = resolveSpec('genomics', await pack('genomics'), {...BASE_OVERRIDES, instanceType: 'r6i.2xlarg'})
    expect(findings.find((f) => f.code === 'unknown-instance-type')?.remedy).toContain('r6i.2xlarge')
  })

  it('warns when nobody can administer the hub', async () => {
    const {spec, findings} = resolveSpec('astronomy', await pack('astronomy'), {name: 'lab1', region: 'us-east-1'})
    expect(spec).toBeDefined()
    expect(findings.map((f) => f.code)).toContain('no-admin')
  })
})

describe('estimateCost', () => {
  it('prices the instance for typical use and always-on, plus storage and NAT', async () => {
    const spec = await specFor('genomics', {instanceType: 'r6i.4xlarge', sharedStorage: '1TB'})
    const estimate = estimateCost(spec)
    expect(estimate.hourlyUsd).toBe(1.01)
    const instanceLine = estimate.lines.find((l) => l.item === 'Hub instance')
    expect(instanceLine?.monthlyUsd).toBeCloseTo(1.008 * TYPICAL_ACTIVE_HOURS, 1)
    expect(estimate.lines.find((l) => l.item === 'Shared file system')?.monthlyUsd).toBeCloseTo(1024 * 0.3, 1)
    expect(estimate.monthlyAlwaysOnUsd - estimate.monthlyTypicalUsd).toBeCloseTo(1.008 * (HOURS_PER_MONTH - TYPICAL_ACTIVE_HOURS), 0)
  })

  it('applies the regional factor and drops the NAT line for an existing network', async () => {
    const us = estimateCost(await specFor('astronomy'))
    const eu = estimateCost(await specFor('astronomy', {region: 'eu-central-1'}))
    expect(eu.hourlyUsd).toBeGreaterThan(us.hourlyUsd)
    const existing = estimateCost(
      await specFor('astronomy', {
        vpcId: 'vpc-0123456789abcdef0',
        subnetId: 'subnet-0123456789abcdef0',
        availabilityZone: 'us-east-1a',
        vpcCidr: '10.0.0.0/16',
      }),
    )
    expect(existing.lines.some((l) => l.item === 'NAT gateway')).toBe(false)
    expect(us.lines.some((l) => l.item === 'NAT gateway')).toBe(true)
  })
})
