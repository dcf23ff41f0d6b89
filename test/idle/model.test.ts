import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {decideIdle, type IdleObservation, idleSettings, type IdleState, loadIdleModel} from '../../src/lib/idle/model.js'

interface Step {
  minute: number
  boot?: boolean
  observation?: Record<string, number | boolean | null>
  expect: Record<string, unknown>
}
interface Table {
  bootTime: number
  config: Record<string, unknown>
  quiet: Record<string, number | boolean | null>
  scenarios: {name: string; config?: Record<string, unknown>; steps: Step[]}[]
}

// The same table test/instance/py/test_idle_agent.py runs against the instance's agent.
const table = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'idle', 'scenarios.json'), 'utf8')) as Table
const model = loadIdleModel()

describe('the idleness model (shared scenarios)', () => {
  it('covers the cases the agent and status must agree on', () => {
    expect(table.scenarios.length).toBeGreaterThanOrEqual(9)
  })

  it.each(table.scenarios.map((s) => [s.name, s] as const))('%s', (_name, scenario) => {
    const settings = idleSettings(model, {...table.config, ...scenario.config})
    let state: IdleState = {}
    let boot = table.bootTime
    for (const step of scenario.steps) {
      const now = table.bootTime + step.minute * 60
      if (step.boot) boot = now
      const observation = {...table.quiet, ...step.observation, now, bootTime: boot} as IdleObservation
      const result = decideIdle(model, settings, state, observation)
      state = result.state
      const picked = Object.fromEntries(
        Object.keys(step.expect).map((k) => [k, (result.decision as unknown as Record<string, unknown>)[k]]),
      )
      expect(picked, `minute ${step.minute}`).toEqual(step.expect)
    }
  })
})
