import type {ResourceChange} from '../lib/diff/data-safety.js'
import {renderTable} from './table.js'

const IMPACT_LABEL: Record<ResourceChange['impact'], string> = {
  update: 'update in place / restart',
  replace: 'REPLACE',
  'may-replace': 'may replace',
  destroy: 'DELETE',
  add: 'add',
  'no-change': 'no change',
  orphan: 'orphan (kept)',
}

/** Change table for people; data-bearing replacements are marked loudly. */
export function renderChanges(changes: readonly ResourceChange[]): string {
  if (changes.length === 0) return 'No changes.'
  return renderTable(
    ['RESOURCE', 'TYPE', 'ACTION', 'PROPERTIES'],
    changes.map((c) => [
      `${c.dataBearing && c.impact !== 'update' && c.impact !== 'add' ? '!! ' : ''}${c.logicalId}`,
      c.type,
      IMPACT_LABEL[c.impact],
      c.properties.slice(0, 4).join(', ') + (c.properties.length > 4 ? ', ...' : ''),
    ]),
  )
}
