import type {Finding} from '../../domain-pack/findings.js'
import {ExitCode, WizardError} from '../../errors.js'
import {requirePack} from '../domain/require-pack.js'
import {resolveSpec} from '../spec/resolve-spec.js'
import type {EnvironmentSpec, SpecOverrides} from '../spec/types.js'

export interface PreparedEnvironment {
  readonly spec: EnvironmentSpec
  readonly packFile: string
  /** Warnings and notes about the pack and the flag combination. */
  readonly findings: readonly Omit<Finding, 'file' | 'line' | 'column'>[]
}

/** Pack name/path + flags -> validated spec, or a coded error listing every problem. */
export async function prepareEnvironment(
  domain: string,
  overrides: SpecOverrides,
  options: {packDirs?: readonly string[]} = {},
): Promise<PreparedEnvironment> {
  const loaded = await requirePack(domain, {packDirs: options.packDirs})
  const {spec, findings} = resolveSpec(loaded.name, loaded.pack, overrides)
  if (!spec) {
    const errors = findings.filter((f) => f.level === 'error')
    throw new WizardError({
      code: 'invalid-environment',
      message: `The ${loaded.name} pack cannot be deployed with these options:\n${errors.map((f) => `  ${f.path} ${f.code}: ${f.message}\n    fix: ${f.remedy}`).join('\n')}`,
      actions: errors.map((f) => f.remedy),
      exitCode: ExitCode.usage,
      data: {findings},
    })
  }
  return {spec, packFile: loaded.file, findings: [...loaded.findings.filter((f) => f.level !== 'info'), ...findings]}
}
