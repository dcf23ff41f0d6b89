import {describe, expect, it} from 'vitest'
import {loadPackFromText} from '../../src/domain-pack/load.js'

const researcherPack = `name: "genomics-research"
kernel_spec:
  display_name: "Genomics Research (Python 3.11)"
  language: "python"
  environment: ["gatk", "bwa", "star", "samtools", "python-pysam", "python-biopy"]
data_mounts: ["/data/1000genomes", "/data/gnomad", "/data/cosmic"]
aws_access:
  s3_buckets: ["1000genomes", "gnomad-public"]
  open_data: true
cost_tracking: true
auto_shutdown: 60   # minutes idle
`

describe('compact form', () => {
  it('normalizes every compact key into the canonical model', () => {
    const text = researcherPack.replace(', "/data/cosmic"', '')
    const {pack, findings} = loadPackFromText(text, 'compact.yaml')
    expect(findings.filter((f) => f.level === 'error')).toEqual([])
    expect(pack?.display_name).toBe('Genomics Research')
    expect(pack?.kernels).toEqual([
      {
        name: 'python-genomics-research',
        display_name: 'Genomics Research (Python 3.11)',
        language: 'python',
        version: '3.11',
        packages: ['gatk', 'bwa', 'star', 'samtools', 'pysam', 'biopy'],
        channels: [],
      },
    ])
    expect(pack?.data_mounts).toEqual([
      {source: 's3://1000genomes', mount_path: '/data/1000genomes', access: 'read-only', requester_pays: false},
      {source: 's3://gnomad-public', mount_path: '/data/gnomad', access: 'read-only', requester_pays: false},
    ])
    expect(pack?.auto_shutdown).toEqual({
      idle_minutes: 60,
      signals: ['kernels', 'cpu'],
      cpu_threshold_percent: 5,
      gpu_threshold_percent: 10,
      warn_minutes: 10,
    })
    expect(pack?.cost.tracking).toBe(true)
    expect(pack?.instance.default_type).toBe('m6i.xlarge')
    expect(findings.map((f) => f.code)).toContain('default-instance')
  })

  it("turns a compact mount with no bucket into a data directory, with a located warning (the product plan's own example validates)", () => {
    const {pack, findings} = loadPackFromText(researcherPack, 'compact.yaml')
    expect(findings.filter((f) => f.level === 'error')).toEqual([])
    const warning = findings.find((f) => f.code === 'mount-without-bucket')
    expect(warning).toMatchObject({level: 'warning', line: 6, column: 52, file: 'compact.yaml'})
    expect(warning?.message).toContain('/data/cosmic')
    expect(pack?.data_mounts.map((m) => m.mount_path)).toEqual(['/data/1000genomes', '/data/gnomad'])
    expect(pack?.data_directories).toEqual(['/data/cosmic'])
  })

  it('locates findings on mounts after a moved one at the position the author wrote', () => {
    const text = researcherPack.replace(
      '["/data/1000genomes", "/data/gnomad", "/data/cosmic"]',
      '["/data/cosmic", "/data/1000genomes", "/data/1000genomes"]',
    )
    const {findings} = loadPackFromText(text, 'compact.yaml')
    const duplicate = findings.find((f) => f.path.startsWith('/data_mounts/') && f.code !== 'mount-without-bucket')
    expect(duplicate, JSON.stringify(findings)).toBeDefined()
    expect(duplicate!.column).toBeGreaterThan(40)
  })

  it('locates rule findings on a compact kernel at the package the author wrote', () => {
    const text = researcherPack.replace(', "/data/cosmic"', '').replace('"python-biopy"', '"cupy"')
    const {findings} = loadPackFromText(text, 'compact.yaml')
    const error = findings.find((f) => f.code === 'gpu-packages-without-gpu')
    expect(error).toMatchObject({line: 5, column: 68})
  })

  it('applies canonical defaults and freezes the result', () => {
    const {pack} = loadPackFromText('name: tiny\nkernels: [{name: py, display_name: P, language: python}]\n', 'tiny.yaml')
    expect(pack?.users).toEqual({default: 5, max: 50, cpu_per_user: 1, memory_gb_per_user: 4})
    expect(pack?.storage).toEqual({home_volume_gb: 100, shared_filesystem: false, scratch_gb: 0})
    expect(pack?.jupyterhub).toEqual({interface: 'lab', admin_users: [], authenticator: 'cognito'})
    expect(Object.isFrozen(pack)).toBe(true)
  })
})
