import type {PricingClient} from '@aws-sdk/client-pricing'

type Filter = {readonly Field: string; readonly Value: string}

/** One product query: the service, its attribute filters and the unit its price is quoted in. */
export interface ProductQuery {
  readonly serviceCode: 'AmazonEC2' | 'AmazonEFS'
  readonly filters: readonly Filter[]
  readonly unit: 'Hrs' | 'GB-Mo'
}

/** Linux, shared tenancy, no pre-installed software, no licence: the price an environment's hub pays. */
export function instanceQuery(region: string, instanceType: string): ProductQuery {
  return {
    serviceCode: 'AmazonEC2',
    unit: 'Hrs',
    filters: [
      {Field: 'regionCode', Value: region},
      {Field: 'instanceType', Value: instanceType},
      {Field: 'operatingSystem', Value: 'Linux'},
      {Field: 'tenancy', Value: 'Shared'},
      {Field: 'preInstalledSw', Value: 'NA'},
      {Field: 'capacitystatus', Value: 'Used'},
      {Field: 'licenseModel', Value: 'No License required'},
    ],
  }
}

export const gp3Query = (region: string): ProductQuery => ({
  serviceCode: 'AmazonEC2',
  unit: 'GB-Mo',
  filters: [
    {Field: 'regionCode', Value: region},
    {Field: 'productFamily', Value: 'Storage'},
    {Field: 'volumeApiName', Value: 'gp3'},
  ],
})

export const efsQuery = (region: string): ProductQuery => ({
  serviceCode: 'AmazonEFS',
  unit: 'GB-Mo',
  filters: [
    {Field: 'regionCode', Value: region},
    {Field: 'productFamily', Value: 'Storage'},
    {Field: 'storageClass', Value: 'General Purpose'},
  ],
})

export const natQuery = (region: string): ProductQuery => ({
  serviceCode: 'AmazonEC2',
  unit: 'Hrs',
  filters: [
    {Field: 'regionCode', Value: region},
    {Field: 'productFamily', Value: 'NAT Gateway'},
    {Field: 'group', Value: 'NGW:NatGateway'},
  ],
})

// No on-demand price an environment meets is anywhere near this; a larger figure is a parse error.
const MAX_SANE_USD = 1000

/**
 * The on-demand USD price of the first product whose price dimension is quoted in the
 * query's unit, or undefined. The Price List answers JSON strings; each is parsed on its
 * own and anything not shaped like a price (or not a finite positive number) is skipped.
 */
export function onDemandPrice(priceList: readonly unknown[], unit: ProductQuery['unit']): number | undefined {
  const prices: number[] = []
  for (const item of priceList) {
    let product: unknown
    try {
      product = typeof item === 'string' ? JSON.parse(item) : JSON.parse(String(item))
    } catch {
      continue
    }
    const onDemand = (product as {terms?: {OnDemand?: Record<string, unknown>}})?.terms?.OnDemand
    for (const term of Object.values(onDemand ?? {})) {
      const dimensions = (term as {priceDimensions?: Record<string, unknown>})?.priceDimensions
      for (const dimension of Object.values(dimensions ?? {})) {
        const {unit: dimensionUnit, pricePerUnit} = dimension as {unit?: unknown; pricePerUnit?: {USD?: unknown}}
        const usd = Number(pricePerUnit?.USD)
        if (dimensionUnit === unit && Number.isFinite(usd) && usd > 0 && usd < MAX_SANE_USD) prices.push(usd)
      }
    }
  }
  // Several products can match (e.g. tiers); the lowest positive list price is the one a first GiB/hour pays.
  return prices.length > 0 ? Math.min(...prices) : undefined
}

/** Every page of GetProducts for one query, reduced to its on-demand price. */
export async function queryPrice(client: PricingClient, query: ProductQuery): Promise<number | undefined> {
  const {GetProductsCommand} = await import('@aws-sdk/client-pricing')
  const items: unknown[] = []
  let token: string | undefined
  // A handful of pages at most: the filters pin one product; the bound stops a runaway token loop.
  for (let page = 0; page < 10; page++) {
    const response = await client.send(
      new GetProductsCommand({
        ServiceCode: query.serviceCode,
        FormatVersion: 'aws_v1',
        MaxResults: 100,
        Filters: query.filters.map((f) => ({Type: 'TERM_MATCH', Field: f.Field, Value: f.Value})),
        ...(token ? {NextToken: token} : {}),
      }),
    )
    items.push(...(response.PriceList ?? []))
    token = response.NextToken
    if (!token) break
  }
  return onDemandPrice(items, query.unit)
}
