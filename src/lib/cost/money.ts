/**
 * Money is carried in integer cents: every amount shown is rounded once, from Cost
 * Explorer's decimal string, and every total is a sum of the amounts shown, so a column
 * always adds up to its total.
 */
export function toCents(amount: string | number | undefined): number {
  const text = typeof amount === 'number' ? (Number.isFinite(amount) ? amount.toFixed(10) : '0') : String(amount ?? '0').trim()
  // Decimal arithmetic on the digits: 2.345 * 100 is 234.49999... in binary, the bill says 2.345.
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text)
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    // Exponent notation (1e-7) or garbage: through a number, or nothing.
    const value = Number(text)
    return typeof amount !== 'number' && Number.isFinite(value) ? toCents(value) : 0
  }
  const [, sign, whole = '', fraction = ''] = match
  const digits = fraction.padEnd(3, '0')
  const magnitude = Number(whole || '0') * 100 + Number(digits.slice(0, 2)) + (Number(digits[2]) >= 5 ? 1 : 0)
  return sign === '-' && magnitude !== 0 ? -magnitude : magnitude
}

export const centsToUsd = (cents: number) => cents / 100

export const sumCents = (values: Iterable<number>) => {
  let total = 0
  for (const value of values) total += value
  return total
}

/**
 * Splits `cents` across shares by weight with the largest-remainder method: every part
 * is whole cents and the parts add up to `cents` exactly. Ties go to the earlier key
 * (sorted), so the split is deterministic. Zero total weight gives nothing to anyone.
 */
export function splitCents(cents: number, weights: ReadonlyMap<string, number>): Map<string, number> {
  const keys = [...weights.keys()].filter((key) => (weights.get(key) ?? 0) > 0).sort()
  const total = keys.reduce((sum, key) => sum + weights.get(key)!, 0)
  const parts = new Map<string, number>()
  if (total <= 0 || keys.length === 0) return parts
  const sign = cents < 0 ? -1 : 1
  const magnitude = Math.abs(cents)
  const exact = keys.map((key) => ({key, value: (magnitude * weights.get(key)!) / total}))
  let given = 0
  for (const {key, value} of exact) {
    parts.set(key, Math.floor(value))
    given += Math.floor(value)
  }
  const byRemainder = [...exact].sort(
    (a, b) => b.value - Math.floor(b.value) - (a.value - Math.floor(a.value)) || a.key.localeCompare(b.key),
  )
  for (let i = 0; i < magnitude - given; i++) {
    const {key} = byRemainder[i % byRemainder.length]!
    parts.set(key, parts.get(key)! + 1)
  }
  if (sign < 0) for (const key of keys) parts.set(key, -parts.get(key)!)
  return parts
}
