// Preloaded with --import: records every module the process resolves (ESM imports and
// CommonJS requires) into the file named by RECORD_IMPORTS_FILE.
import {appendFileSync} from 'node:fs'
import {createRequire, register} from 'node:module'

const file = process.env.RECORD_IMPORTS_FILE
register(
  'data:text/javascript,' +
    encodeURIComponent(`
import {appendFileSync} from 'node:fs'
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(${JSON.stringify(file)}, result.url + '\\n')
  return result
}`),
)
const Module = createRequire(import.meta.url)('node:module')
const load = Module._load
Module._load = function (request, parent, isMain) {
  try {
    appendFileSync(file, `${Module._resolveFilename(request, parent, isMain)}\n`)
  } catch {
    // unresolvable requests fail in the real load below
  }
  return load.apply(this, arguments)
}
