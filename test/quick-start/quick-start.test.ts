import {describe, expect, it} from 'vitest'
import {missingFlags, type Prompter, resolveAnswers} from '../../src/lib/quick-start/answers.js'
import {buildChecklist, examplesFromBootStatus, renderChecklist} from '../../src/lib/quick-start/checklist.js'
import {packChoices} from '../../src/lib/quick-start/pack-choices.js'
import type {BootStatus} from '../../src/lib/readiness/boot-status.js'
import {specFor} from '../helpers/specs.js'

/** A person at the terminal, answering from a script; records what they were asked. */
function scripted(replies: string[]): Prompter & {asked: string[]; choices: string[][]} {
  const asked: string[] = []
  const choices: string[][] = []
  return {
    asked,
    choices,
    select: async (message, options) => {
      asked.push(message)
      choices.push(options.map((o) => `${o.name} | ${o.description ?? ''}`))
      return replies.shift()!
    },
    text: async (message, options) => {
      asked.push(message)
      const reply = replies.shift()!
      const verdict = options.validate(reply)
      if (verdict !== true) throw new Error(`refused: ${verdict}`)
      return reply
    },
  }
}

describe('quick-start answers', () => {
  it('asks only what the flags do not give, in order', async () => {
    const person = scripted(['lab1', '400', 'pi@uni.edu', 'private'])
    const answers = await resolveAnswers({domain: 'genomics', 'team-size': 5}, person, async () => [])
    expect(answers).toEqual({domain: 'genomics', teamSize: 5, name: 'lab1', budget: 400, adminEmail: 'pi@uni.edu', access: 'private'})
    expect(person.asked).toEqual([
      'Name of the environment (stack arw-<name>)?',
      'Monthly budget in USD (alerts by e-mail)?',
      'Administrator e-mail?',
      'How will people reach the hub?',
    ])
  })

  it('checks typed answers with the flag checks', async () => {
    await expect(
      resolveAnswers({domain: 'genomics', 'team-size': 5, name: 'lab1', budget: 1}, scripted(['not-an-email']), async () => []),
    ).rejects.toThrow(/refused: Expected an e-mail address/)
    await expect(resolveAnswers({domain: 'genomics'}, scripted(['five']), async () => [])).rejects.toThrow(/refused/)
  })

  it('offers every shipped pack with its one-line description and monthly estimate', async () => {
    const packs = await packChoices({region: 'us-east-1', users: 5})
    expect(packs.map((p) => p.name)).toContain('genomics')
    for (const pack of packs) {
      expect(pack.summary.length, pack.name).toBeGreaterThan(0)
      expect(pack.summary.length).toBeLessThanOrEqual(100)
      expect(pack.monthlyUsd, pack.name).toBeGreaterThan(0)
    }
    const person = scripted(['genomics', '5', 'lab1', '500', 'pi@uni.edu', 'public'])
    await resolveAnswers({}, person, async () => packs)
    expect(person.choices[0]!.find((c) => c.startsWith('genomics'))).toMatch(/^genomics\s+~\$\d[\d,]*\/month\s+\S.* \| \S/)
  })

  it('without a terminal, the missing flags are named', async () => {
    expect(missingFlags({domain: 'genomics', users: 3})).toEqual(['--name', '--budget', '--admin-email', '--access'])
    await expect(resolveAnswers({}, undefined, async () => [])).rejects.toMatchObject({code: 'missing-answers', exitCode: 2})
  })
})

describe('quick-start checklist', () => {
  const ready: BootStatus = {phase: 'ready', kernels: {python: 'ok', r: 'ok'}}
  const base = async (notebookExamples: boolean) => ({
    spec: {...(await specFor('genomics', {monthlyBudgetUsd: 500, adminEmail: 'pi@uni.edu'})), notebookExamples},
    outputs: {InstanceType: 'r6i.2xlarge', HubUrl: 'https://d1.cloudfront.net'},
    access: 'https://d1.cloudfront.net',
    bin: 'aws-research-wizard',
  })

  it('is all ✅ only when the hub reported ready, its kernels ok and its examples', async () => {
    const text = renderChecklist(buildChecklist({...(await base(true)), hub: ready, examplesReported: 3}))
    expect(text).toBe(
      [
        '✅ JupyterHub deployed on r6i.2xlarge',
        '✅ Genomics and Bioinformatics kernels configured (python, r)',
        '✅ Example notebooks installed (3 in /shared/examples)',
        '✅ Cost tracking enabled (budget $500/month, alerts to pi@uni.edu)',
        '🌐 Access: https://d1.cloudfront.net',
        '👥 User management: aws-research-wizard jupyter users add lab1 <email>',
      ].join('\n'),
    )
  })

  it('says what it did not see', async () => {
    const failed = buildChecklist({...(await base(true)), hub: {phase: 'ready', kernels: {python: 'ok', r: 'failed: conda'}}})
    expect(failed.items.map((i) => i.state)).toEqual(['done', 'failed', 'not-reported', 'done'])
    const booting = buildChecklist({...(await base(false)), hub: {phase: 'install', kernels: {}}})
    expect(booting.items.map((i) => i.state)).toEqual(['pending', 'pending', 'done'])
    const none = buildChecklist(await base(true))
    expect(none.items[0]!.text).toMatch(/still booting/)
  })

  it('reads the examples count only when it is a sane number', () => {
    expect(examplesFromBootStatus('{"examples": 4}')).toBe(4)
    expect(examplesFromBootStatus('{"examples": {"installed": 2}}')).toBe(2)
    for (const raw of ['{"examples": "4"}', '{"examples": -1}', '{}', 'not json', undefined])
      expect(examplesFromBootStatus(raw)).toBeUndefined()
  })
})
