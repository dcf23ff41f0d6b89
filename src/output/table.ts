import textTable from 'text-table'

/**
 * A plain, borderless table that stays readable when piped or copied. text-table
 * rather than a box-drawing library: no emoji-width tables to compile at start-up.
 */
export function renderTable(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return textTable([[...head], ...rows.map((row) => row.map(String))], {hsep: '  '})
}

/** Dollars and cents everywhere ($88.70, $307.20, $1,204.00), so amounts line up and compare. */
export function formatUsd(amount: number): string {
  return `$${amount.toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2})}`
}

/** Sizes in binary units with one decimal (812 B, 1.5 KiB, 20.0 MiB), for files, uploads and homes. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}
