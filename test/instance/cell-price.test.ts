import {describe, expect, it} from 'vitest'
import {cellPricing} from '../../src/lib/instance/cell-price.js'
import {instanceConfig} from '../../src/lib/instance/user-data.js'
import {INSTANCE_REFS as REFS, specFor} from '../helpers/specs.js'

describe('the price every kernel reads (environment.json)', () => {
  it('carries the on-demand hourly price and whether cost tracking is on', async () => {
    const config = instanceConfig(await specFor('genomics', {instanceType: 'r6i.xlarge'}), REFS)
    expect(config).toMatchObject({costTracking: true, hourlyPriceUsd: 0.252, gpuCount: 0, gpuHourlyPriceUsd: 0})
  })

  it('applies the regional factor of the estimate', async () => {
    const config = instanceConfig(await specFor('genomics', {instanceType: 'r6i.xlarge', region: 'eu-central-1'}), REFS)
    expect(config.hourlyPriceUsd).toBe(Math.round(0.252 * 1.19 * 10_000) / 10_000)
  })

  it('on a GPU type, splits out what the GPUs cost above a general-purpose vCPU', async () => {
    // g5.xlarge $1.006/h, 4 vCPU; m6i.xlarge $0.192/h for 4 vCPU: the GPU is $0.814/h.
    expect(cellPricing(await specFor('machine-learning', {instanceType: 'g5.xlarge'}))).toEqual({
      hourlyPriceUsd: 1.006,
      gpuCount: 1,
      gpuHourlyPriceUsd: 0.814,
    })
  })
})
