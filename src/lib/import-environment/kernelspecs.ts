import {type LocalKernel, noteAt, type Parsed} from './types.js'

/**
 * Reads `jupyter kernelspec list --json` (names, display names, languages, argv) or
 * the plain `jupyter kernelspec list` table (names and directories only: the language
 * is then read from the usual kernel names, python3, ir, julia-1.10).
 */
export function parseKernelspecs(text: string, file: string): Parsed<LocalKernel[]> {
  return text.trimStart().startsWith('{') ? parseJson(text, file) : parsePlain(text, file)
}

interface SpecJson {
  kernelspecs?: Record<string, {spec?: {display_name?: unknown; language?: unknown; argv?: unknown}}>
}

function parseJson(text: string, file: string): Parsed<LocalKernel[]> {
  let data: SpecJson
  try {
    data = JSON.parse(text) as SpecJson
  } catch (error) {
    return {
      value: [],
      notes: [
        noteAt(file, 1, text.split('\n')[0] ?? '', {
          code: 'unreadable-kernelspecs',
          level: 'error',
          message: `Not valid JSON: ${(error as Error).message}.`,
          remedy: 'Export it again with: jupyter kernelspec list --json > kernels.json',
        }),
      ],
    }
  }
  const lines = text.split('\n')
  const kernels: LocalKernel[] = []
  for (const [name, entry] of Object.entries(data.kernelspecs ?? {})) {
    const spec = entry?.spec ?? {}
    const argv = Array.isArray(spec.argv) ? spec.argv : []
    // The line of the kernel's key, so a note points at it.
    const line = lines.findIndex((l) => l.trimStart().startsWith(`${JSON.stringify(name)}:`)) + 1 || 1
    kernels.push({
      name,
      line,
      ...(typeof spec.display_name === 'string' ? {displayName: spec.display_name} : {}),
      ...(typeof spec.language === 'string' ? {language: spec.language.toLowerCase()} : {}),
      ...(typeof argv[0] === 'string' ? {executable: argv[0]} : {}),
    })
  }
  return {value: kernels, notes: []}
}

function parsePlain(text: string, file: string): Parsed<LocalKernel[]> {
  const kernels: LocalKernel[] = []
  const notes = []
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (!line || /^available kernels:?$/i.test(line)) continue
    const match = /^(\S+)\s+(\S.*)$/.exec(line)
    if (!match) {
      notes.push(
        noteAt(file, index + 1, raw, {
          code: 'unreadable-kernel-line',
          level: 'error',
          message: 'Expected "NAME   DIRECTORY" as `jupyter kernelspec list` prints it.',
          remedy: 'Prefer the JSON form, which also carries each language: jupyter kernelspec list --json',
        }),
      )
      continue
    }
    const name = match[1]!
    kernels.push({name, line: index + 1, ...languageFromName(name)})
  }
  return {value: kernels, notes}
}

/** The plain listing has no language: the names Jupyter's own kernels install under say it. */
function languageFromName(name: string): {language?: string} {
  if (/^python/i.test(name)) return {language: 'python'}
  if (/^(ir|r)$|^ir[-_]|^r[-_]/i.test(name)) return {language: 'r'}
  if (/^julia/i.test(name)) return {language: 'julia'}
  return {}
}
