import {createRequire} from 'node:module'
import type TableConstructor from 'cli-table3'

// Required on first use: commands that print no table never load it.
const requireModule = createRequire(import.meta.url)

/** A plain, borderless table that stays readable when piped or copied. */
export function renderTable(head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const Table = requireModule('cli-table3') as typeof TableConstructor
  const table = new Table({
    head: [...head],
    style: {head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 2},
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '',
    },
  })
  for (const row of rows) table.push(row.map(String))
  return table.toString()
}

export function formatUsd(amount: number): string {
  return amount >= 100 ? `$${Math.round(amount).toLocaleString('en-US')}` : `$${amount.toFixed(2)}`
}
