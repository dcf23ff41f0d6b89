import {readFileSync, realpathSync, statSync} from 'node:fs'
import {basename, dirname, resolve, sep} from 'node:path'
import type {Finding} from '../../domain-pack/findings.js'
import type {DomainPack} from '../../domain-pack/schema.js'
import {escapeControl} from '../../output/sanitize.js'
import type {ExampleNotebookFile} from './types.js'

/** What the hub accepts as a file name in /shared/examples (templates/instance/configure/examples.py checks it again). */
export const EXAMPLE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,93}\.ipynb$/
/** Example notebooks travel in the user data (16 KiB, gzipped): they are meant to be short. */
export const EXAMPLE_MAX_BYTES = 256 * 1024

type ExampleFinding = Omit<Finding, 'file' | 'line' | 'column'>

/**
 * Reads the pack's example notebooks from beside the pack file. The schema already
 * restricts the paths; here the real path (after symbolic links) must still be inside
 * the pack's directory, so a pack cannot ship a file from elsewhere on this machine to
 * the hub. Each must be a notebook in format 4 with a file name the hub accepts, and two
 * may not share a name (they land in one directory).
 */
export function readExampleNotebooks(pack: DomainPack, packFile: string): {notebooks: ExampleNotebookFile[]; findings: ExampleFinding[]} {
  const findings: ExampleFinding[] = []
  const notebooks: ExampleNotebookFile[] = []
  const directory = realpathSync(dirname(resolve(packFile)))
  for (const [index, entry] of (pack.example_notebooks ?? []).entries()) {
    const where = `/example_notebooks/${index}/path`
    const problem = (code: string, message: string, remedy: string) => findings.push({code, level: 'error', path: where, message, remedy})
    const name = basename(entry.path)
    const shown = escapeControl(entry.path)
    if (!EXAMPLE_NAME.test(name)) {
      problem(
        'invalid-notebook-path',
        `Example notebook ${shown}: the file name must be an .ipynb of letters, digits, . _ -.`,
        'Rename the file.',
      )
      continue
    }
    if (notebooks.some((n) => n.name === name)) {
      problem(
        'duplicate-example-notebook',
        `Example notebook ${shown} has the same file name as another; both would be ${name} on the hub.`,
        'Give each example notebook its own file name.',
      )
      continue
    }
    let content: string
    try {
      const real = realpathSync(resolve(directory, entry.path))
      if (!real.startsWith(directory + sep)) {
        problem(
          'invalid-notebook-path',
          `Example notebook ${shown} leads outside the pack's directory (a symbolic link).`,
          'Copy the notebook next to the pack instead of linking to it.',
        )
        continue
      }
      if (statSync(real).size > EXAMPLE_MAX_BYTES) {
        problem(
          'example-notebook-too-large',
          `Example notebook ${shown} is larger than ${EXAMPLE_MAX_BYTES / 1024} KiB.`,
          'Clear its outputs (jupyter nbconvert --clear-output) and keep examples short; put data in a bucket.',
        )
        continue
      }
      content = readFileSync(real, 'utf8')
    } catch (error) {
      problem(
        'example-notebook-missing',
        `Example notebook ${shown} cannot be read: ${escapeControl((error as Error).message)}.`,
        'Fix the path (relative to the pack file) or remove the entry.',
      )
      continue
    }
    if (!isNotebook(content)) {
      problem(
        'invalid-example-notebook',
        `Example notebook ${shown} is not a Jupyter notebook in format 4 (JSON with nbformat 4 and a cells list).`,
        'Save it from JupyterLab, or convert it with jupyter nbconvert --to notebook.',
      )
      continue
    }
    notebooks.push({name, title: entry.title, content})
  }
  return {notebooks, findings}
}

function isNotebook(content: string): boolean {
  try {
    const parsed = JSON.parse(content) as {nbformat?: unknown; cells?: unknown}
    return parsed.nbformat === 4 && Array.isArray(parsed.cells)
  } catch {
    return false
  }
}
