import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

let root: string | undefined

/**
 * The installed package's root (where domain-packs/ and templates/ live), found by
 * walking up from this module: the same answer from src/, dist/ or the bundle.
 */
export function packageRoot(): string {
  if (root) return root
  let directory = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(directory, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as {name?: string}).name === 'aws-research-wizard')
      return (root = directory)
    const parent = dirname(directory)
    if (parent === directory) throw new Error('aws-research-wizard: cannot find the package root')
    directory = parent
  }
}
