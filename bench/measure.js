// Measuring helpers for bench/run.js: wall time and peak RSS of whole processes.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/**
 * Runs a command `runs` times after `warmup` discarded runs. Wall time from the
 * parent's clock; peak RSS from GNU time (the largest process of the tree it waited for).
 */
export function measure(command, args, {cwd, env, runs = 7, warmup = 1} = {}) {
  const timeFile = join(mkdtempSync(join(tmpdir(), 'bench-')), 'time')
  const walls = []
  const rss = []
  for (let i = 0; i < warmup + runs; i++) {
    const started = process.hrtime.bigint()
    const result = spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, command, ...args], {
      cwd,
      env: {...process.env, ...env},
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    })
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${String(result.stderr).slice(-2000)}`)
    if (i < warmup) continue
    walls.push(wallMs)
    rss.push(Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop()) / 1024)
  }
  return {wallMs: Math.round(median(walls)), rssMiB: Math.round(median(rss)), runs}
}
