import {describe, expect, it} from 'vitest'
import {installMinutes, installSteps, STEP_MINUTES} from '../../src/lib/instance/install-estimate.js'
import {specFor} from '../helpers/specs.js'

describe('install phase estimate', () => {
  it('has one step per kernel, after the hub, and sums to the total', async () => {
    const spec = await specFor('genomics', {sharedStorage: '1TB'})
    const steps = installSteps(spec)
    expect(steps.map((s) => s.step)).toEqual([
      'system packages',
      'EFS mount helper',
      'Mountpoint for Amazon S3',
      'CloudWatch agent',
      'Miniforge',
      'JupyterHub',
      ...spec.kernels.map((k) => `kernel ${k.name}`),
    ])
    expect(installMinutes(spec)).toBe(Math.ceil(steps.reduce((sum, s) => sum + s.minutes, 0)))
  })

  it('costs more for R and Julia packages and on GPU types', async () => {
    const julia = installSteps(await specFor('scientific-modeling-julia')).find((s) => s.step.startsWith('kernel julia'))!
    expect(julia.minutes).toBeGreaterThan(STEP_MINUTES.kernel.julia)
    const ml = await specFor('machine-learning')
    expect(ml.instance.gpu).toBe(true)
    const python = installSteps(ml).find((s) => s.step.startsWith('kernel'))!
    expect(python.minutes).toBeGreaterThanOrEqual(STEP_MINUTES.kernel.python + STEP_MINUTES.gpuKernel)
  })
})
