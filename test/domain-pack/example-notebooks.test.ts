import {execFile} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {loadPackFile} from '../../src/domain-pack/load.js'
import type {DomainPack} from '../../src/domain-pack/schema.js'
import {readExampleNotebooks} from '../../src/lib/spec/example-notebooks.js'
import {PACK_DIR, PROJECT_ROOT} from '../helpers/run.js'
import {SHIPPED_PACKS} from '../helpers/specs.js'

interface NotebookResult {
  path: string
  valid: true | string
  nbformat: number
  kernelspec: {name?: string; display_name?: string; language?: string}
  cells: {type: string; source: string}[]
  storedOutputs: number
  outputs?: {type: string; name?: string; text: string; ename?: string; evalue?: string}[][]
}

// The kernels Debian gives this machine (python3-ipykernel, r-cran-irkernel; see .ci/run).
// Debian has no Julia package: Julia notebooks are validated, not run.
const LOCAL_KERNEL: Record<string, string | null> = {python: 'python3', r: 'ir', julia: null}

/** nbformat and nbclient from the system python3 (Debian python3-nbformat, python3-nbclient): a missing module fails the test. */
function runNotebooks(items: {path: string; kernel: string | null}[]): Promise<NotebookResult[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      '/usr/bin/python3',
      [join(PROJECT_ROOT, 'test', 'helpers', 'run_notebooks.py')],
      {maxBuffer: 32 * 1024 * 1024, timeout: 240_000, env: {...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1'}},
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`run_notebooks.py failed (needs Debian python3-nbformat and python3-nbclient): ${stderr || error.message}`))
        else resolve(JSON.parse(stdout) as NotebookResult[])
      },
    )
    child.stdin!.end(JSON.stringify(items))
  })
}

interface PackNotebook {
  pack: string
  definition: DomainPack
  path: string
  language: string
}

describe('example notebooks of the shipped packs', () => {
  const notebooks: PackNotebook[] = []
  const results = new Map<string, NotebookResult>()

  beforeAll(async () => {
    for (const pack of SHIPPED_PACKS) {
      const file = join(PACK_DIR, `${pack}.yaml`)
      const loaded = await loadPackFile(file)
      const {notebooks: read, findings} = readExampleNotebooks(loaded.pack!, file)
      expect(findings, pack).toEqual([])
      for (const [index, notebook] of read.entries()) {
        const path = join(PACK_DIR, loaded.pack!.example_notebooks![index]!.path)
        const language = (JSON.parse(notebook.content) as {metadata: {kernelspec: {language: string}}}).metadata.kernelspec.language
        notebooks.push({pack, definition: loaded.pack!, path, language: language.toLowerCase()})
      }
    }
    const ran = await runNotebooks(notebooks.map(({path, language}) => ({path, kernel: LOCAL_KERNEL[language] ?? null})))
    for (const result of ran) results.set(result.path, result)
  }, 300_000)

  it.each(SHIPPED_PACKS)('%s carries a valid nbformat 4 notebook, without outputs, for its first kernel', (pack) => {
    const own = notebooks.filter((n) => n.pack === pack)
    expect(own.length, `${pack} has no example notebook`).toBeGreaterThanOrEqual(1)
    for (const notebook of own) {
      const result = results.get(notebook.path)!
      expect(result.valid, notebook.path).toBe(true)
      expect(result.nbformat).toBe(4)
      expect(result.storedOutputs, 'shipped notebooks carry no outputs').toBe(0)
      // The kernelspec is the pack kernel as the hub registers it (install.py: --name kernel.name).
      const kernel = notebook.definition.kernels.find((k) => k.name === result.kernelspec.name)
      expect(kernel, `${notebook.path}: kernelspec ${result.kernelspec.name} is not a kernel of ${pack}`).toBeDefined()
      expect(result.kernelspec.display_name).toBe(kernel!.display_name)
      expect(result.kernelspec.language?.toLowerCase()).toBe(kernel!.language)
    }
    // R-first and Julia-first packs show their first language.
    expect(own.map((n) => n.language)).toContain(own[0]!.definition.kernels[0]!.language)
  })

  it.each(SHIPPED_PACKS)('%s: the notebook says which cells need the network, and some run without it', (pack) => {
    for (const notebook of notebooks.filter((n) => n.pack === pack)) {
      const {cells} = results.get(notebook.path)!
      const network = cells.findIndex((c) => c.type === 'markdown' && c.source.includes('**Needs network:**'))
      expect(network, `${notebook.path} has no "Needs network" note`).toBeGreaterThan(0)
      expect(cells.slice(0, network).some((c) => c.type === 'code')).toBe(true)
      // The open data it reads is the pack's own mount.
      const mounts = (notebook.definition.data_mounts ?? []).map((m) => m.mount_path)
      expect(
        mounts.some((m) => cells[network]!.source.includes(`\`${m}\``)),
        cells[network]!.source,
      ).toBe(true)
    }
  })

  it('every Python and R notebook runs in a real kernel here (no network) without an error, each code cell printing', () => {
    const runnable = notebooks.filter((n) => LOCAL_KERNEL[n.language])
    expect(runnable.map((n) => n.language).sort()).toEqual(expect.arrayContaining(['python', 'r']))
    for (const notebook of runnable) {
      const outputs = results.get(notebook.path)!.outputs!
      const errors = outputs.flat().filter((o) => o.type === 'error' || o.name === 'stderr')
      expect(errors, notebook.path).toEqual([])
      for (const [index, cell] of outputs.entries()) {
        expect(cell.map((o) => o.text).join(''), `${notebook.path} code cell ${index} printed nothing`).not.toBe('')
      }
      // Without the data (or the pack's libraries), the data cell says so in words.
      expect(
        outputs
          .at(-1)!
          .map((o) => o.text)
          .join(''),
      ).toMatch(/is not reachable|is not installed in this kernel/)
    }
  })

  it('the checks really run: a broken notebook is invalid and a failing cell is reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'notebooks-'))
    const cell = (source: string) => ({cell_type: 'code', id: 'c1', metadata: {}, source, outputs: [], execution_count: null})
    const notebook = (cells: unknown[]) => JSON.stringify({cells, metadata: {}, nbformat: 4, nbformat_minor: 5})
    writeFileSync(join(dir, 'broken.ipynb'), notebook([{cell_type: 'code', id: 'c1', metadata: {}, outputs: []}]))
    writeFileSync(join(dir, 'failing.ipynb'), notebook([cell("raise ValueError('data unreachable')")]))
    const [broken, failing] = await runNotebooks([
      {path: join(dir, 'broken.ipynb'), kernel: null},
      {path: join(dir, 'failing.ipynb'), kernel: 'python3'},
    ])
    expect(broken!.valid).not.toBe(true)
    expect(failing!.valid).toBe(true)
    expect(failing!.outputs![0]).toEqual([expect.objectContaining({type: 'error', ename: 'ValueError', evalue: 'data unreachable'})])
  }, 120_000)
})
