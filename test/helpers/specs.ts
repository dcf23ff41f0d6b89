import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {loadPackFile} from '../../src/domain-pack/load.js'
import {resolveSpec} from '../../src/lib/spec/resolve-spec.js'
import type {EnvironmentSpec, SpecOverrides} from '../../src/lib/spec/types.js'
import {PACK_DIR} from './run.js'

export const SHIPPED_PACKS = readdirSync(PACK_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))

export const BASE_OVERRIDES: SpecOverrides = {name: 'lab1', region: 'us-east-1', owner: 'ada', adminEmail: 'ada@example.org'}

/** A resolved spec for a shipped pack; fails the test on any error finding. */
export async function specFor(pack: string, overrides: Partial<SpecOverrides> = {}): Promise<EnvironmentSpec> {
  const loaded = await loadPackFile(join(PACK_DIR, `${pack}.yaml`))
  if (!loaded.pack) throw new Error(`${pack}: ${JSON.stringify(loaded.findings)}`)
  const {spec, findings} = resolveSpec(pack, loaded.pack, {...BASE_OVERRIDES, ...overrides})
  if (!spec) throw new Error(`${pack}: ${JSON.stringify(findings, null, 2)}`)
  return spec
}
