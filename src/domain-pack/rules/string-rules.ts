import {escapeControl} from '../../output/sanitize.js'
import type {RuleFinding} from './types.js'

/**
 * Checks every string of a pack as written (values and mapping keys), before the
 * schema: whatever field a string sits in, it reaches CloudFormation, the instance or a
 * terminal somewhere. One finding per string and problem, located at that field.
 *
 * - dynamic-reference: `{{resolve:...}}` is resolved by CloudFormation at deploy time, so
 *   a pack could copy a secret (`{{resolve:ssm:/prod/db/password}}`) into tags,
 *   descriptions or user data that other people can read.
 * - cdk-token: `${Token[...]}` / `#{Token[...]}` is how aws-cdk-lib encodes unresolved
 *   values; in a literal string it makes synthesis fail or substitute something else.
 * - control-character: C0/C1 controls, DEL, line separators and bidirectional overrides
 *   corrupt terminals, logs, systemd units and source files (newline and tab are allowed
 *   in the free-text description only).
 * - lone-surrogate: not a character at all; it cannot be written as UTF-8.
 */
export type StringFinding = RuleFinding & {target?: 'key' | 'value'}

/** Fields whose text may span lines. */
const MULTILINE_FIELDS = new Set(['/description'])

const DYNAMIC_REFERENCE = /\{\{\s*resolve\s*:/i
const CDK_TOKEN = /[$#]\{Token\[/
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u
const CONTROL_SINGLE_LINE = /[\t\n]/
const LONE_SURROGATE = /\p{Cs}/u

function escapePointerSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1')
}

function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
}

/** Problems of one string; `where` names it for the message ("/tags/team", "key ..."). */
export function stringProblems(text: string, path: string, target: 'key' | 'value' = 'value'): StringFinding[] {
  const findings: StringFinding[] = []
  const where = escapeControl(path)
  const what = target === 'key' ? `The key ${where}` : path === '' ? 'The pack' : where
  const shown = escapeControl(text.length > 60 ? `${text.slice(0, 57)}...` : text)
  if (DYNAMIC_REFERENCE.test(text)) {
    findings.push({
      code: 'dynamic-reference',
      level: 'error',
      path,
      target,
      message: `${what} holds a CloudFormation dynamic reference ("${shown}"); CloudFormation would replace it with a secret or parameter value at deploy time.`,
      remedy: 'Write the literal text; a pack cannot read parameters or secrets. Remove "{{resolve:".',
    })
  }
  if (CDK_TOKEN.test(text)) {
    findings.push({
      code: 'cdk-token',
      level: 'error',
      path,
      target,
      message: `${what} holds a CDK token marker ("${shown}"), which synthesis would treat as an unresolved value.`,
      remedy: 'Write the literal text without "${Token[" or "#{Token[".',
    })
  }
  const control = CONTROL.exec(text) ?? (MULTILINE_FIELDS.has(path) && target === 'value' ? null : CONTROL_SINGLE_LINE.exec(text))
  if (control) {
    findings.push({
      code: 'control-character',
      level: 'error',
      path,
      target,
      message: `${what} contains the control character ${codePoint(control[0])} at character ${[...text.slice(0, control.index)].length + 1} ("${shown}").`,
      remedy: MULTILINE_FIELDS.has(path)
        ? 'Remove the control character; only newlines and tabs are allowed in the description.'
        : 'Remove the control character (line breaks, escape sequences and direction overrides are not allowed here).',
    })
  }
  const surrogate = LONE_SURROGATE.exec(text)
  if (surrogate) {
    findings.push({
      code: 'lone-surrogate',
      level: 'error',
      path,
      target,
      message: `${what} contains a lone UTF-16 surrogate (${codePoint(surrogate[0])}), which is not a character and cannot be stored as UTF-8.`,
      remedy: 'Remove the escape sequence (\\uD800-\\uDFFF) or write the full character it was meant to be.',
    })
  }
  return findings
}

/** Walks all strings of the parsed document (keys included). Pure. */
export function checkStrings(data: unknown, path = ''): StringFinding[] {
  if (typeof data === 'string') return stringProblems(data, path)
  if (Array.isArray(data)) return data.flatMap((item, index) => checkStrings(item, `${path}/${index}`))
  if (typeof data === 'object' && data !== null) {
    return Object.entries(data).flatMap(([key, value]) => {
      const child = `${path}/${escapePointerSegment(key)}`
      return [...stringProblems(key, child, 'key'), ...checkStrings(value, child)]
    })
  }
  return []
}
