import type {EnvironmentSpec} from '../spec/types.js'

/** One step of the instance's install phase (templates/instance/install/install.py). */
export interface InstallStep {
  readonly step: string
  readonly minutes: number
}

/**
 * Planning figures for a fresh instance, in minutes, for the steps install.py runs.
 * They are estimates, not measurements: nothing can be downloaded where the tests run.
 * Conda solves and downloads dominate; R and Julia packages compile or precompile on
 * first install, and CUDA builds are large downloads.
 */
export const STEP_MINUTES = {
  systemPackages: 1.5,
  efsUtils: 1,
  mountpoint: 0.5,
  cloudwatchAgent: 0.5,
  miniforge: 1,
  hub: 3,
  kernel: {python: 3, r: 5, julia: 8},
  perPackage: {python: 0.15, r: 0.5, julia: 1.5},
  gpuKernel: 4,
} as const

/** The install phase's steps for a spec, with their estimated minutes. */
export function installSteps(spec: EnvironmentSpec): InstallStep[] {
  const steps: InstallStep[] = [{step: 'system packages', minutes: STEP_MINUTES.systemPackages}]
  if (spec.storage.sharedFileSystem) steps.push({step: 'EFS mount helper', minutes: STEP_MINUTES.efsUtils})
  if (spec.dataMounts.length > 0) steps.push({step: 'Mountpoint for Amazon S3', minutes: STEP_MINUTES.mountpoint})
  steps.push(
    {step: 'CloudWatch agent', minutes: STEP_MINUTES.cloudwatchAgent},
    {step: 'Miniforge', minutes: STEP_MINUTES.miniforge},
    {step: 'JupyterHub', minutes: STEP_MINUTES.hub},
  )
  for (const kernel of spec.kernels) {
    const language = kernel.language as keyof typeof STEP_MINUTES.kernel
    const packages = kernel.packages?.length ?? 0
    const minutes =
      STEP_MINUTES.kernel[language] + packages * STEP_MINUTES.perPackage[language] + (spec.instance.gpu ? STEP_MINUTES.gpuKernel : 0)
    steps.push({step: `kernel ${kernel.name}`, minutes: Math.round(minutes * 10) / 10})
  }
  return steps
}

/** Estimated minutes from first boot to a ready hub on a fresh image. */
export function installMinutes(spec: EnvironmentSpec): number {
  return Math.ceil(installSteps(spec).reduce((sum, s) => sum + s.minutes, 0))
}
