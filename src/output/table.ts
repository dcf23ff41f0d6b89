import textTable from 'text-table'

/**
 * A plain, borderless table that stays readable when piped or copied. text-table
 * rather than a box-drawing library: no emoji-width tables to compile at start-up.
 */
export function renderTable(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return textTable([[...head], ...rows.map((row) => row.map(String))], {hsep: '  '})
}

export function formatUsd(amount: number): string {
  return amount >= 100 ? `$${Math.round(amount).toLocaleString('en-US')}` : `$${amount.toFixed(2)}`
}
