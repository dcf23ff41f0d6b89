import {constants, existsSync, statSync} from 'node:fs'
import {open} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {escapeControl} from '../output/sanitize.js'
import type {Finding} from './findings.js'
import {sortFindings} from './findings.js'
import {normalizePack} from './normalize.js'
import {RULES, type RuleContext} from './rules/index.js'
import {checkStrings} from './rules/string-rules.js'
import type {DomainPack} from './schema.js'
import {applyCanonicalDefaults, validateAuthoringShape} from './schema-validation.js'
import {parsePackYaml} from './yaml-source.js'

export interface LoadedPack {
  /** Present when the pack has no error-level findings. */
  readonly pack?: DomainPack
  readonly findings: readonly Finding[]
  readonly file: string
}

// A pack is a few KB; anything this large is a mistake (or an attack) to be reported, not
// parsed. Counted in bytes of UTF-8, as stored: 1 Mi CJK characters are 3 MiB.
export const MAX_PACK_BYTES = 1024 * 1024

function tooLarge(file: string, bytes: number): LoadedPack {
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
        message: `The pack is ${bytes} bytes; packs are limited to ${MAX_PACK_BYTES} bytes (1 MiB).`,
        remedy: 'Keep data and notebooks out of the pack file and reference them instead.',
      },
    ],
  }
}

/**
 * Offset of the first byte that does not start or continue a well-formed UTF-8 sequence
 * (overlong forms, surrogates and code points above U+10FFFF included), or -1.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i] as number
    let need: number
    let min: number
    if (b < 0x80) {
      i++
      continue
    } else if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80]
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800]
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000]
    else return i
    let code = b & (0x3f >> need)
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]
      if (c === undefined || (c & 0xc0) !== 0x80) return i
      code = (code << 6) | (c & 0x3f)
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i
    i += need + 1
  }
  return -1
}

/** Bytes of a pack file -> text, or a located finding for the first invalid byte. */
export function decodePack(bytes: Uint8Array, file: string): {text: string} | {finding: Finding} {
  const offset = firstInvalidUtf8(bytes)
  if (offset < 0) return {text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')}
  const before = Buffer.from(bytes.buffer, bytes.byteOffset, offset)
  const lineStart = before.lastIndexOf(0x0a) + 1
  const line = before.subarray(0, lineStart).filter((byte) => byte === 0x0a).length + 1
  const column = [...before.subarray(lineStart).toString('utf8')].length + 1
  return {
    finding: {
      code: 'invalid-utf8',
      level: 'error',
      path: '',
      file,
      line,
      column,
      message: `The pack is not valid UTF-8: byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at offset ${offset} does not start or continue a character.`,
      remedy: 'Save the file as UTF-8 (most editors: "Save with encoding"), or retype the character at this position.',
    },
  }
}

/** Parse, validate and normalize pack text. Never throws for bad input. */
export function loadPackFromText(
  text: string,
  file: string,
  context: Omit<RuleContext, 'fileExists'> & {fileExists?: RuleContext['fileExists']} = {},
): LoadedPack {
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > MAX_PACK_BYTES) return tooLarge(file, bytes)
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

  // Every string, whatever its field, before the shape: these reach CloudFormation,
  // the instance and terminals, and the schema cannot say "nowhere in the pack".
  const stringFindings = checkStrings(source.data)
  findings.push(...stringFindings.map((finding) => located(finding)))
  // A string refused above also fails its field's text pattern: report it once.
  const refused = new Set(stringFindings.map((finding) => finding.path))
  const schemaFindings = validateAuthoringShape(source.data).filter((f) => !(f.code === 'invalid-format' && refused.has(f.path)))
  findings.push(...schemaFindings.map((finding) => located(finding)))
  if (schemaFindings.length > 0 || stringFindings.length > 0) return {file, findings: sortFindings(findings)}

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

function unreadable(file: string, message: string, remedy: string): LoadedPack {
  return {file, findings: [{code: 'pack-unreadable', level: 'error', path: '', file, line: 1, column: 1, message, remedy}]}
}

/**
 * Reads at most MAX_PACK_BYTES + 1 bytes of a regular file. Anything else is refused
 * before it is opened for reading: a FIFO would block the open forever, a device or a
 * directory is never a pack.
 */
async function readPackBytes(file: string): Promise<Buffer | LoadedPack> {
  const shown = escapeControl(file)
  let handle: Awaited<ReturnType<typeof open>> | undefined
  try {
    // O_NONBLOCK: opening a FIFO without a writer returns at once instead of hanging;
    // fstat then tells us what we opened (no race between a stat and the open).
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK)
    const stat = await handle.stat()
    if (!stat.isFile()) {
      const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a named pipe (FIFO)' : stat.isSocket() ? 'a socket' : 'a device'
      return unreadable(
        file,
        `${shown} is ${kind}, not a pack file.`,
        'Pass a regular .yaml file, or a pack name from `aws-research-wizard domain list`.',
      )
    }
    const buffer = Buffer.alloc(MAX_PACK_BYTES + 1)
    let length = 0
    while (length < buffer.length) {
      const {bytesRead} = await handle.read(buffer, length, buffer.length - length, length)
      if (bytesRead === 0) break
      length += bytesRead
    }
    return buffer.subarray(0, length)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return unreadable(
      file,
      code === 'ENOENT' ? `File ${shown} does not exist.` : `File ${shown} cannot be read (${code ?? 'error'}).`,
      'Check the path, or run `aws-research-wizard domain list` to see available packs.',
    )
  } finally {
    await handle?.close()
  }
}

export async function loadPackFile(path: string, context: Omit<RuleContext, 'fileExists'> = {}): Promise<LoadedPack> {
  const file = resolve(path)
  const bytes = await readPackBytes(file)
  if (!Buffer.isBuffer(bytes)) return bytes
  if (bytes.length > MAX_PACK_BYTES) return tooLarge(file, statSync(file).size)
  const decoded = decodePack(bytes, file)
  if ('finding' in decoded) return {file, findings: [decoded.finding]}
  const directory = dirname(file)
  return loadPackFromText(decoded.text, file, {...context, fileExists: (relative) => existsSync(resolve(directory, relative))})
}
