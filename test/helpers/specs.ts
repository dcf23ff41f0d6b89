import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {loadPackFile} from '../../src/domain-pack/load.js'
import {readExampleNotebooks} from '../../src/lib/spec/example-notebooks.js'
import {resolveSpec} from '../../src/lib/spec/resolve-spec.js'
import type {EnvironmentSpec, SpecOverrides} from '../../src/lib/spec/types.js'
import {PACK_DIR} from './run.js'

export const SHIPPED_PACKS = readdirSync(PACK_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))

export const BASE_OVERRIDES: SpecOverrides = {name: 'lab1', region: 'us-east-1', owner: 'ada', adminEmail: 'ada@example.org'}

/** A resolved spec for a shipped pack, with its example notebooks as a deploy reads them; fails the test on any error finding. */
export async function specFor(pack: string, overrides: Partial<SpecOverrides> = {}): Promise<EnvironmentSpec> {
  const file = join(PACK_DIR, `${pack}.yaml`)
  const loaded = await loadPackFile(file)
  if (!loaded.pack) throw new Error(`${pack}: ${JSON.stringify(loaded.findings)}`)
  const examples = readExampleNotebooks(loaded.pack, file)
  if (examples.findings.length > 0) throw new Error(`${pack}: ${JSON.stringify(examples.findings, null, 2)}`)
  const {spec, findings} = resolveSpec(pack, loaded.pack, {...BASE_OVERRIDES, ...overrides}, examples.notebooks)
  if (!spec) throw new Error(`${pack}: ${JSON.stringify(findings, null, 2)}`)
  return spec
}
