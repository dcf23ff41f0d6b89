import {join, sep} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import type {Ajv, ErrorObject, ValidateFunction} from 'ajv'
import {escapeControl} from '../output/sanitize.js'
import {packageRoot} from '../package-root.js'
import {didYouMean} from './did-you-mean.js'
import type {Finding} from './findings.js'
import {canonicalPackSchema, type DomainPack, domainPackSchema} from './schema.js'

export const UPDATE_BEHAVIOURS = ['in-place', 'restart', 'replace'] as const
export type UpdateBehaviour = (typeof UPDATE_BEHAVIOURS)[number]

/** The one ajv configuration, used at run time and by the build's precompilation. */
export async function createAjv(useDefaults: boolean, standalone = false): Promise<Ajv> {
  const {Ajv} = await import('ajv')
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    useDefaults,
    allowUnionTypes: true,
    verbose: true,
    code: {source: standalone, esm: true},
  })
  ajv.addKeyword({keyword: 'x-update', metaSchema: {type: 'string', enum: [...UPDATE_BEHAVIOURS]}})
  // The finding code a failed pattern/length check of this field reports (e.g. invalid-mount-path),
  // so a finding names what is wrong rather than which JSON Schema keyword failed.
  ajv.addKeyword({keyword: 'x-code', metaSchema: {type: 'string', pattern: '^[a-z][a-z0-9-]*$'}})
  return ajv
}

interface CompiledValidators {
  authoring: ValidateFunction
  canonical: ValidateFunction
}

// Compiling the schemas costs ~200 ms, more than the rest of a `domain validate`
// run. The build precompiles them (scripts/precompile-validators.js writes
// *-validator.generated.js next to this module); from sources (tests) we compile once.
async function loadPrecompiled(): Promise<CompiledValidators | undefined> {
  // Only the built CLI uses them: tests run the sources and must see schema edits at once.
  if (!fileURLToPath(import.meta.url).includes(`${sep}dist${sep}`)) return undefined
  try {
    const [authoringModule, canonicalModule] = await Promise.all([
      import(/* @vite-ignore */ pathToFileURL(join(packageRoot(), 'dist', 'domain-pack', 'authoring-validator.generated.js')).href),
      import(/* @vite-ignore */ pathToFileURL(join(packageRoot(), 'dist', 'domain-pack', 'canonical-validator.generated.js')).href),
    ])
    return {authoring: authoringModule.default, canonical: canonicalModule.default}
  } catch {
    return undefined
  }
}
const precompiled = await loadPrecompiled()
// Without a build (tests run from sources), compile once here; ajv itself is only
// loaded on this path, so built commands never pay for it.
const compiled: CompiledValidators = precompiled ?? {
  authoring: (await createAjv(false)).compile(domainPackSchema),
  canonical: (await createAjv(true)).compile(canonicalPackSchema),
}

/** Schema findings for a pack as written, pointers relative to the document. */
export function validateAuthoringShape(data: unknown): Omit<Finding, 'file' | 'line' | 'column'>[] {
  const validate = compiled.authoring
  if (validate(data)) return []
  return errorsToFindings(validate.errors ?? [])
}

/**
 * Fills schema defaults in place and returns the typed pack. Called on the output
 * of normalize(), which already passed authoring validation, so errors here are
 * bugs in normalize() rather than user mistakes.
 */
