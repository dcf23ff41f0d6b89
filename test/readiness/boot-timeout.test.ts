import {describe, expect, it} from 'vitest'
import type {Kernel} from '../../src/domain-pack/schema.js'
import {BOOT_TIMEOUT, bootTimeoutMinutes} from '../../src/lib/readiness/boot-timeout.js'
import {SHIPPED_PACKS, specFor} from '../helpers/specs.js'

const k = (language: Kernel['language'], packages = 0): Kernel =>
  ({name: language, display_name: language, language, packages: Array.from({length: packages}, (_, i) => `p${i}`)}) as Kernel

describe('bootTimeoutMinutes', () => {
  it.each([
    ['one bare Python kernel', [k('python')], false, 30 + 10],
    ['Python with 10 packages', [k('python', 10)], false, 30 + 10 + 2],
    ['Python with 11 packages', [k('python', 11)], false, 30 + 10 + 4],
    ['R', [k('r')], false, 30 + 20],
    ['Julia', [k('julia')], false, 30 + 25],
    ['Python + R + Julia', [k('python'), k('r'), k('julia')], false, 30 + 10 + 20 + 25],
    ['GPU, one Python kernel', [k('python')], true, 30 + 15 + 10 + 5],
    ['GPU, one R kernel (no CUDA wheels)', [k('r')], true, 30 + 15 + 20],
    ['capped at 12 hours', Array.from({length: 20}, () => k('julia', 500)), true, 720],
  ])('%s: %i minutes', (_name, kernels, gpu, minutes) => {
    expect(bootTimeoutMinutes({kernels: kernels as Kernel[], instance: {gpu: gpu as boolean}})).toBe(minutes)
  })

  it.each(SHIPPED_PACKS)('%s: between 40 minutes and the CloudFormation maximum', async (pack) => {
    const minutes = bootTimeoutMinutes(await specFor(pack))
    expect(minutes).toBeGreaterThanOrEqual(40)
    expect(minutes).toBeLessThanOrEqual(BOOT_TIMEOUT.maxMinutes)
  })
})
