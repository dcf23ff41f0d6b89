// One process synthesizing N environments into one cloud assembly (bench/run.js section 3).
// Usage: node bench/synth-many.js N [validate]
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {loadPackFile} from '../dist/domain-pack/load.js'
import {BUILTIN_PACK_DIR} from '../dist/domain-pack/resolve.js'
import {resolveSpec} from '../dist/lib/spec/resolve-spec.js'
import {buildApp} from '../dist/lib/synth/build-app.js'

const count = Number(process.argv[2] ?? 1)
process.env.CDK_VALIDATION = process.argv[3] === 'validate' ? 'true' : 'false'
const packs = [
  'genomics',
  'climate-science',
  'machine-learning',
  'geospatial',
  'neuroscience',
  'astronomy',
  'computational-chemistry',
  'social-science',
  'scientific-modeling-julia',
]
const loaded = await Promise.all(packs.map((p) => loadPackFile(join(BUILTIN_PACK_DIR, `${p}.yaml`))))
const started = process.hrtime.bigint()
const specs = Array.from({length: count}, (_, i) => {
  const index = i % packs.length
  const {spec} = resolveSpec(packs[index], loaded[index].pack, {
    name: `env${i}`,
    region: 'us-east-1',
    owner: 'bench',
    adminEmail: 'bench@example.org',
  })
  return spec
})
const {app} = buildApp(specs, {outdir: mkdtempSync(join(tmpdir(), 'many-'))})
const assembly = app.synth()
const synthMs = Number(process.hrtime.bigint() - started) / 1e6
process.stdout.write(
  JSON.stringify({stacks: assembly.stacks.length, synthMs: Math.round(synthMs), heapMiB: Math.round(process.memoryUsage().rss / 1048576)}),
)
