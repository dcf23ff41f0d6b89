import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {loadPackFile} from '../../src/domain-pack/load.js'
import {readExampleNotebooks} from '../../src/lib/spec/example-notebooks.js'
import {resolveSpec} from '../../src/lib/spec/resolve-spec.js'
import type {RuntimeReferences} from '../../src/lib/instance/user-data.js'
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

/** What the deploy fills in at run time (CloudFormation references), as plain values for tests of the instance description. */
export const INSTANCE_REFS: RuntimeReferences = {
  homeVolumeId: 'vol-0123456789abcdef0',
  notebookBucket: 'arw-lab1-notebooks',
  logGroup: '/arw/lab1/hub',
  hubSettingsParameter: '/arw/lab1/hub-settings',
  filesBucket: 'cdk-hnb659fds-assets-123456789012-us-east-1',
  filesKey: 'a1b2c3.zip',
  stackName: 'arw-lab1',
  hubLogicalId: 'HubResource1234ABCD',
  bootStatusParameter: '/arw/lab1/boot-status',
}
