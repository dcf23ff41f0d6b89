import {execFile} from 'node:child_process'
import {join} from 'node:path'
import {PROJECT_ROOT} from './run.js'

export interface BuiltRun {
  code: number
  stdout: string
  stderr: string
  envelope: {status: number; result?: Record<string, unknown>; error?: {code: string; message: string; actions: string[]; data?: unknown}}
}

/** Runs the BUILT CLI (npm run build first) with --json, as a user's shell would. */
export function runBuiltJson(argv: string[], options: {cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number}): Promise<BuiltRun> {
  return new Promise((resolve, reject) => {
    execFile(
      'node',
      [join(PROJECT_ROOT, 'bin', 'run.js'), ...argv, '--json'],
      {
        cwd: options.cwd,
        env: options.env ?? {PATH: process.env.PATH, HOME: options.cwd, CI: 'true'},
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 50 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as {code?: unknown}).code === 'number' ? (error as {code: number}).code : 1) : 0
        try {
          resolve({code, stdout, stderr, envelope: JSON.parse(stdout)})
        } catch {
          reject(new Error(`not JSON (exit ${code}): ${stdout}\n${stderr}`))
        }
      },
    )
  })
}
