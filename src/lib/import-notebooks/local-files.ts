import {lstat, readdir, realpath, stat} from 'node:fs/promises'
import {join, relative, sep} from 'node:path'
import {ExitCode, WizardError} from '../../errors.js'

/** A file to sync: its key relative to the source directory ("/" separated). */
export interface LocalFile {
  readonly path: string
  readonly relativeKey: string
  readonly size: number
}

/** Something in the source that is not synced, and why. */
export interface SkippedPath {
  readonly path: string
  readonly reason: 'hidden' | 'symlink-outside' | 'symlink-directory' | 'not-a-file' | 'unsafe-name'
}

/** Names S3 and the hub both accept as path segments: no control characters, not "." or "..". */
// eslint-disable-next-line no-control-regex
const UNSAFE_SEGMENT = /[\u0000-\u001f\u007f\\]|^\.\.?$/

/**
 * Every regular file below `root`, sorted by key. Hidden files and directories
 * (.ipynb_checkpoints, .git, .DS_Store) are skipped; a symbolic link is followed only
 * when it is a file that resolves inside `root` (a link to a directory could loop,
 * and nothing outside the directory the user named is ever uploaded).
 */
export async function listLocalFiles(root: string): Promise<{files: LocalFile[]; skipped: SkippedPath[]}> {
  const rootInfo = await stat(root).catch(() => undefined)
  if (!rootInfo?.isDirectory())
    throw new WizardError({
      code: 'source-not-a-directory',
      message: `--source ${root} is not a directory.`,
      actions: ['Pass the folder that holds your notebooks.'],
      exitCode: ExitCode.usage,
    })
  const realRoot = await realpath(root)
  const files: LocalFile[] = []
  const skipped: SkippedPath[] = []
  const walk = async (directory: string): Promise<void> => {
    const entries = await readdir(directory, {withFileTypes: true})
    for (const entry of entries) {
      const path = join(directory, entry.name)
      if (entry.name.startsWith('.')) {
        skipped.push({path, reason: 'hidden'})
        continue
      }
      if (UNSAFE_SEGMENT.test(entry.name)) {
        skipped.push({path, reason: 'unsafe-name'})
        continue
      }
      if (entry.isDirectory()) {
        await walk(path)
        continue
      }
      let info = await lstat(path)
      if (info.isSymbolicLink()) {
        const target = await realpath(path).catch(() => undefined)
        const inside = target !== undefined && (target === realRoot || target.startsWith(realRoot + sep))
        const targetInfo = target ? await stat(target) : undefined
        if (!inside || !targetInfo) {
          skipped.push({path, reason: 'symlink-outside'})
          continue
        }
        if (!targetInfo.isFile()) {
          skipped.push({path, reason: 'symlink-directory'})
          continue
        }
        info = targetInfo
      }
      if (!info.isFile()) {
        skipped.push({path, reason: 'not-a-file'})
        continue
      }
      files.push({path, relativeKey: relative(root, path).split(sep).join('/'), size: info.size})
    }
  }
  await walk(root)
  files.sort((a, b) => (a.relativeKey < b.relativeKey ? -1 : a.relativeKey > b.relativeKey ? 1 : 0))
  return {files, skipped}
}