export function applyCanonicalDefaults(data: Record<string, unknown>): {pack: DomainPack; errors: string[]} {
  const validate = compiled.canonical
  const ok = validate(data)
  return {
    pack: data as DomainPack,
    errors: ok ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`),
  }
}

type SchemaFinding = Omit<Finding, 'file' | 'line' | 'column'> & {target?: 'key' | 'value'}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  // Pack text reaches terminals through these messages: escape what could drive one.
  if (typeof value === 'string') return `"${escapeControl(value.length > 60 ? `${value.slice(0, 57)}...` : value)}"`
  return String(value)
}

function keyOf(pointer: string): string {
  const parts = pointer.split('/')
  return parts[parts.length - 1] ?? ''
}

/** Keywords whose failure means "this value has the wrong form": reported under the field's x-code. */
const FORM_KEYWORDS = new Set(['pattern', 'minLength', 'maxLength', 'format', 'not'])

function errorToFinding(error: ErrorObject): SchemaFinding {
  const path = error.instancePath
  const field = path === '' ? 'the pack' : escapeControl(path)
  const hint = (error.parentSchema as {description?: string} | undefined)?.description
  const code = (error.parentSchema as {'x-code'?: string} | undefined)?.['x-code']
  if (code && FORM_KEYWORDS.has(error.keyword)) {
    const limit = (error.params as {limit?: number}).limit
    const length =
      error.keyword === 'maxLength' || error.keyword === 'minLength'
        ? ` (${typeof error.data === 'string' ? [...error.data].length : '?'} characters; ${error.keyword === 'maxLength' ? 'at most' : 'at least'} ${limit})`
        : ''
    return {
      code,
      level: 'error',
      path,
      message: `${field} is ${describe(error.data)}, which is not valid here${length}.`,
      remedy: hint ?? 'See `aws-research-wizard domain schema` for the allowed form.',
    }
  }
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as {additionalProperty: string}).additionalProperty)
      const allowed = Object.keys((error.parentSchema as {properties?: object}).properties ?? {})
      const suggestion = didYouMean(key, allowed)
      return {
        code: 'unknown-key',
        level: 'error',
        path: `${path}/${key}`,
        target: 'key',
        message: `Unknown key ${describe(key)} in ${field}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
        remedy: suggestion
          ? `Rename ${describe(key)} to "${suggestion}".`
          : `Remove ${describe(key)}; allowed keys here: ${allowed.filter((k) => k !== '$schema').join(', ')}.`,
      }
    }
    case 'required': {
      const key = String((error.params as {missingProperty: string}).missingProperty)
      return {
        code: 'missing-key',
        level: 'error',
        path,
        target: 'key',
        message: `Missing required key "${key}" in ${field}.`,
        remedy: `Add "${key}:" to ${field}.`,
      }
    }
    case 'type': {
      const expected = String((error.params as {type: string}).type)
      return {
        code: 'wrong-type',
        level: 'error',
        path,
        message: `${field} must be ${expected === 'object' ? 'a mapping' : expected === 'array' ? 'a list' : article(expected)}, got ${describe(error.data)}.`,
        remedy: hint ? `Expected: ${hint}` : `Change ${keyOf(path) || 'the value'} to ${article(expected)}.`,
      }
    }
    case 'enum': {
      const allowed = (error.params as {allowedValues: unknown[]}).allowedValues.map(String)
      const suggestion = typeof error.data === 'string' ? didYouMean(error.data, allowed) : undefined
      return {
        code: 'invalid-value',
        level: 'error',
        path,
        message: `${field} is ${describe(error.data)}; expected one of: ${allowed.join(', ')}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
        remedy: `Use one of: ${allowed.join(', ')}.`,
      }
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const {comparison, limit} = error.params as {comparison: string; limit: number}
      return {
        code: 'out-of-range',
        level: 'error',
        path,
        message: `${field} is ${describe(error.data)}; it must be ${comparison} ${limit}.`,
        remedy: `Set ${keyOf(path)} to a value ${comparison} ${limit}.`,
      }
    }
    case 'pattern':
      return {
        code: 'invalid-format',
        level: 'error',
        path,
        message: `${field} is ${describe(error.data)}, which is not valid here.`,
        remedy: hint ?? `Match the pattern ${(error.params as {pattern: string}).pattern}.`,
      }
    case 'format':
      return {
        code: 'invalid-format',
        level: 'error',
        path,
        message: `${field} is ${describe(error.data)}, not a valid ${(error.params as {format: string}).format}.`,
        remedy: `Write a valid ${(error.params as {format: string}).format}, e.g. ada@example.org.`,
      }
    case 'uniqueItems':
      return {
        code: 'duplicate-item',
        level: 'error',
        path,
        message: `${field} lists the same item twice (items ${(error.params as {j: number; i: number}).j} and ${(error.params as {i: number}).i}).`,
        remedy: 'Remove the repeated item.',
      }
    default:
      return {
        code: `schema-${error.keyword.toLowerCase()}`,
        level: 'error',
        path,
        message: `${field} ${error.message ?? 'is invalid'}.`,
        remedy: hint ?? 'See `aws-research-wizard domain schema` for the allowed shape.',
      }
  }
}

/**
 * Turns ajv's raw errors into one finding per real problem. anyOf branches make
 * ajv report every branch's failure; we keep the branch that got furthest and, if
 * all branches failed on type alone, say which types would have been accepted.
 */
export function errorsToFindings(errors: readonly ErrorObject[]): SchemaFinding[] {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath))
  const findings: SchemaFinding[] = []
  for (const path of anyOfPaths) {
    const deeper = errors.filter(
      (e) => e.keyword !== 'anyOf' && (e.instancePath.startsWith(`${path}/`) || (e.instancePath === path && e.keyword !== 'type')),
    )
    if (deeper.length > 0) continue
    const accepted = errors
      .filter((e) => e.instancePath === path && e.keyword === 'type')
      .map((e) => String((e.params as {type: string}).type))
    const data = errors.find((e) => e.instancePath === path)?.data
    findings.push({
      code: 'wrong-type',
      level: 'error',
      path,
      message: `${path} must be ${accepted.map((t) => (t === 'object' ? 'a mapping' : `a ${t}`)).join(' or ')}, got ${describe(data)}.`,
      remedy: 'See `aws-research-wizard domain schema` for both the full and the compact form.',
    })
  }
  for (const error of errors) {
    if (error.keyword === 'anyOf' || error.keyword === 'if' || error.keyword === 'propertyNames' || error.keyword === 'allOf') continue
    if (error.keyword === 'type' && anyOfPaths.has(error.instancePath)) continue
    if (error.propertyName !== undefined) {
      const schema = error.parentSchema as {'x-code'?: string; description?: string} | undefined
      findings.push({
        code: schema?.['x-code'] ?? 'invalid-key',
        level: 'error',
        path: `${error.instancePath}/${error.propertyName}`,
        target: 'key',
        message: `Key ${describe(error.propertyName)} is not allowed in ${error.instancePath}.`,
        remedy:
          schema?.description ??
          'Tag keys use letters, digits, spaces and _ . : / = + @ - (at most 128), and may not start with "aws:" or "aws-research-wizard:".',
      })
      continue
    }
    findings.push(errorToFinding(error))
  }
  const seen = new Set<string>()
  return findings.filter((finding) => {
    const key = `${finding.code}|${finding.path}|${finding.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function article(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`
}
