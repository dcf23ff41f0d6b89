/**
 * Something in an export that did not become part of the pack as written, located in
 * the file it came from so the researcher can find the line and act on it.
 */
export interface ImportNote {
  /** Stable code scripts can branch on, e.g. editable-install, url-requirement. */
  readonly code: string
  /** error: left out of the pack; warning: changed on the way in; info: for the record. */
  readonly level: 'error' | 'warning' | 'info'
  readonly file: string
  readonly line: number
  /** The export's own text on that line (trimmed), so the report needs no second look. */
  readonly text: string
  readonly message: string
  readonly remedy: string
}

/** A kernel as a researcher's machine lists it. */
export interface LocalKernel {
  readonly name: string
  readonly displayName?: string
  /** Lower case: python, r, julia, or whatever the kernelspec says. */
  readonly language?: string
  /** The interpreter path from argv[0], when the export has it: often names the version. */
  readonly executable?: string
  readonly line: number
}

/** A package spec for the pack, and where it came from. */
export interface ImportedPackage {
  readonly spec: string
  readonly file: string
  readonly line: number
}

/** What one parser makes of one file: never throws for bad content. */
export interface Parsed<T> {
  readonly value: T
  readonly notes: readonly ImportNote[]
}

/** A note about one line of a text file (1-based line numbers). */
export function noteAt(
  file: string,
  line: number,
  text: string,
  note: Pick<ImportNote, 'code' | 'level' | 'message' | 'remedy'>,
): ImportNote {
  return {...note, file, line, text: text.trim().slice(0, 300)}
}
