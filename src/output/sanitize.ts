/**
 * Makes user-supplied text (pack values, file names, AWS resource names and tags) safe
 * to print on a terminal: C0 and C1 control characters (ESC starts terminal escape
 * sequences, CSI is U+009B), DEL, Unicode line/paragraph separators, bidirectional
 * overrides and lone surrogates are written as visible escapes (\x1b, \u202e, ...).
 * Everything printable, including non-ASCII letters and emoji, is left alone.
 *
 * For human output only: JSON output carries the value as is (JSON escapes it).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\p{Cs}/gu

/** Escapes every unsafe character; tabs and newlines too unless `multiline`. */
export function escapeControl(text: string, options: {multiline?: boolean} = {}): string {
  const escaped = text.replace(UNSAFE, escapeChar)
  return options.multiline ? escaped : escaped.replace(/[\t\n]/g, escapeChar)
}

function escapeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** True when the text would be changed by escapeControl (i.e. holds a control character). */
export function hasControl(text: string): boolean {
  UNSAFE.lastIndex = 0
  const found = UNSAFE.test(text)
  UNSAFE.lastIndex = 0
  return found
}
