import {mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadPackFile} from '../../src/domain-pack/load.js'
import {prepareEnvironment} from '../../src/lib/deploy/prepare.js'
import {instanceConfig} from '../../src/lib/instance/user-data.js'
import {EXAMPLE_MAX_BYTES, readExampleNotebooks} from '../../src/lib/spec/example-notebooks.js'
import {resolveSpec} from '../../src/lib/spec/resolve-spec.js'
import {PACK_DIR} from '../helpers/run.js'
import {BASE_OVERRIDES, INSTANCE_REFS as REFS} from '../helpers/specs.js'

const NOTEBOOK = JSON.stringify({cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5})

/** A copy of the shipped climate-science pack with the given notebooks beside it. */
async function packWith(paths: string[], files: Record<string, string>, extra = '') {
  const dir = mkdtempSync(join(tmpdir(), 'pack-'))
  mkdirSync(join(dir, 'notebooks'))
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  const base = readFileSync(join(PACK_DIR, 'climate-science.yaml'), 'utf8').replace(/^example_notebooks:\n( {2}.*\n)+/m, '')
  const entries = paths.map((p, i) => `  - title: Notebook ${i}\n    path: ${p}\n`).join('')
  const file = join(dir, 'pack.yaml')
  writeFileSync(file, `${base}${extra}example_notebooks:\n${entries}`)
  return {dir, file}
}

describe('reading example notebooks', () => {
  it('reads each notebook with the file name it gets on the hub', async () => {
    const {file} = await packWith(['notebooks/a.ipynb', 'b.ipynb'], {'notebooks/a.ipynb': NOTEBOOK, 'b.ipynb': NOTEBOOK})
    const {pack} = await loadPackFile(file)
    const {notebooks, findings} = readExampleNotebooks(pack!, file)
    expect(findings).toEqual([])
    expect(notebooks).toEqual([
      {name: 'a.ipynb', title: 'Notebook 0', content: NOTEBOOK},
      {name: 'b.ipynb', title: 'Notebook 1', content: NOTEBOOK},
    ])
  })

  it('refuses a link out of the pack directory, a duplicate name, a non-notebook and an oversized file', async () => {
    const secret = join(mkdtempSync(join(tmpdir(), 'secret-')), 'credentials.ipynb')
    writeFileSync(secret, NOTEBOOK)
    const {dir, file} = await packWith(
      ['notebooks/link.ipynb', 'notebooks/a.ipynb', 'a.ipynb', 'notebooks/text.ipynb', 'notebooks/big.ipynb'],
      {
        'notebooks/a.ipynb': NOTEBOOK,
        'a.ipynb': NOTEBOOK,
        'notebooks/text.ipynb': '{"nbformat": 3, "worksheets": []}',
        'notebooks/big.ipynb': JSON.stringify({cells: [], metadata: {pad: 'x'.repeat(EXAMPLE_MAX_BYTES)}, nbformat: 4, nbformat_minor: 5}),
      },
    )
    symlinkSync(secret, join(dir, 'notebooks', 'link.ipynb'))
    const {pack} = await loadPackFile(file)
    const {notebooks, findings} = readExampleNotebooks(pack!, file)
    expect(notebooks.map((n) => n.name)).toEqual(['a.ipynb'])
    expect(findings.map((f) => [f.path, f.code])).toEqual([
      ['/example_notebooks/0/path', 'invalid-notebook-path'],
      ['/example_notebooks/2/path', 'duplicate-example-notebook'],
      ['/example_notebooks/3/path', 'invalid-example-notebook'],
      ['/example_notebooks/4/path', 'example-notebook-too-large'],
    ])
    expect(findings.every((f) => f.level === 'error' && f.remedy.length > 0)).toBe(true)
  })

  it('the schema refuses paths that are not plain .ipynb files inside the pack', async () => {
    for (const path of ['notebooks/intro.py', 'notebooks/.hidden.ipynb', '../up.ipynb', 'notebooks/../../x.ipynb']) {
      const {file} = await packWith([JSON.stringify(path)], {})
      const loaded = await loadPackFile(file)
      expect(loaded.pack, path).toBeUndefined()
      expect(loaded.findings.map((f) => f.code)).toContain('invalid-notebook-path')
    }
  })
})

describe('notebookExamples in the spec and on the hub', () => {
  it('is on by default and carries the notebooks into the environment description', async () => {
    const {spec} = await prepareEnvironment('climate-science', BASE_OVERRIDES)
    expect(spec.notebookExamples).toBe(true)
    const config = instanceConfig(spec, REFS)
    expect(config.notebookExamples).toBe(true)
    expect(config.exampleNotebooks).toEqual([
      {
        name: 'climate-science-era5-slice.ipynb',
        content: readFileSync(join(PACK_DIR, 'notebooks', 'climate-science-era5-slice.ipynb'), 'utf8'),
      },
    ])
  })

  it('--no-notebook-examples (notebookExamples: false) sends none; the pack field turns them off too, and the flag wins', async () => {
    const off = await prepareEnvironment('climate-science', {...BASE_OVERRIDES, notebookExamples: false})
    expect(off.spec.notebookExamples).toBe(false)
    expect(instanceConfig(off.spec, REFS)).toMatchObject({notebookExamples: false, exampleNotebooks: []})

    const {file} = await packWith(['n.ipynb'], {'n.ipynb': NOTEBOOK}, 'notebook_examples: false\n')
    expect((await prepareEnvironment(file, BASE_OVERRIDES)).spec).toMatchObject({notebookExamples: false, exampleNotebooks: []})
    const forced = await prepareEnvironment(file, {...BASE_OVERRIDES, notebookExamples: true})
    expect(forced.spec.notebookExamples).toBe(true)
    expect(forced.spec.exampleNotebooks.map((n) => n.name)).toEqual(['n.ipynb'])
  })

  it('a bad example notebook stops the deploy with a usage error naming it', async () => {
    const {file} = await packWith(['n.ipynb'], {'n.ipynb': 'not json'})
    await expect(prepareEnvironment(file, BASE_OVERRIDES)).rejects.toMatchObject({
      code: 'invalid-environment',
      exitCode: 2,
      message: expect.stringContaining('/example_notebooks/0/path invalid-example-notebook'),
    })
    // Not read at all when they are not wanted.
    await expect(prepareEnvironment(file, {...BASE_OVERRIDES, notebookExamples: false})).resolves.toBeDefined()
  })

  it('a spec resolved again from the deploy record keeps the notebooks it was deployed with', async () => {
    const {spec} = await prepareEnvironment('climate-science', BASE_OVERRIDES)
    const again = resolveSpec(spec.domain, spec.pack, spec.overrides, spec.exampleNotebooks).spec!
    expect(instanceConfig(again, REFS)).toEqual(instanceConfig(spec, REFS))
  })
})
