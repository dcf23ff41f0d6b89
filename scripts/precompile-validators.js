// Build step: turns the domain-pack schemas into plain validation modules so the CLI
// does not compile them on every start (see src/domain-pack/schema-validation.ts).
import {writeFileSync} from 'node:fs'
import standaloneCode from 'ajv/dist/standalone/index.js'
import {canonicalPackSchema, domainPackSchema} from '../dist/domain-pack/schema.js'
import {createAjv} from '../dist/domain-pack/schema-validation.js'

for (const [name, schema, useDefaults] of [
  ['authoring', domainPackSchema, false],
  ['canonical', canonicalPackSchema, true],
]) {
  const ajv = await createAjv(useDefaults, true)
  const code = standaloneCode.default(ajv, ajv.compile(schema))
  writeFileSync(
    new URL(`../dist/domain-pack/${name}-validator.generated.js`, import.meta.url),
    `// Generated at build time from the domain-pack schema. Do not edit.\nimport {createRequire} from 'node:module';\nconst require = createRequire(import.meta.url);\n${code.replace('"use strict";', '')}\n`,
  )
}
