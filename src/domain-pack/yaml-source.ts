import {isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLError} from 'yaml'
import type {Finding} from './findings.js'

/** A parsed pack file that can still answer "where is /kernels/0/name?". */
export interface PackSource {
  readonly file: string
  readonly data: unknown
  readonly findings: Finding[]
  locate(pointer: string, target?: 'key' | 'value'): {line: number; column: number}
}

// Keeps alias-expansion bombs ("billion laughs") from exhausting memory: yaml throws
// past this many alias resolutions instead of building a huge object.
const MAX_ALIAS_COUNT = 100

export function parsePointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return []
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
}

export function parsePackYaml(text: string, file: string): PackSource {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true, strict: true})
  const findings: Finding[] = []
  const position = (offset: number) => {
    const {line, col} = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)))
    return {line, column: col}
  }

  const fromYamlError = (error: YAMLError, level: 'error' | 'warning'): Finding => {
    const duplicate = error.code === 'DUPLICATE_KEY'
    return {
      code: duplicate ? 'yaml-duplicate-key' : 'yaml-syntax',
      level,
      path: '',
      file,
      ...position(error.pos[0]),
      message: firstLine(error.message),
      remedy: duplicate
        ? 'Keep one of the duplicated keys: YAML mappings cannot repeat a key.'
        : 'Fix the YAML syntax at this position (check indentation, quotes and colons).',
    }
  }
  for (const error of doc.errors) findings.push(fromYamlError(error, 'error'))
  for (const warning of doc.warnings) findings.push(fromYamlError(warning, 'warning'))

  let data: unknown
  if (doc.errors.length === 0) {
    try {
      data = doc.toJS({maxAliasCount: MAX_ALIAS_COUNT})
    } catch (error) {
      findings.push({
        code: 'yaml-alias-expansion',
        level: 'error',
        path: '',
        file,
        line: 1,
        column: 1,
        message: `The YAML cannot be expanded: ${firstLine(String((error as Error).message))}`,
        remedy: 'Reduce the use of anchors and aliases (&name / *name); write the values out instead.',
      })
    }
  }

  const locate = (pointer: string, target: 'key' | 'value' = 'value') => {
    let node: unknown = doc.contents
    let best: {range?: [number, number, number] | null} | undefined = doc.contents ?? undefined
    const segments = parsePointer(pointer)
    for (const [index, segment] of segments.entries()) {
      const last = index === segments.length - 1
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === segment)
        if (!pair) break
        if (last && target === 'key' && pair.key) {
          best = pair.key as Node
          break
        }
        node = pair.value
        if (pair.value) best = pair.value as Node
        else if (pair.key) best = pair.key as Node
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)]
        if (!item) break
        node = item
        best = item as Node
      } else break
    }
    const offset = best?.range?.[0] ?? 0
    return position(offset)
  }

  return {file, data, findings, locate}
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message
}
