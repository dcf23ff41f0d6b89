// Build step: summaries of the shipped domain packs, so `domain list` does not parse
// them on every run. Entries carry the pack's sha256 and are ignored once it changes.
import {readFileSync, writeFileSync} from 'node:fs'
import {discoverPacks} from '../dist/domain-pack/resolve.js'
import {PACK_INDEX_FILE, sha256, summarizePack} from '../dist/lib/domain/list-packs.js'

const index = {}
for (const location of discoverPacks({cwd: '/nonexistent'}).filter((l) => l.origin === 'built-in')) {
  const {file: _file, origin: _origin, ...summary} = await summarizePack(location)
  index[location.name] = {sha256: sha256(readFileSync(location.file, 'utf8')), summary}
}
writeFileSync(PACK_INDEX_FILE, `${JSON.stringify(index, null, 1)}\n`)
