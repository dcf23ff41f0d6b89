import {GetProductsCommand, PricingClient} from '@aws-sdk/client-pricing'
import {mockClient} from 'aws-sdk-client-mock'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeEach, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {onDemandPrice} from '../../src/lib/pricing/price-list.js'
import {resolvePrices} from '../../src/lib/pricing/prices.js'
import {describePriceSource} from '../../src/lib/pricing/types.js'
import {priceListItem} from './fixtures.js'

const pricing = mockClient(PricingClient)
afterAll(() => pricing.restore())

const now = new Date('2026-11-23T18:00:00Z')
let cacheDirectory: string
beforeEach(() => {
  pricing.reset()
  cacheDirectory = mkdtempSync(join(tmpdir(), 'arw-prices-'))
})

function answerPrices() {
  pricing.on(GetProductsCommand).callsFake((input: {ServiceCode: string; Filters: {Field: string; Value: string}[]}) => {
    const filter = (field: string) => input.Filters.find((f) => f.Field === field)?.Value
    expect(filter('regionCode')).toBe('eu-west-1')
    if (filter('instanceType') === 'm6i.xlarge') return {PriceList: [priceListItem('0.2140000000', 'Hrs')]}
    if (filter('volumeApiName') === 'gp3') return {PriceList: [priceListItem('0.0880000000', 'GB-Mo')]}
    if (input.ServiceCode === 'AmazonEFS')
      return {PriceList: [priceListItem('0.3300000000', 'GB-Mo'), priceListItem('0.0250000000', 'Hrs')]}
    if (filter('productFamily') === 'NAT Gateway') return {PriceList: [priceListItem('0.0480000000', 'Hrs')]}
    return {PriceList: []}
  })
}

