import type {EnvironmentSpec} from '../spec/types.js'

/**
 * How long the first boot may take before CloudFormation gives up on the hub's
 * readiness signal (the instance's CreationPolicy) and `deploy` stops waiting.
 *
 * Sized generously from the spec: a timeout that fires on a slow but healthy install
 * rolls the whole stack back, while one that is too long only delays the report of a
 * failure the instance normally signals at once (it sends FAILURE, it does not hang).
 *
 * | Part | Minutes | Why |
 * |---|---|---|
 * | base | 30 | apt, the hub's conda environment (JupyterHub, JupyterLab), CloudWatch agent, Mountpoint, users, hub start |
 * | Python kernel | 10 | a conda environment + ipykernel |
 * | R kernel | 20 | r-base and IRkernel; CRAN packages missing from conda-forge compile from source |
 * | Julia kernel | 25 | Julia, IJulia and the precompilation of every package |
 * | packages | 2 per started 10 | solving and downloading grows with the package list |
 * | GPU | 15, and 5 per Python kernel | CUDA builds of PyTorch/TensorFlow are gigabytes each |
 *
 * Capped at CloudFormation's maximum signal timeout of 12 hours.
 */
export const BOOT_TIMEOUT = {
  baseMinutes: 30,
  kernelMinutes: {python: 10, r: 20, julia: 25},
  minutesPerTenPackages: 2,
  gpuMinutes: 15,
  gpuPythonKernelMinutes: 5,
  maxMinutes: 12 * 60,
} as const

type SpecForTimeout = Pick<EnvironmentSpec, 'kernels'> & {readonly instance: Pick<EnvironmentSpec['instance'], 'gpu'>}

/** Minutes the hub may take from launch to ready (see BOOT_TIMEOUT for the parts). */
export function bootTimeoutMinutes(spec: SpecForTimeout): number {
  let minutes: number = BOOT_TIMEOUT.baseMinutes + (spec.instance.gpu ? BOOT_TIMEOUT.gpuMinutes : 0)
  for (const kernel of spec.kernels) {
    minutes += BOOT_TIMEOUT.kernelMinutes[kernel.language] ?? BOOT_TIMEOUT.kernelMinutes.python
    minutes += Math.ceil((kernel.packages?.length ?? 0) / 10) * BOOT_TIMEOUT.minutesPerTenPackages
    if (spec.instance.gpu && kernel.language === 'python') minutes += BOOT_TIMEOUT.gpuPythonKernelMinutes
  }
  return Math.min(minutes, BOOT_TIMEOUT.maxMinutes)
}
