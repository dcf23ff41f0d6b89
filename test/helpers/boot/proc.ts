import {spawn} from 'node:child_process'

/** What a finished command printed and how it ended. */
export interface RunResult {
  readonly stdout: string
  readonly stderr: string
  /** Exit code; null when killed by a signal (including the timeout). */
  readonly code: number | null
}

export interface RunOptions {
  timeoutMs?: number
  input?: string
  env?: NodeJS.ProcessEnv
  /** Resolve with the result instead of throwing on a non-zero exit. */
  allowFailure?: boolean
}

/** Runs argv (no shell) with a hard timeout; throws on failure unless allowFailure. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const {timeoutMs = 60_000, input, env, allowFailure = false} = options
  const [command, ...args] = argv
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, {stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env})
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new Error(`${argv.join(' ')}: ${error.message}`))
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      const result = {stdout, stderr, code}
      if (timedOut) reject(new Error(`${argv.join(' ')} timed out after ${timeoutMs} ms\n${stderr.slice(-4000)}`))
      else if (code !== 0 && !allowFailure)
        reject(new Error(`${argv.join(' ')} exited ${code}\n${stdout.slice(-2000)}\n${stderr.slice(-4000)}`))
      else resolve(result)
    })
    // A command that exits without reading its input must not crash the test process.
    child.stdin.on('error', () => {})
    child.stdin.end(input ?? '')
  })
}

/** Polls check() until it returns a truthy value; throws after timeoutMs with the last error. */
export async function poll<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value
    } catch (error) {
      lastError = error
    }
    if (Date.now() >= deadline) break
    await sleep(intervalMs)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`)
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** True while a process with this id exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
