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
