import {describe, expect, it} from 'vitest'
import {WizardError} from '../../src/errors.js'
import {runWithProgress} from '../../src/output/progress.js'

describe('runWithProgress', () => {
  it('rethrows the step error itself (code, actions, exit code) after the progress display fails the task', async () => {
    const error = new WizardError({code: 'invalid-environment', message: 'first line\n  details', actions: ['fix it'], exitCode: 2})
    const ran: string[] = []
    const result = runWithProgress(
      [
        {title: 'one', run: () => void ran.push('one')},
        {title: 'two', run: () => Promise.reject(error)},
        {title: 'three', run: () => void ran.push('three')},
      ],
      {},
      {quiet: false},
    )
    await expect(result).rejects.toBe(error)
    expect(ran).toEqual(['one'])
  })
})
