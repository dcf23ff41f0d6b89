import {describe, expect, it} from 'vitest'
import type {CostReportResult} from '../../src/lib/cost/report.js'
import {renderCostCsv} from '../../src/output/cost-report.js'

const report = (key: string, cents: number[]) =>
  ({
    groupBy: 'environment',
    actual: {columns: ['2026-11-01', '2026-11-02'], rows: [{key, cents}]},
    liveEstimate: {lines: [{since: '2026-11-03T00:00:00Z', environment: key, cents: -5}]},
  }) as unknown as CostReportResult

describe('cost CSV', () => {
  it('a credit stays a number: no formula guard on the amount', () => {
    expect(
      renderCostCsv(report('lab1', [-123, 250]))
        .trim()
        .split('\n'),
    ).toEqual([
      'period,environment,cost_usd,kind',
      '2026-11-01,lab1,-1.23,actual',
      '2026-11-02,lab1,2.50,actual',
      '2026-11-03,lab1,-0.05,estimate',
    ])
  })

  it('a name from AWS that a spreadsheet would run as a formula is still guarded', () => {
    expect(renderCostCsv(report('=HYPERLINK("x")', [100])).split('\n')[1]).toBe('2026-11-01,"\'=HYPERLINK(""x"")",1.00,actual')
  })
})
