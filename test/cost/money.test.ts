import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {splitCents, toCents} from '../../src/lib/cost/money.js'
import {reportPeriod} from '../../src/lib/cost/period.js'
import {tabulate} from '../../src/lib/cost/table.js'
import {sparkline} from '../../src/output/cost-report.js'

describe('money in cents', () => {
  it('rounds Cost Explorer decimals half up on the digits, not through binary floating point', () => {
    expect(['2.345', '1.234', '0.0101516483', '-0.005', '12', '.5', '', 'abc', '1e2'].map(toCents)).toEqual([
      235, 123, 1, -1, 1200, 50, 0, 0, 10000,
    ])
  })

  it('splits any amount into whole cents that add up exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({min: -1_000_000, max: 1_000_000}),
        fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.double({min: 0, max: 1e6, noNaN: true}), {minKeys: 1}),
        (cents, weights) => {
          const parts = splitCents(cents, new Map(Object.entries(weights)))
          const positive = Object.values(weights).some((w) => w > 0)
          const sum = [...parts.values()].reduce((s, v) => s + v, 0)
          expect(sum).toBe(positive ? cents : 0)
          for (const value of parts.values()) expect(Number.isInteger(value)).toBe(true)
        },
      ),
    )
  })

  it('keeps totals equal to the sum of the rows shown, whatever the cells', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({min: 0, max: 3}), fc.integer({min: -500, max: 100_000}))),
        (cells) => {
          const columns = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04']
          const table = tabulate(
            cells.map(([key, col, cents]) => ({period: columns[col]!, periodEnd: '', keys: [key], cents, estimated: false})),
            columns,
            'daily',
          )
          expect(table.totalCents).toBe(table.rows.reduce((s, r) => s + r.totalCents, 0))
          expect(table.totalCents).toBe(table.columnTotalsCents.reduce((s, c) => s + c, 0))
          expect(table.totalCents).toBe(cells.reduce((s, [, , c]) => s + c, 0))
        },
      ),
    )
  })
})

describe('report period', () => {
  const now = new Date('2026-11-23T18:00:00Z')
  it('reads days back and dates; --until is inclusive', () => {
    expect(reportPeriod('30d', undefined, now)).toEqual({start: '2026-10-24', end: '2026-11-24'})
    expect(reportPeriod('2026-11-01', '2026-11-10', now)).toEqual({start: '2026-11-01', end: '2026-11-11'})
    expect(reportPeriod('2026-11-01', '2027-01-31', now)).toEqual({start: '2026-11-01', end: '2026-11-24'})
  })
  it.each([
    ['2026-02-30', undefined, /not a date/],
    ['yesterday', undefined, /not a date/],
    ['2026-11-10', '2026-11-01', /after --until/],
    ['2026-12-01', undefined, /in the future/],
    ['999d', undefined, /14 months/],
  ])('refuses --since %s --until %s with a usage error', (since, until, message) => {
    expect(() => reportPeriod(since, until, now)).toThrow(message)
    try {
      reportPeriod(since, until, now)
    } catch (error) {
      expect(error).toMatchObject({code: 'invalid-period', exitCode: 2})
    }
  })
})

describe('sparkline', () => {
  it('draws zero lowest and the maximum tallest', () => {
    expect(sparkline([0, 50, 100, 25])).toBe('▁▅█▃')
    expect(sparkline([0, 0])).toBe('▁▁')
  })
})

describe('per-person split', () => {
  it('weights instance cost by GPU-hours on a day with GPU use, storage by home size, and keeps malformed users out', async () => {
    const {splitByUser, COMPUTE_SERVICE} = await import('../../src/lib/cost/split.js')
    const {parseUsage} = await import('../../src/lib/cost/usage.js')
    const usage = parseUsage(
      JSON.stringify({
        date: '2026-11-20',
        users: {
          ada: {server_hours: 8, gpu_hours: 1, home_bytes: 1},
          bo: {server_hours: 1, gpu_hours: 3, home_bytes: 3},
          '\u001b[31mevil': {server_hours: 24, gpu_hours: 24, home_bytes: 1e12},
          cy: {server_hours: -5, gpu_hours: 'x', home_bytes: 0},
        },
      }),
      '2026-11-20',
    )!
    expect([...usage.users.keys()]).toEqual(['ada', 'bo', 'cy'])
    const cell = (service: string, cents: number) => ({
      period: '2026-11-20',
      periodEnd: '2026-11-21',
      keys: ['lab1', service],
      cents,
      estimated: false,
    })
    const parts = splitByUser(
      [cell(COMPUTE_SERVICE, 1000), cell('Amazon Elastic File System', 101)],
      new Map([['lab1', new Map([['2026-11-20', usage]])]]),
    )
    expect(parts.map((p) => [p.keys[0], p.cents])).toEqual([
      ['ada', 250],
      ['bo', 750],
      ['ada', 25],
      ['bo', 76],
    ])
    expect(parseUsage('{"date": "2026-11-21", "users": {}}', '2026-11-20')).toBeUndefined()
  })
})
