import {describe, expect, it} from 'vitest'
import type {KeptPiece} from '../../src/lib/data/find-kept.js'
import {monthlyStorageUsd} from '../../src/lib/data/storage-prices.js'
import {renderKeptData} from '../../src/output/kept-data.js'
import {hasControl} from '../../src/output/sanitize.js'

const piece = (overrides: Partial<KeptPiece>): KeptPiece => ({
  kind: 'home-volume-snapshot',
  id: 'snap-0123',
  environment: 'old',
  region: 'us-east-1',
  sizeGiB: 100,
  stackExists: false,
  monthlyUsd: 5,
  deleteCommand: 'aws ec2 delete-snapshot --snapshot-id snap-0123',
  ...overrides,
})

describe('kept data, for people', () => {
  it('one row per piece with its size, stack and monthly cost, a total, and what to do with a gone stack', () => {
    const text = renderKeptData(
      [
        piece({}),
        piece({kind: 'user-pool', id: 'us-east-1_abc', sizeGiB: 0, monthlyUsd: 0, detail: '3 user(s)'}),
        piece({environment: 'lab', kind: 'home-volume', id: 'vol-1', stackExists: true, monthlyUsd: 8}),
      ],
      'us-east-1',
    )
    expect(text).toMatch(/old\s+home-volume-snapshot\s+snap-0123\s+100 GiB\s+gone\s+\$5\.00/)
    expect(text).toMatch(/old\s+user-pool\s+us-east-1_abc\s+3 user\(s\)\s+gone\s+\$0\.00/)
    expect(text).toMatch(/lab\s+home-volume\s+vol-1\s+100 GiB\s+yes\s+\$8\.00/)
    expect(text).toContain('Storage: $13.00/month in us-east-1')
    expect(text).toContain('old: stack gone. Restore with `jupyter deploy --restore-from old ...`')
    expect(text).not.toContain('lab: stack gone')
  })

  it('an environment tag (or id, or detail) from AWS cannot write terminal escapes', () => {
    const text = renderKeptData(
      [piece({environment: 'x\u001b]0;owned\u0007\u001b[2J', id: 'snap-\u009b31m', detail: 'at least\u202e'})],
      'us-east-1',
    )
    expect(hasControl(text.replace(/\n/g, ''))).toBe(false)
    expect(text).toContain('x\\x1b]0;owned\\x07\\x1b[2J')
    expect(text).toContain('snap-\\x9b31m')
  })

  it('says so when there is nothing', () => {
    expect(renderKeptData([], 'eu-west-1', 'lab')).toBe('No kept data of lab in eu-west-1.')
  })

  it('prices each kind by the GiB-month from the bundled snapshot, scaled by region', () => {
    expect(monthlyStorageUsd('home-volume', 100, 'us-east-1')).toBe(8)
    expect(monthlyStorageUsd('home-volume-snapshot', 100, 'us-east-1')).toBe(5)
    expect(monthlyStorageUsd('shared-file-system', 10, 'us-east-1')).toBe(3)
    expect(monthlyStorageUsd('user-pool', 0, 'us-east-1')).toBe(0)
    expect(monthlyStorageUsd('home-volume', 100, 'sa-east-1')).toBeGreaterThan(8)
  })
})