describe('prices from the AWS Price List', () => {
  it('reads the Price List, caches it per region with its date, and answers from the cache next time without a call', async () => {
    answerPrices()
    const clients = new AwsClients({region: 'eu-west-1'})
    const first = await resolvePrices({region: 'eu-west-1', instanceTypes: ['m6i.xlarge'], clients, now, cacheDirectory})
    expect(first).toEqual({
      region: 'eu-west-1',
      instanceHourly: {'m6i.xlarge': 0.214},
      gp3PerGiBMonth: 0.088,
      efsStandardPerGiBMonth: 0.33,
      natGatewayPerHour: 0.048,
      source: 'price-list',
      fetchedAt: now.toISOString(),
    })
    expect(pricing.commandCalls(GetProductsCommand)).toHaveLength(4)
    const cached = JSON.parse(readFileSync(join(cacheDirectory, 'eu-west-1.json'), 'utf8'))
    expect(cached.instanceHourly['m6i.xlarge']).toEqual({usd: 0.214, fetchedAt: now.toISOString()})

    const later = new Date(now.getTime() + 24 * 3600_000)
    const second = await resolvePrices({region: 'eu-west-1', instanceTypes: ['m6i.xlarge'], clients, now: later, cacheDirectory})
    expect(pricing.commandCalls(GetProductsCommand)).toHaveLength(4)
    expect(second).toMatchObject({source: 'cache', fetchedAt: now.toISOString(), instanceHourly: {'m6i.xlarge': 0.214}})
    expect(describePriceSource(second)).toBe('AWS Price List, cached 2026-11-23')
  })

  it('falls back to the bundled snapshot within its bound when the Price List does not answer', async () => {
    pricing.on(GetProductsCommand).callsFake(() => new Promise(() => {}))
    const warnings: string[] = []
    const started = Date.now()
    const table = await resolvePrices({
      region: 'us-east-1',
      instanceTypes: ['m6i.xlarge'],
      clients: new AwsClients({region: 'us-east-1'}),
      now,
      cacheDirectory,
      timeoutMs: 300,
      onFallback: (why) => warnings.push(why),
    })
    expect(Date.now() - started).toBeLessThan(3000)
    expect(table.source).toBe('snapshot')
    expect(table.instanceHourly['m6i.xlarge']).toBeCloseTo(0.192, 3)
    expect(warnings).toEqual(['the AWS Price List did not answer within 0.3 s'])
    expect(describePriceSource(table)).toMatch(/^bundled price snapshot/)
  })

  it('without clients never calls AWS: cache or snapshot only (deploy --dry-run)', async () => {
    writeFileSync(
      join(cacheDirectory, 'us-east-1.json'),
      JSON.stringify({instanceHourly: {'m6i.xlarge': {usd: 0.2, fetchedAt: '2026-11-22T00:00:00Z'}}, units: {}}),
    )
    const table = await resolvePrices({region: 'us-east-1', instanceTypes: ['m6i.xlarge', 'r6i.2xlarge'], now, cacheDirectory})
    expect(pricing.commandCalls(GetProductsCommand)).toHaveLength(0)
    expect(table.instanceHourly['m6i.xlarge']).toBe(0.2)
    // The rest came from the snapshot, so the table says snapshot (its weakest source).
    expect(table.source).toBe('snapshot')
  })

  it('ignores a cache entry that is stale or malformed, and a region that is not a region name', async () => {
    writeFileSync(
      join(cacheDirectory, 'us-east-1.json'),
      JSON.stringify({instanceHourly: {'m6i.xlarge': {usd: 9, fetchedAt: '2026-10-01T00:00:00Z'}, 'r6i.large': {usd: 'x'}}, units: {}}),
    )
    const table = await resolvePrices({region: 'us-east-1', instanceTypes: ['m6i.xlarge'], now, cacheDirectory})
    expect(table.instanceHourly['m6i.xlarge']).toBeCloseTo(0.192, 3)
    const odd = await resolvePrices({region: '../../etc', instanceTypes: [], now, cacheDirectory})
    expect(odd.source).toBe('snapshot')
  })

  it('reads only well-formed on-demand prices in the unit asked for', () => {
    expect(
      onDemandPrice(
        [priceListItem('0.10', 'Hrs'), priceListItem('0.05', 'GB-Mo'), 'not json', priceListItem('-1', 'Hrs'), priceListItem('NaN', 'Hrs')],
        'Hrs',
      ),
    ).toBe(0.1)
    expect(onDemandPrice([priceListItem('5000', 'Hrs')], 'Hrs')).toBeUndefined()
  })
})

describe('the plan estimate at given prices', () => {
  it('prices every line from the table and says where the prices came from', async () => {
    const {specFor} = await import('../helpers/specs.js')
    const {estimateCost} = await import('../../src/lib/spec/estimate.js')
    const spec = await specFor('genomics', {instanceType: 'r6i.2xlarge'})
    const table = {
      region: 'us-east-1',
      instanceHourly: {'r6i.2xlarge': 0.5},
      gp3PerGiBMonth: 0.1,
      efsStandardPerGiBMonth: 0.3,
      natGatewayPerHour: 0.05,
      source: 'cache' as const,
      fetchedAt: '2026-11-20T10:00:00.000Z',
    }
    const estimate = estimateCost(spec, table)
    expect(estimate.hourlyUsd).toBe(0.5)
    // 176 h x $0.50; the home volume at $0.10/GiB-month; the NAT 730 h x $0.05.
    expect(estimate.lines.find((l) => l.item === 'Hub instance')?.monthlyUsd).toBe(88)
    expect(estimate.lines.find((l) => l.item === 'Home volume')?.monthlyUsd).toBe(spec.storage.homeVolumeGiB * 0.1)
    expect(estimate.lines.find((l) => l.item === 'NAT gateway')?.monthlyUsd).toBe(36.5)
    expect(estimate.priceSource).toBe('AWS Price List, cached 2026-11-20')
    expect(estimate.assumptions[0]).toBe('On-demand Linux prices for us-east-1 from the AWS Price List, cached 2026-11-20.')
  })
})
