import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadPackFromText} from '../../src/domain-pack/load.js'
import {
  checkAmiId,
  checkAutoShutdown,
  checkAvailabilityZone,
  checkBudget,
  checkChannelUrl,
  checkEmail,
  checkEnvironmentName,
  checkOwner,
  checkUsers,
  checkVpcCidr,
  type FlagCheck,
  zoneInRegion,
} from '../../src/lib/spec/flag-values.js'
import {resolveSpec} from '../../src/lib/spec/resolve-spec.js'
import type {SpecOverrides} from '../../src/lib/spec/types.js'
import {PACK_DIR} from '../helpers/run.js'
import {BASE_OVERRIDES} from '../helpers/specs.js'

const table: [name: string, check: FlagCheck, good: string[], bad: string[]][] = [
  [
    'vpc cidr',
    checkVpcCidr,
    ['10.0.0.0/16', '172.16.0.0/16', '172.31.0.0/16', '192.168.10.0/24', '10.1.2.16/28'],
    [
      '0.0.0.0/0',
      '999.999.999.999/99',
      '10.0.0.0/33',
      '10.0.0.0/8',
      '10.0.0.0/29',
      '8.8.0.0/16',
      '172.32.0.0/16',
      '10.0.0.5/16',
      '10.00.0.0/16',
      '10.0.0.0/16 ',
      '',
    ],
  ],
  [
    'e-mail',
    checkEmail,
    ['ada@example.org', 'a.b+c@uni.ac.uk'],
    ['a$(reboot)@example.org', 'ada@example', 'ada example.org', '`id`@x.org', 'a@b.c\n'],
  ],
  [
    'AMI id',
    checkAmiId,
    ['ami-12345678', 'ami-0123456789abcdef0'],
    ['ami-123', 'ami-0123456789ABCDEF0', 'ami-0123456789abcdef', 'ami-12345678; reboot'],
  ],
  [
    'availability zone',
    checkAvailabilityZone,
    ['us-east-1a', 'eu-west-2c', 'us-gov-west-1a'],
    ['us-east-1', 'use1-az1', '$(reboot)', 'us-east-1a\n'],
  ],
  [
    'environment name',
    checkEnvironmentName,
    ['lab1', 'ab', 'gpu-lab', 'a'.repeat(24)],
    ['../x', '$(reboot)', 'Lab1', 'a', 'lab-', '-lab', 'a'.repeat(25), 'lab\u001b'],
  ],
  [
    'owner tag',
    checkOwner,
    ['ada', 'ada@example.org', 'Ada Lovelace', 'Génomique 基因'],
    ['', '{{resolve:ssm:x}}', 'a;b', 'a\u0007', 'x'.repeat(257)],
  ],
  [
    'channel URL',
    checkChannelUrl,
    ['https://conda.example.org/lab', 'https://mirror.example:8443/conda-forge/'],
    ['http://conda.example.org', 'https://x.org/a b', 'https://x.org/?q=1', '--override-channels', 'file:///etc'],
  ],
]

describe('flag value checks', () => {
  it.each(table)('%s', (_name, check, good, bad) => {
    for (const value of good) expect(check(value), value).toBeUndefined()
    for (const value of bad) expect(check(value), JSON.stringify(value)).toMatch(/.{10}/)
  })

  it('bounds the numbers as the pack does', () => {
    expect([0, 1410].map(checkAutoShutdown)).toEqual([undefined, undefined])
    expect(checkAutoShutdown(1411)).toContain('0 to 1410')
    expect([checkUsers(0), checkUsers(501), checkBudget(0), checkBudget(10_000_001)].every(Boolean)).toBe(true)
    expect(checkUsers(500)).toBeUndefined()
  })

  it('knows which region a zone belongs to', () => {
    expect(zoneInRegion('us-east-1a', 'us-east-1')).toBe(true)
    expect(zoneInRegion('eu-west-1a', 'us-east-1')).toBe(false)
  })
})

const MINIMAL = 'name: minimal\ninstance: {default_type: t3.large}\nkernels: [{name: py, display_name: Python, language: python}]\n'

function resolveText(text: string, overrides: Partial<SpecOverrides>) {
  const loaded = loadPackFromText(text, join(PACK_DIR, 'x.yaml'), {allowedChannels: overrides.allowChannels})
  if (!loaded.pack) throw new Error(JSON.stringify(loaded.findings))
  return resolveSpec('minimal', loaded.pack, {...BASE_OVERRIDES, ...overrides})
}

describe('resolveSpec checks every override as strictly as the flag parser', () => {
  const cases: [title: string, overrides: Partial<SpecOverrides>, code: string, flag: string][] = [
    [
      'world-open CIDR',
      {vpcId: 'vpc-12345678', subnetId: 'subnet-12345678', availabilityZone: 'us-east-1a', vpcCidr: '0.0.0.0/0'},
      'invalid-cidr',
      '--vpc-cidr',
    ],
    [
      'zone of another region',
      {vpcId: 'vpc-12345678', subnetId: 'subnet-12345678', availabilityZone: 'eu-west-1a', vpcCidr: '10.0.0.0/16'},
      'zone-not-in-region',
      '--availability-zone',
    ],
    ['path in the name', {name: '../x'}, 'invalid-environment-name', '--name'],
    ['command substitution in the name', {name: '$(reboot)'}, 'invalid-environment-name', '--name'],
    ['e-mail with $()', {adminEmail: 'a$(reboot)@example.org'}, 'invalid-email', '--admin-email'],
    ['owner with a dynamic reference', {owner: '{{resolve:ssm:/prod/db/password}}'}, 'invalid-owner', '--owner'],
    ['short AMI id', {amiId: 'ami-1'}, 'invalid-ami-id', '--ami-id'],
    ['idle time past the alarm limit', {autoShutdownMinutes: 5000}, 'out-of-range', '--auto-shutdown'],
    ['budget past the pack bound', {monthlyBudgetUsd: 1e12}, 'out-of-range', '--budget'],
    ['users past the pack bound', {users: 100_000}, 'out-of-range', '--users'],
  ]
  it.each(cases)('%s -> %s on %s', (_title, overrides, code, flag) => {
    const {spec, findings} = resolveText(MINIMAL, overrides)
    expect(spec).toBeUndefined()
    expect(findings).toContainEqual(expect.objectContaining({code, path: flag, level: 'error'}))
    const finding = findings.find((f) => f.code === code)
    // The message names the flag and the value received, escaped.
    expect(finding?.message).toContain(flag)
    expect(finding?.message).not.toContain('\u001b')
  })

  it('refuses dummy authentication unless access is private', () => {
    const dummy = `${MINIMAL}jupyterhub: {authenticator: dummy}\n`
    expect(resolveText(dummy, {}).findings).toContainEqual(expect.objectContaining({code: 'dummy-auth-public', level: 'error'}))
    expect(resolveText(dummy, {access: 'public'}).spec).toBeUndefined()
    const privateSpec = resolveText(dummy, {access: 'private'}).spec
    expect(privateSpec?.access).toBe('private')
  })

  it('accepts a channel URL only when the deploy allows it', () => {
    const pack = `${MINIMAL.replace('language: python}', 'language: python, channels: [conda-forge, "https://conda.example.org/lab"]}')}`
    expect(loadPackFromText(pack, 'x.yaml').findings).toContainEqual(expect.objectContaining({code: 'channel-not-allowed'}))
    const {spec} = resolveText(pack, {allowChannels: ['https://conda.example.org/lab']})
    expect(spec?.kernels[0]?.channels).toEqual(['conda-forge', 'https://conda.example.org/lab'])
  })
})
