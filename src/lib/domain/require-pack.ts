import {formatFindingLine} from '../../domain-pack/findings.js'
import {type LoadedPack, loadPackFile} from '../../domain-pack/load.js'
import {resolvePack} from '../../domain-pack/resolve.js'
import type {DomainPack} from '../../domain-pack/schema.js'
import {ExitCode, WizardError} from '../../errors.js'
import {escapeControl} from '../../output/sanitize.js'

export interface RequiredPack extends LoadedPack {
  readonly pack: DomainPack
  readonly name: string
}

/** Loads a pack by name or path, or fails with exit 3 listing every error. */
export async function requirePack(
  nameOrPath: string,
  options: {packDirs?: readonly string[]; region?: string; allowedChannels?: readonly string[]} = {},
): Promise<RequiredPack> {
  const location = resolvePack(nameOrPath, {packDirs: options.packDirs})
  const loaded = await loadPackFile(location.file, {region: options.region, allowedChannels: options.allowedChannels})
  if (!loaded.pack) {
    const errors = loaded.findings.filter((f) => f.level === 'error')
    throw new WizardError({
      code: 'invalid-pack',
      message: `Domain pack ${escapeControl(location.name)} has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${errors.map((f) => `  ${formatFindingLine(f)}\n    fix: ${f.remedy}`).join('\n')}`,
      actions: [`Run \`aws-research-wizard domain validate ${escapeControl(nameOrPath)}\` after fixing the pack.`],
      exitCode: ExitCode.invalidPack,
      data: {findings: loaded.findings},
    })
  }
  return {...loaded, pack: loaded.pack, name: location.name}
}
