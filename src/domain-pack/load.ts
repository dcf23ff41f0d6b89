import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import type {Finding} from './findings.js'
import {sortFindings} from './findings.js'
import {normalizePack} from './normalize.js'
import {RULES, type RuleContext} from './rules/index.js'
import type {DomainPack} from './schema.js'
import {applyCanonicalDefaults, validateAuthoringShape} from './schema-validation.js'
import {parsePackYaml} from './yaml-source.js'

export interface LoadedPack {
  /** Present when the pack has no error-level findings. */
  readonly pack?: DomainPack
  readonly findings: readonly Finding[]
  readonly file: string
}

// A pack is a few KB; anything this large is a mistake (or an attack) to be reported, not parsed.
const MAX_PACK_BYTES = 1024 * 1024

/** Parse, validate and normalize pack text. Never throws for bad input. */
export function loadPackFromText(
  text: string,
  file: string,
  context: Omit<RuleContext, 'fileExists'> & {fileExists?: RuleContext['fileExists']} = {},
): LoadedPack {
  if (text.length > MAX_PACK_BYTES) {
    return {
      file,
      findings: [
        {
          code: 'pack-too-large',
          level: 'error',
          path: '',
          file,
          line: 1,
          column: 1,
          message: `The pack is ${text.length} bytes; packs are limited to ${MAX_PACK_BYTES}.`,
          remedy: 'Keep data and notebooks out of the pack file and reference them instead.',
        },
      ],
    }
  }
  const source = parsePackYaml(text, file)
  const located = (finding: Omit<Finding, 'file' | 'line' | 'column'> & {target?: 'key' | 'value'}, pointer = finding.path): Finding => {
    const {target, ...rest} = finding
    return {...rest, file, ...source.locate(pointer, target)}
  }
  if (source.findings.some((f) => f.level === 'error')) return {file, findings: sortFindings(source.findings)}

  const findings: Finding[] = [...source.findings]
  if (typeof source.data !== 'object' || source.data === null || Array.isArray(source.data)) {
    findings.push({
      code: 'not-a-mapping',
      level: 'error',
      path: '',
      file,
      line: 1,
      column: 1,
      message: `A domain pack is a YAML mapping (key: value lines); this file holds ${source.data === null || source.data === undefined ? 'nothing' : Array.isArray(source.data) ? 'a list' : `a ${typeof source.data}`}.`,
      remedy: 'Start from `aws-research-wizard domain init` or a shipped pack (`domain show genomics`).',
    })
    return {file, findings}
  }

  const schemaFindings = validateAuthoringShape(source.data)
  findings.push(...schemaFindings.map((finding) => located(finding)))
  if (schemaFindings.length > 0) return {file, findings: sortFindings(findings)}

  const normalized = normalizePack(source.data as Record<string, unknown>)
  findings.push(...normalized.findings.map((finding) => located(finding, normalized.toSourcePointer(finding.path))))
  const {pack, errors} = applyCanonicalDefaults(normalized.data)
  if (errors.length > 0) {
    findings.push({
      code: 'normalize-failed',
      level: 'error',
      path: '',
      file,
      line: 1,
      column: 1,
      message: `The pack could not be normalized: ${errors.join('; ')}.`,
      remedy: 'Write the pack in the full form (see `domain schema`).',
    })
    return {file, findings: sortFindings(findings)}
  }
  if (!findings.some((f) => f.level === 'error')) {
    for (const rule of RULES) {
      findings.push(...rule.check(pack, context).map((finding) => located(finding, normalized.toSourcePointer(finding.path))))
    }
  }
  const sorted = sortFindings(findings)
  return sorted.some((f) => f.level === 'error') ? {file, findings: sorted} : {file, pack: Object.freeze(pack), findings: sorted}
}

export async function loadPackFile(path: string, context: Omit<RuleContext, 'fileExists'> = {}): Promise<LoadedPack> {
  const file = resolve(path)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return {
      file,
      findings: [
        {
          code: 'pack-unreadable',
          level: 'error',
          path: '',
          file,
          message: code === 'ENOENT' ? `File ${path} does not exist.` : `File ${path} cannot be read (${code}).`,
          remedy: 'Check the path, or run `aws-research-wizard domain list` to see available packs.',
        },
      ],
    }
  }
  const directory = dirname(file)
  return loadPackFromText(text, file, {...context, fileExists: (relative) => existsSync(resolve(directory, relative))})
}
