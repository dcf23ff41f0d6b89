import {mkdirSync, mkdtempSync, rmSync, statSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, isAbsolute, join, resolve} from 'node:path'

/**
 * Why a path cannot hold a cloud assembly, or undefined when it can: it is an existing
 * directory, or its nearest existing ancestor is a directory in which the missing levels
 * are created now, one mkdir each (never a recursive mkdir, which on /proc or a path
 * through a regular file spins or fails late inside the toolkit).
 */
export function prepareOutputDirectory(path: string): string | undefined {
  const target = resolve(path)
  const missing: string[] = []
  let current = target
  for (;;) {
    let stats
    try {
      stats = statSync(current)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT') return `a directory we can write (${current}: ${code})`
      const parent = dirname(current)
      if (parent === current) return 'a directory we can write'
      missing.unshift(current)
      current = parent
      continue
    }
    if (!stats.isDirectory()) return `a directory (${current} is not one)`
    break
  }
  for (const directory of missing) {
    try {
      mkdirSync(directory)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST' && statSync(directory).isDirectory()) continue
      return `a directory we can create (${directory}: ${code})`
    }
  }
  return undefined
}

/**
 * Where an environment's cloud assembly goes when --output is not given: its own
 * directory under the user's cache, so concurrent runs for different environments never
 * share one (and never leave ./cdk.out behind in whatever directory the user is in).
 */
export function environmentWorkDirectory(region: string, name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), region, name)
}

/**
 * Where one deploy, scale or budget run synthesizes: a fresh directory inside the
 * environment's own, removed when the process exits. Two runs on the SAME environment
 * (the second is then refused by the claim) must not write one assembly while the other
 * validates or deploys it. `synth` keeps the stable environment directory, which it prints.
 */
export function runWorkDirectory(region: string, name: string, env: NodeJS.ProcessEnv = process.env): string {
  const parent = environmentWorkDirectory(region, name, env)
  try {
    mkdirSync(parent, {recursive: true})
    const directory = mkdtempSync(join(parent, 'run-'))
    process.once('exit', () => rmSync(directory, {recursive: true, force: true}))
    return directory
  } catch {
    // An unwritable cache: the toolkit reports the directory it cannot write, as before.
    return parent
  }
}

/** $XDG_CACHE_HOME/aws-research-wizard, or ~/.cache/aws-research-wizard (a relative XDG_CACHE_HOME is ignored, as the spec says). */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), '.cache')
  return join(cache, 'aws-research-wizard')
}
