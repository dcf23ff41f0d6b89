import {escapeControl} from '../../output/sanitize.js'
import type {ImportNote} from './types.js'

/** `file:line level code message` then the line itself and the fix; escaped, since export text reaches a terminal. */
export function formatImportNote(note: ImportNote): string {
  return escapeControl(`${note.file}:${note.line} ${note.level} ${note.code} ${note.message}\n    ${note.text}\n    fix: ${note.remedy}`, {
    multiline: true,
  })
}
