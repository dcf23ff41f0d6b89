import {execFile} from 'node:child_process'
import {join} from 'node:path'
import {PROJECT_ROOT} from './run.js'

/** What a command printed with --json (src/base-command.ts SuccessEnvelope / ErrorEnvelope), as a test reads it. */
export interface Envelope<R = Record<string, unknown>> {
  status: number
  result?: R
  warnings?: string[]
  error?: {code: string; message: string; actions: string[]; data?: Record<string, unknown>}
}

export interface BuiltRun {
  code: number
  stdout: string
  stderr: string
}

export interface BuiltJsonRun<R = Record<string, unknown>> extends BuiltRun {
  envelope: Envelope<R>
}

export interface BuiltOptions {
  cwd: string
  /** Defaults to a bare environment: PATH, HOME = cwd, CI (no prompts without --yes). */
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
}

/** Runs the BUILT CLI (npm run build first) as a user's shell would, for its human output. */
export function runBuilt(argv: string[], options: BuiltOptions): Promise<BuiltRun> {
  return new Promise((resolve) => {
    execFile(
      'node',
      [join(PROJECT_ROOT, 'bin', 'run.js'), ...argv],
      {
        cwd: options.cwd,
        env: options.env ?? {PATH: process.env.PATH, HOME: options.cwd, CI: 'true'},
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 50 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        // A killed or overflowing run has a string code (or none): count it as a failure.
        const code = error ? (typeof (error as {code?: unknown}).code === 'number' ? (error as {code: number}).code : 1) : 0
        resolve({code, stdout, stderr})
      },
    )
  })
}

/** Runs the BUILT CLI with --json and parses the envelope; a stdout that is not JSON fails with all it printed. */
export async function runBuiltJson<R = Record<string, unknown>>(argv: string[], options: BuiltOptions): Promise<BuiltJsonRun<R>> {
  const run = await runBuilt([...argv, '--json'], options)
  let envelope: Envelope<R>
  try {
    envelope = JSON.parse(run.stdout) as Envelope<R>
  } catch {
    throw new Error(`stdout of \`${argv.join(' ')} --json\` is not JSON (exit ${run.code}):\n${run.stdout}\n--- stderr ---\n${run.stderr}`)
  }
  return {...run, envelope}
}
