import {distance} from 'fastest-levenshtein'

/** The closest candidate within a typo's reach, or undefined. */
export function didYouMean(value: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  const lower = value.toLowerCase()
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  const reach = Math.max(2, Math.floor(value.length / 3))
  return best !== undefined && bestDistance <= reach ? best : undefined
}

/** Up to `limit` candidates ordered by closeness. */
export function closestMatches(value: string, candidates: Iterable<string>, limit = 3): string[] {
  const lower = value.toLowerCase()
  return [...candidates]
    .map((candidate) => ({candidate, d: distance(lower, candidate.toLowerCase())}))
    .sort((a, b) => a.d - b.d || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map(({candidate}) => candidate)
}
