import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import type {DomainInitResult} from '../../src/commands/domain/init.js'
import type {DomainListResult} from '../../src/commands/domain/list.js'
import type {DomainShowResult} from '../../src/commands/domain/show.js'
import {loadPackFile} from '../../src/domain-pack/load.js'
import type {ValidationReport} from '../../src/lib/domain/validate-packs.js'
import {FIXTURES, PACK_DIR, runHuman, runJson} from '../helpers/run.js'

describe('domain list', () => {
  it('lists every shipped pack with its hardware and kernels', async () => {
    const {envelope, exitCode} = await runJson<DomainListResult>(['domain', 'list'])
    expect(exitCode).toBe(0)
    expect(envelope.status).toBe(0)
    const ml = envelope.result?.packs.find((p) => p.name === 'machine-learning')
    expect(ml).toMatchObject({gpu: true, defaultInstanceType: 'g5.xlarge', valid: true, origin: 'built-in'})
    expect(envelope.result?.packs.map((p) => p.name)).toContain('scientific-modeling-julia')
  })

  it('shows packs from --pack-dir and flags invalid ones instead of hiding them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'packs-'))
    writeFileSync(join(dir, 'broken.yaml'), 'name: broken\nkernels: 3\n')
    const {envelope} = await runJson<DomainListResult>(['domain', 'list', '--pack-dir', dir])
    expect(envelope.result?.packs.find((p) => p.name === 'broken')).toMatchObject({valid: false, origin: 'pack-dir'})
  })

  it('prints a table for people', async () => {
    const {stdout} = await runHuman(['domain', 'list'])
    expect(stdout).toMatch(/NAME\s+TITLE\s+DEFAULT INSTANCE/)
    expect(stdout).toMatch(/computational-chemistry\s+.*g4dn\.2xlarge\s+yes/)
  })
})

describe('domain show', () => {
  it('returns the defaulted pack', async () => {
    const {envelope} = await runJson<DomainShowResult>(['domain', 'show', 'climate-science'])
    expect(envelope.result?.pack.auto_shutdown).toEqual({
      idle_minutes: 45,
      signals: ['kernels', 'cpu'],
      cpu_threshold_percent: 5,
      gpu_threshold_percent: 10,
      warn_minutes: 10,
    })
  })

  it('prints the pack as YAML for people', async () => {
    const {stdout, stderr, exitCode} = await runHuman(['domain', 'show', 'genomics'])
    expect(stderr).not.toContain('internal-error')
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/^# .*genomics\.yaml$/m)
    expect(stdout).toMatch(/^name: genomics$/m)
  })

  it('suggests the closest pack name for a typo (exit 2)', async () => {
    const {envelope, exitCode} = await runJson(['domain', 'show', 'genomic'])
    expect(exitCode).toBe(2)
    expect(envelope.error?.code).toBe('pack-not-found')
    expect(envelope.error?.actions.join(' ')).toContain('genomics')
  })
})

describe('domain validate', () => {
  it('passes every shipped pack', async () => {
    const files = ['genomics', 'machine-learning', 'social-science'].map((n) => join(PACK_DIR, `${n}.yaml`))
    const {envelope, exitCode} = await runJson<ValidationReport>(['domain', 'validate', ...files])
    expect(exitCode).toBe(0)
    expect(envelope.result?.counts.error).toBe(0)
    expect(envelope.result?.files).toHaveLength(3)
  })

  it('exits 3 and reports all findings of all files at once', async () => {
    const bad = join(FIXTURES, 'packs', 'invalid')
    const {envelope, exitCode} = await runJson<ValidationReport>([
      'domain',
      'validate',
      join(bad, 'unknown-key.yaml'),
      join(bad, 'wrong-type.yaml'),
    ])
    expect(exitCode).toBe(3)
    expect(envelope.status).toBe(3)
    const report = envelope.error?.data as ValidationReport
    expect(report.files.map((f) => f.findings[0]?.code)).toEqual(['unknown-key', 'wrong-type'])
  })

  it('prints file:line:col CODE message and the fix for people', async () => {
    const {stdout, exitCode} = await runHuman(['domain', 'validate', join(FIXTURES, 'packs', 'invalid', 'unknown-key.yaml')])
    expect(exitCode).toBe(3)
    expect(stdout).toMatch(/unknown-key\.yaml:3:1 error unknown-key Unknown key "instanse" in the pack\. Did you mean "instance"\?/)
    expect(stdout).toContain('fix: Rename "instanse" to "instance".')
  })

  it('--fail-on warning fails a pack that only has warnings', async () => {
    const file = join(FIXTURES, 'packs', 'invalid', 'auto-shutdown-disabled.yaml')
    expect((await runJson(['domain', 'validate', file])).exitCode).toBe(0)
    expect((await runJson(['domain', 'validate', file, '--fail-on', 'warning'])).exitCode).toBe(3)
  })

  it('checks region availability when --region is given', async () => {
    const file = join(PACK_DIR, 'machine-learning.yaml')
    const {envelope, exitCode} = await runJson<ValidationReport>(['domain', 'validate', file, '--region', 'sa-east-1'])
    expect(exitCode).toBe(3)
    expect((envelope.error?.data as ValidationReport | undefined)?.files[0]?.findings.map((f) => f.code)).toContain('region-not-offered')
  })
})

