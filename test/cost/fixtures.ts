/** A Price List answer for one product: its on-demand USD price per unit, as a JSON string. */
export function priceListItem(usd: string, unit: 'Hrs' | 'GB-Mo'): string {
  return JSON.stringify({
    product: {attributes: {}},
    terms: {OnDemand: {'SKU.TERM': {priceDimensions: {'SKU.TERM.DIM': {unit, pricePerUnit: {USD: usd}}}}}},
  })
}

export const ENV_TAG = 'aws-research-wizard:environment'
export const group = (environment: string, amount: string) => ({
  Keys: [`${ENV_TAG}$${environment}`],
  Metrics: {UnblendedCost: {Amount: amount, Unit: 'USD'}},
})
export const day = (start: string, end: string, groups: ReturnType<typeof group>[]) => ({
  TimePeriod: {Start: start, End: end},
  Total: {},
  Groups: groups,
  Estimated: true,
})
