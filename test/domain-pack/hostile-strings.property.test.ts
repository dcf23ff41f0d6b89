import fc from 'fast-check'
import {stringify} from 'yaml'
import {describe, expect, it} from 'vitest'
import {loadPackFromText} from '../../src/domain-pack/load.js'
import {domainPackSchema} from '../../src/domain-pack/schema.js'
import {resolveSpec} from '../../src/lib/spec/resolve-spec.js'
import {buildApp} from '../../src/lib/synth/build-app.js'
import {BASE_OVERRIDES} from '../helpers/specs.js'

process.env.CDK_VALIDATION = 'false'

type Json = Record<string, unknown>

/** A full-form pack with every optional list and map populated, so every string field has a place. */
const BASE: Json = {
  name: 'prop-pack',
  display_name: 'Property pack',
  description: 'Base pack for property tests.',
  version: '1.0.0',
  instance: {default_type: 'm6i.xlarge', allowed_types: ['m6i.xlarge'], image: 'ami-0123456789abcdef0'},
  jupyterhub: {interface: 'lab', admin_users: ['ada@example.org']},
  kernels: [{name: 'py', display_name: 'Python', language: 'python', version: '3.11', packages: ['numpy'], channels: ['conda-forge']}],
  data_mounts: [{source: 's3://1000genomes', mount_path: '/data/g', access: 'read-only', region: 'us-east-1'}],
  data_directories: ['/data/own'],
  aws_access: {s3_buckets: ['1000genomes']},
  auto_shutdown: {idle_minutes: 60, signals: ['kernels', 'cpu']},
  cost: {alert_emails: ['ada@example.org']},
  example_notebooks: [{title: 'Intro', path: 'notebooks/intro.ipynb'}],
  tags: {team: 'lab'},
}

/**
 * Every string field of the authoring schema, as a JSON pointer into BASE (array items
 * at index 0; `*` stands for a tag key, `*value` for a tag value). Walking the schema
 * means a field added later is fuzzed without touching this test.
 */
function stringFields(schema: Json, pointer = ''): string[] {
  if (schema.type === 'string') return [pointer]
  const found: string[] = []
  const properties = schema.properties as Record<string, Json> | undefined
  for (const [key, child] of Object.entries(properties ?? {})) {
    // The compact shorthands are alternatives to fields fuzzed in full form.
    if (['$schema', 'kernel_spec', 'cost_tracking'].includes(key)) continue
    found.push(...stringFields(child, `${pointer}/${key}`))
  }
  const items = schema.items as Json | undefined
  if (items) {
    const alternatives = (items.anyOf as Json[] | undefined) ?? [items]
    const objectForm = alternatives.find((a) => a.type === 'object') ?? alternatives[0]
    if (objectForm) found.push(...stringFields(objectForm, `${pointer}/0`))
  }
  if (typeof schema.additionalProperties === 'object') found.push(`${pointer}/*`, `${pointer}/*value`)
  const anyOf = schema.anyOf as Json[] | undefined
  if (anyOf && !schema.type) {
    const objectForm = anyOf.find((a) => a.type === 'object')
    if (objectForm) found.push(...stringFields(objectForm, pointer))
  }
  return [...new Set(found)]
}

const FIELDS = stringFields(domainPackSchema as unknown as Json)

function withValue(pointer: string, value: string): Json {
  const pack = structuredClone(BASE)
  const segments = pointer.slice(1).split('/')
  const last = segments.pop() as string
  let node = pack as Json
  for (const segment of segments) node = node[segment] as Json
  if (last === '*') node[value] = 'x'
  else if (last === '*value') node.team = value
  else node[last] = value
  return pack
}

const FRAGMENTS = [
  '$(reboot)',
  '`id`',
  '"',
  "'",
  '\\',
  ';',
  '|',
  '&&',
  '\n',
  '\r',
  '\t',
  '\u0000',
  '\u001b[2J',
  '\u009b',
  '\u202e',
  '\u2028',
  '\ud800',
  '{{resolve:ssm:/prod/db/password}}',
  '${Token[TOKEN.123]}',
  '#{Token[LIST.1]}',
  '--channel=https://evil.example',
  'https://evil.example/x',
  '/data/../etc',
  '..',
  '%s%n',
  '${HOME}',
  '<script>',
  '基因',
  '🧬',
  ' ',
  'a',
  'numpy',
]

const hostileString = fc.oneof(
  {weight: 3, arbitrary: fc.array(fc.constantFrom(...FRAGMENTS), {minLength: 1, maxLength: 6}).map((parts) => parts.join(''))},
  {weight: 1, arbitrary: fc.string({unit: 'binary', maxLength: 40})},
  // Printable text full of shell, Julia and template syntax: legitimate data in names and descriptions.
  {weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9 "'$`()\\;&|<>{}%#@!?.,:=+_-]{1,30}$/)},
  {weight: 1, arbitrary: fc.constantFrom('x'.repeat(5_000), 'é'.repeat(3_000), `${'a-'.repeat(100)}b`)},
)

const DYNAMIC = /\{\{\s*resolve\s*:|[$#]\{Token\[/i

describe('hostile strings in every string field', () => {
  it('walks the schema to more than 25 string fields', () => {
    expect(FIELDS.length).toBeGreaterThan(25)
    expect(FIELDS).toEqual(expect.arrayContaining(['/kernels/0/display_name', '/data_mounts/0/mount_path', '/tags/*', '/description']))
  })

  it('are either refused with a located finding, or resolve and synthesize with the value as data only', () => {
    let synthesized = 0
    let accepted = 0
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), hostileString, fc.boolean(), (field, value, tryPrivate) => {
        const file = '/packs/prop.yaml'
        const loaded = loadPackFromText(stringify(withValue(field, value)), file, {})
        if (!loaded.pack) {
          const errors = loaded.findings.filter((f) => f.level === 'error')
          expect(errors.length).toBeGreaterThan(0)
          for (const finding of errors) {
            expect(finding.file).toBe(file)
            expect(finding.line).toBeGreaterThanOrEqual(1)
            expect(finding.column).toBeGreaterThanOrEqual(1)
            expect(finding.remedy.length).toBeGreaterThan(5)
          }
          return
        }
        accepted++
        // Accepted text is kept verbatim: it travels as data, never rewritten.
        if (!field.startsWith('/tags/*')) expect(JSON.stringify(loaded.pack)).toContain(JSON.stringify(value).slice(1, -1))
        // Nothing that reaches CloudFormation or a terminal raw got through.
        expect(value).not.toMatch(DYNAMIC)
        const {spec, findings} = resolveSpec('prop-pack', loaded.pack, {...BASE_OVERRIDES, access: tryPrivate ? 'private' : 'public'})
        if (!spec) {
          expect(findings.some((f) => f.level === 'error')).toBe(true)
          return
        }
        // Synthesis costs ~0.3 s: sample it.
        if (synthesized >= 12 || accepted % 2 !== 1) return
        synthesized++
        const {app} = buildApp([spec])
        const assembly = app.synth()
        const template = JSON.stringify(assembly.stacks[0]?.template)
        expect(template).not.toMatch(DYNAMIC)
      }),
      {numRuns: 160, seed: 20261123},
    )
    expect(accepted).toBeGreaterThan(0)
    expect(synthesized).toBeGreaterThan(0)
  }, 120_000)
})
