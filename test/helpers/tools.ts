import {execFileSync} from 'node:child_process'

/**
 * Whether a command-line tool a test needs is installed. In CI (CI=true) a missing
 * tool is an error, never a skip: a check that did not run must not pass. Outside CI
 * the test may skip, and says which tool is missing.
 */
export function haveTool(name: string, installHint: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', name], {stdio: 'ignore'})
    return true
  } catch {
    const message = `${name} is not installed (${installHint})`
    if (process.env.CI) throw new Error(`${message}: CI must install it (see .ci/run)`)
    console.warn(`skipping: ${message}`)
    return false
  }
}
