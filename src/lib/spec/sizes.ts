/**
 * Parses sizes such as 500GB, 1TB, 1.5TiB or a bare number of GB into whole GiB.
 * GB/TB are read as GiB/TiB, as the EC2 and EFS consoles do; volumes are sized in GiB.
 */
export function parseSizeGiB(input: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(g|gb|gib|t|tb|tib)?\s*$/i.exec(input)
  if (!match) return undefined
  const value = Number(match[1])
  const unit = (match[2] ?? 'gb').toLowerCase()
  const gib = unit.startsWith('t') ? value * 1024 : value
  return gib > 0 ? Math.ceil(gib) : undefined
}
