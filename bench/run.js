// Benchmarks (npm run bench): start-up, dry-run synthesis against the standard
// `cdk synth` path, synthesis at scale, and AWS call counts. Writes bench/RESULTS.md.
// Timings are medians over repeated runs after a warm-up; nothing here is asserted.
import {execFileSync} from 'node:child_process'
import {cpus, totalmem} from 'node:os'
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {measure} from './measure.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const work = join(root, 'bench', '.work')
mkdirSync(work, {recursive: true})
const runs = Number(process.env.BENCH_RUNS ?? 7)
const slowRuns = Number(process.env.BENCH_SLOW_RUNS ?? 3)
const cli = join(root, 'bin', 'run.js')
const packs = readdirSync(join(root, 'domain-packs'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join(root, 'domain-packs', f))
const quietEnv = {CI: 'true', AWS_REGION: 'us-east-1'}
const log = (line) => process.stderr.write(`${line}\n`)

log('1/4 start-up')
const floor = measure('node', ['-e', '0'], {runs})
const startup = [
  ['aws-research-wizard --help', [cli, '--help']],
  ['aws-research-wizard domain list', [cli, 'domain', 'list']],
  [`aws-research-wizard domain validate (all ${packs.length} packs)`, [cli, 'domain', 'validate', ...packs]],
].map(([name, args]) => ({name, ...measure('node', args, {runs, env: quietEnv, cwd: work})}))

log('2/4 dry-run synthesis vs cdk synth (ts-node)')
const dryRun = measure(
  'node',
  [
    cli,
    'jupyter',
    'deploy',
    '--domain',
    'machine-learning',
    '--name',
    'bench',
    '--dry-run',
    '--owner',
    'bench',
    '--output',
    join(work, 'dry.out'),
  ],
  {runs: slowRuns, env: quietEnv, cwd: work},
)
const dryRunValidated = measure(
  'node',
  [
    cli,
    'jupyter',
    'deploy',
    '--domain',
    'machine-learning',
    '--name',
    'bench',
    '--dry-run',
    '--validate',
    '--owner',
    'bench',
    '--output',
    join(work, 'dryv.out'),
  ],
  {runs: slowRuns, env: quietEnv, cwd: work},
)
const synthOnly = measure(
  'node',
  [cli, 'jupyter', 'synth', '--domain', 'machine-learning', '--name', 'bench', '--owner', 'bench', '--output', join(work, 'synth.out')],
  {runs: slowRuns, env: quietEnv, cwd: work},
)
const cdkBin = join(root, 'node_modules', '.bin', 'cdk')
const baselineDir = join(root, 'bench', 'baseline-app')
const baseline = measure(cdkBin, ['synth', '--quiet', '--no-notices', '-o', join(work, 'baseline.out')], {
  runs: slowRuns,
  cwd: baselineDir,
  env: {CDK_DISABLE_CLI_TELEMETRY: 'true'},
})
const baselineNoValidation = measure(cdkBin, ['synth', '--quiet', '--no-notices', '-o', join(work, 'baseline-nv.out')], {
  runs: slowRuns,
  cwd: baselineDir,
  env: {CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_VALIDATION: 'false'},
})
const resourceCount = (file) => Object.keys(JSON.parse(execFileSync('cat', [file], {encoding: 'utf8'})).Resources).length
const ours = resourceCount(join(work, 'dry.out', 'arw-bench.template.json'))
const theirs = resourceCount(join(work, 'baseline.out', 'BaselineResearch.template.json'))

log('3/4 synthesis of many environments in one process')
const many = [1, 10, 50].map((n) => {
  const inner = []
  const outer = measure('node', [join(root, 'bench', 'synth-many.js'), String(n)], {runs: slowRuns, cwd: work})
  inner.push(JSON.parse(execFileSync('node', [join(root, 'bench', 'synth-many.js'), String(n)], {cwd: work, encoding: 'utf8'})))
  return {n, ...outer, synthMs: inner[0].synthMs}
})
const manyValidated = [1, 10].map((n) => ({
  n,
  ...measure('node', [join(root, 'bench', 'synth-many.js'), String(n), 'validate'], {runs: slowRuns, cwd: work}),
}))

log('4/4 AWS calls for list and status')
const calls = JSON.parse(execFileSync('node', [join(root, 'bench', 'aws-calls.js')], {cwd: root, encoding: 'utf8'}))

log('4b cost-report over 100 environments x 90 days')
const cost = JSON.parse(
  execFileSync('node', [join(root, 'bench', 'cost-report.js')], {
    cwd: root,
    encoding: 'utf8',
    env: {...process.env, BENCH_RUNS: String(runs)},
  }),
)

const ratio = (a, b) => (a / b).toFixed(2)
const cpu = cpus()[0]?.model ?? 'unknown CPU'
const lines = [
  '# Benchmarks',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` on ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 1073741824)} GiB, Node ${process.version}.`,
  `Medians of ${runs} runs (${slowRuns} for synthesis) after one warm-up run; wall time of the whole process and its peak RSS (GNU time).`,
  '',
  '## 1. Start-up',
  '',
  '| command | wall (ms) | x `node -e 0` | peak RSS (MiB) |',
  '|---|---:|---:|---:|',
  `| \`node -e 0\` (floor) | ${floor.wallMs} | 1.00 | ${floor.rssMiB} |`,
  ...startup.map((r) => `| \`${r.name}\` | ${r.wallMs} | ${ratio(r.wallMs, floor.wallMs)} | ${r.rssMiB} |`),
  '',
  'Target: within 2.5x of `node -e 0` (stretch 2x).',
  '',
  '## 2. Dry-run synthesis against the standard CDK path',
  '',
  `The machine-learning pack (${ours} resources) against the same stack written as a \`cdk init\`-style TypeScript app run by \`cdk synth\` through ts-node (${theirs} resources, \`bench/baseline-app\`).`,
  '',
  '| command | wall (ms) | peak RSS (MiB) | baseline / this |',
  '|---|---:|---:|---:|',
  `| \`cdk synth\` via ts-node (template validation on, the default) | ${baseline.wallMs} | ${baseline.rssMiB} | 1.00 |`,
  `| \`cdk synth\` via ts-node, \`CDK_VALIDATION=false\` | ${baselineNoValidation.wallMs} | ${baselineNoValidation.rssMiB} | ${ratio(baseline.wallMs, baselineNoValidation.wallMs)} |`,
  `| \`jupyter deploy --dry-run\` (cdk-nag on, validation off) | ${dryRun.wallMs} | ${dryRun.rssMiB} | ${ratio(baseline.wallMs, dryRun.wallMs)} |`,
  `| \`jupyter deploy --dry-run --validate\` | ${dryRunValidated.wallMs} | ${dryRunValidated.rssMiB} | ${ratio(baseline.wallMs, dryRunValidated.wallMs)} |`,
  `| \`jupyter synth\` (no cdk-nag, no validation) | ${synthOnly.wallMs} | ${synthOnly.rssMiB} | ${ratio(baseline.wallMs, synthOnly.wallMs)} |`,
  '',
  'Target: the dry run at least 6x faster than the ts-node `cdk synth` path, in the same run.',
  '',
  '## 3. Synthesizing many environments in one process',
  '',
  '| environments | process wall (ms) | in-process synth (ms) | peak RSS (MiB) | with validation: wall (ms) / RSS (MiB) |',
  '|---:|---:|---:|---:|---:|',
  ...many.map((r) => {
    const v = manyValidated.find((m) => m.n === r.n)
    return `| ${r.n} | ${r.wallMs} | ${r.synthMs} | ${r.rssMiB} | ${v ? `${v.wallMs} / ${v.rssMiB}` : 'not run'} |`
  }),
  '',
  'Target: 50 environments under 4 s (validation off, as for plans).',
  '',
  '## 4. AWS calls of `jupyter list` and `jupyter status`',
  '',
  'Against aws-sdk-client-mock; DescribeStacks pages hold 100 stacks.',
  '',
  '| environments | DescribeStacks pages | list: CloudFormation / EC2 / CloudWatch | status: CloudFormation / EC2 / CloudWatch |',
  '|---:|---:|---|---|',
  ...calls.map(
    (r) =>
      `| ${r.environments} | ${r.stackPages} | ${r.list.cloudformation} / ${r.list.ec2} / ${r.list.cloudwatch} | ${r.status.cloudformation} / ${r.status.ec2} / ${r.status.cloudwatch} |`,
  ),
  '',
  '`list` makes one call per DescribeStacks page and one batched DescribeInstances (up to 199 instances a call); `status` is constant.',
  '',
  `## 4b. \`jupyter cost-report\` over ${cost.environments} environments x ${cost.days} days`,
  '',
  `In process against aws-sdk-client-mock (\`bench/cost-report.js\`): building the report and its table, median of ${cost.runs} runs. Cost Explorer answers 20 days a page; every hub runs (live estimate and prices exercised; prices cached after the first run).`,
  '',
  '| --group-by | median (ms) | GetCostAndUsage | DescribeBudgets | GetObject (usage) | other calls | rows |',
  '|---|---:|---:|---:|---:|---|---:|',
  ...cost.results.map((r) => {
    const {GetCostAndUsage = 0, DescribeBudgets = 0, GetObject = 0, ...other} = r.apiCalls
    return `| ${r.groupBy} | ${r.medianMs} | ${GetCostAndUsage} | ${DescribeBudgets} | ${GetObject} | ${Object.entries(other)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} | ${r.rows} |`
  }),
  '',
  'The calls do not grow with the number of environments except the per-person split, which reads one published usage object per environment and day (9,000 here, 8 at a time).',
  '',
]
const notesFile = join(root, 'bench', 'NOTES.md')
try {
  lines.push(execFileSync('cat', [notesFile], {encoding: 'utf8'}))
} catch {
  // no analysis notes yet
}
// Section 5 comes from npm run bench:boot (root only), kept across runs of this script.
try {
  lines.push('', readFileSync(join(root, 'bench', 'BOOT.md'), 'utf8'))
} catch {
  // no boot measurement yet
}
writeFileSync(join(root, 'bench', 'RESULTS.md'), lines.join('\n'))
log(lines.join('\n'))
