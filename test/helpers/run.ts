import {dirname, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {runCommand} from '@oclif/test'

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const PACK_DIR = resolve(PROJECT_ROOT, 'domain-packs')
export const FIXTURES = resolve(PROJECT_ROOT, 'test', 'fixtures')

export interface JsonRun<T> {
  envelope: {status: number; result?: T; warnings?: string[]; error?: {code: string; message: string; actions: string[]; data?: unknown}}
  exitCode: number
  stdout: string
  stderr: string
}

/** Runs a command in-process with --json and parses the envelope it printed. */
export async function runJson<T>(argv: string[]): Promise<JsonRun<T>> {
  const {stdout, stderr, error} = await runCommand([...argv, '--json'], {root: PROJECT_ROOT})
  const exitCode = (error as {oclif?: {exit?: number}} | undefined)?.oclif?.exit ?? (error ? 1 : 0)
  let envelope: JsonRun<T>['envelope']
  try {
    envelope = JSON.parse(stdout)
  } catch {
    throw new Error(`stdout was not JSON (exit ${exitCode}):\n${stdout}\n--- stderr ---\n${stderr}\n${error?.stack ?? ''}`)
  }
  return {envelope, exitCode, stdout, stderr}
}

export async function runHuman(argv: string[]): Promise<{stdout: string; stderr: string; exitCode: number}> {
  const {stdout, stderr, error} = await runCommand(argv, {root: PROJECT_ROOT})
  const exitCode = (error as {oclif?: {exit?: number}} | undefined)?.oclif?.exit ?? (error ? 1 : 0)
  return {stdout, stderr, exitCode}
}
