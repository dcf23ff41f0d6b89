import type {Finding} from '../../domain-pack/findings.js'
import {ExitCode, WizardError} from '../../errors.js'
import {requirePack} from '../domain/require-pack.js'
import {USER_DATA_LIMIT_BYTES, userDataSize} from '../instance/user-data.js'
import {readExampleNotebooks} from '../spec/example-notebooks.js'
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
  const loaded = await requirePack(domain, {packDirs: options.packDirs, allowedChannels: overrides.allowChannels})
  // Read only when they go to the hub: they travel in the user data, which is capped.
  const examples =
    (overrides.notebookExamples ?? loaded.pack.notebook_examples ?? true)
      ? readExampleNotebooks(loaded.pack, loaded.file)
      : {notebooks: [], findings: []}
  const resolved = resolveSpec(loaded.name, loaded.pack, overrides, examples.notebooks)
  const findings = [...examples.findings, ...resolved.findings]
  let spec = examples.findings.some((f) => f.level === 'error') ? undefined : resolved.spec
  if (spec) {
    const size = userDataSize(spec)
    if (size > USER_DATA_LIMIT_BYTES) {
      findings.push({
        code: 'user-data-too-large',
        level: 'error',
        path: '/kernels',
        message: `The instance bootstrap for this pack is ${size} bytes; EC2 accepts at most ${USER_DATA_LIMIT_BYTES}.`,
        remedy:
          spec.exampleNotebooks.length > 0
            ? "Shorten the kernels' package lists or the example notebooks (clear their outputs), or deploy with --no-notebook-examples."
            : "Shorten the kernels' package lists (put rarely used packages in a requirements file users install themselves) or split the pack.",
      })
      spec = undefined
    }
  }
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
