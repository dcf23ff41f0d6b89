import type {Hook} from '@oclif/core'
import {distance} from 'fastest-levenshtein'

/**
 * The closest command ids to a mistyped one (by edit distance, then shared prefix), as
 * people type them: "jupyter deploy", not "jupyter:deploy".
 */
export function suggestCommands(typed: string, ids: readonly string[], limit = 3): string[] {
  const wanted = typed.replaceAll(' ', ':')
  const lastPart = (id: string) => id.split(':').at(-1) ?? id
  return ids
    .map((id) => ({id, full: distance(wanted, id), score: Math.min(distance(wanted, id), distance(lastPart(wanted), lastPart(id)))}))
    .filter(({score, id}) => score <= Math.max(2, Math.floor(lastPart(id).length / 2)))
    .sort((a, b) => a.score - b.score || a.full - b.full || a.id.localeCompare(b.id))
    .slice(0, limit)
    .map(({id}) => id.replaceAll(':', ' '))
}

/**
 * An unknown command is a usage error (exit 2) with suggestions, in JSON under --json;
 * never a prompt (scripts have no one to answer it).
 */
const hook: Hook.CommandNotFound = async function (options) {
  const typed = options.id.replaceAll(':', ' ')
  const ids = [...options.config.commandIDs, ...options.config.commands.flatMap((c) => c.aliases)]
  const suggestions = suggestCommands(options.id, ids)
  const bin = options.config.bin
  const actions = [
    ...suggestions.map((s) => `Did you mean: ${bin} ${s}`),
    `List the commands with: ${bin} ${typed.includes(' ') ? `${typed.split(' ')[0]} ` : ''}--help`,
  ]
  const message = `"${typed}" is not a command of ${bin}.`
  if (options.argv?.includes('--json')) {
    this.log(JSON.stringify({status: 2, error: {code: 'command-not-found', message, actions}}, null, 2))
  } else {
    process.stderr.write(`Error [command-not-found]: ${message}\n${actions.map((action) => `  → ${action}\n`).join('')}`)
  }
  this.exit(2)
}

export default hook