describe('domain init', () => {
  it('scaffolds a pack from flags that validates, plus the editor schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'init-'))
    const {envelope, exitCode} = await runJson<DomainInitResult>([
      'domain',
      'init',
      '--name',
      'proteomics',
      '--package',
      'pyteomics',
      '--package',
      'pandas',
      '--bucket',
      'pride-archive',
      '--output-dir',
      dir,
      '--budget',
      '200',
    ])
    expect(exitCode).toBe(0)
    const loaded = await loadPackFile(envelope.result!.file)
    expect(loaded.findings.filter((f) => f.level === 'error')).toEqual([])
    expect(loaded.pack?.kernels[0]?.packages).toEqual(['pyteomics', 'pandas'])
    expect(loaded.pack?.data_mounts[0]).toMatchObject({source: 's3://pride-archive', mount_path: '/data/pride-archive'})
    expect(readFileSync(join(dir, 'domain-pack.schema.json'), 'utf8')).toContain('"title": "aws-research-wizard domain pack"')
  })

  it('ends with a "Next:" deploy command that works as printed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'init-'))
    const {stdout, exitCode} = await runHuman(['domain', 'init', '--name', 'nextstep', '--output-dir', dir])
    expect(exitCode).toBe(0)
    const next = /`aws-research-wizard (jupyter deploy [^`]+)`/.exec(stdout)?.[1]
    expect(next).toContain('--name')
    const planned = await runJson([...next!.split(' '), '--output', join(dir, 'cdk.out')])
    expect(planned.envelope.error).toBeUndefined()
    expect(planned.exitCode).toBe(0)
  })

  it('refuses to overwrite without --force and needs --name without a terminal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'init-'))
    await runJson(['domain', 'init', '--name', 'twice', '--output-dir', dir])
    expect((await runJson(['domain', 'init', '--name', 'twice', '--output-dir', dir])).envelope.error?.code).toBe('file-exists')
    expect((await runJson(['domain', 'init', '--output-dir', dir])).envelope.error?.code).toBe('missing-flag')
  })

  it('rejects answers that would make an invalid pack (exit 3)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'init-'))
    const {exitCode, envelope} = await runJson([
      'domain',
      'init',
      '--name',
      'cuda-cpu',
      '--package',
      'cupy',
      '--instance-type',
      'm6i.xlarge',
      '--output-dir',
      dir,
    ])
    expect(exitCode).toBe(3)
    expect(JSON.stringify(envelope.error?.data)).toContain('gpu-packages-without-gpu')
  })
})

describe('domain schema', () => {
  it('returns the JSON Schema', async () => {
    const {envelope} = await runJson<{schema: {title: string}}>(['domain', 'schema'])
    expect(envelope.result?.schema.title).toBe('aws-research-wizard domain pack')
  })
})

describe('usage errors', () => {
  it('an unknown flag exits 2 with a coded error', async () => {
    const {envelope, exitCode} = await runJson(['domain', 'list', '--bogus'])
    expect(exitCode).toBe(2)
    expect(envelope.error?.code).toBe('usage')
  })
})
