import {ExitCode, WizardError} from '../../errors.js'
import {checkBudget, checkEmail, checkEnvironmentName, checkUsers} from '../spec/flag-values.js'
import type {PackChoice} from './pack-choices.js'

/** What quick-start needs before it can plan: each answer is a deploy flag. */
export interface QuickStartAnswers {
  readonly domain: string
  readonly name: string
  readonly teamSize: number
  readonly budget: number
  readonly adminEmail: string
  readonly access: 'public' | 'private'
}

export interface QuickStartFlagValues {
  domain?: string
  name?: string
  'team-size'?: number
  users?: number
  budget?: number
  'admin-email'?: string
  access?: string
}

/** The questions a person is asked; the prompts live in the command (no terminal code here). */
export interface Prompter {
  select(message: string, choices: readonly {name: string; value: string; short?: string; description?: string}[]): Promise<string>
  text(message: string, options: {default?: string; validate: (value: string) => string | true}): Promise<string>
}

/** Answers and the flags that give them, in the order they are asked. */
const FLAG_OF: Record<keyof QuickStartAnswers, string> = {
  domain: '--domain',
  teamSize: '--team-size',
  name: '--name',
  budget: '--budget',
  adminEmail: '--admin-email',
  access: '--access',
}

function given(flags: QuickStartFlagValues): Partial<QuickStartAnswers> {
  const teamSize = flags['team-size'] ?? flags.users
  return {
    ...(flags.domain ? {domain: flags.domain} : {}),
    ...(flags.name ? {name: flags.name} : {}),
    ...(teamSize === undefined ? {} : {teamSize}),
    ...(flags.budget === undefined ? {} : {budget: flags.budget}),
    ...(flags['admin-email'] ? {adminEmail: flags['admin-email']} : {}),
    ...(flags.access ? {access: flags.access as 'public' | 'private'} : {}),
  }
}

/** The flags still missing, named as on the command line. */
export function missingFlags(flags: QuickStartFlagValues): string[] {
  const answers = given(flags)
  return (Object.keys(FLAG_OF) as (keyof QuickStartAnswers)[]).filter((key) => answers[key] === undefined).map((key) => FLAG_OF[key])
}

export function missingAnswersError(missing: readonly string[]): WizardError {
  return new WizardError({
    code: 'missing-answers',
    message: `quick-start has no terminal to ask for ${missing.join(', ')}.`,
    actions: [`Pass ${missing.map((flag) => `${flag} ...`).join(' ')} (see --help), or run it in a terminal to be asked.`],
    exitCode: ExitCode.usage,
    data: {missing},
  })
}

const validator = (check: (value: string) => string | undefined) => (value: string) => {
  const expected = check(value.trim())
  return expected ? `Expected ${expected}.` : true
}
const integer = (check: (value: number) => string | undefined) => (value: string) =>
  /^\d{1,9}$/.test(value.trim()) ? check(Number(value)) : 'a whole number'

const usd = (amount: number) => `$${amount.toLocaleString('en-US', {maximumFractionDigits: 0})}`

/**
 * Flags first; what is missing is asked (with the same checks the flags use), or, with
 * no one to ask, a usage error naming every missing flag at once.
 */
export async function resolveAnswers(
  flags: QuickStartFlagValues,
  prompter: Prompter | undefined,
  choices: (teamSize: number | undefined) => Promise<PackChoice[]>,
): Promise<QuickStartAnswers> {
  const answers: {-readonly [K in keyof QuickStartAnswers]?: QuickStartAnswers[K]} = given(flags)
  const missing = missingFlags(flags)
  if (missing.length === 0) return answers as QuickStartAnswers
  if (!prompter) throw missingAnswersError(missing)
  if (answers.domain === undefined) {
    const packs = await choices(answers.teamSize)
    const width = Math.max(0, ...packs.map((p) => p.name.length))
    answers.domain = await prompter.select(
      `Which research domain? (estimates for ${answers.teamSize ?? "each pack's default"} users, typical use with auto-shutdown)`,
      packs.map((p) => ({
        name: `${p.name.padEnd(width)}  ${(p.monthlyUsd === undefined ? '' : `~${usd(p.monthlyUsd)}/month`).padEnd(14)}  ${p.title}`,
        value: p.name,
        short: p.name,
        description: p.summary,
      })),
    )
  }
  if (answers.teamSize === undefined) {
    answers.teamSize = Number(
      await prompter.text('How many people will use it at the same time?', {default: '5', validate: validator(integer(checkUsers))}),
    )
  }
  if (answers.name === undefined) {
    const suggestion = `${answers.domain.replace(/[^a-z0-9-]/g, '').slice(0, 20) || 'research'}-lab`
    answers.name = (
      await prompter.text('Name of the environment (stack arw-<name>)?', {default: suggestion, validate: validator(checkEnvironmentName)})
    ).trim()
  }
  if (answers.budget === undefined) {
    answers.budget = Number(
      await prompter.text('Monthly budget in USD (alerts by e-mail)?', {default: '500', validate: validator(integer(checkBudget))}),
    )
  }
  if (answers.adminEmail === undefined) {
    answers.adminEmail = (await prompter.text('Administrator e-mail?', {validate: validator(checkEmail)})).trim()
  }
  if (answers.access === undefined) {
    answers.access = (await prompter.select('How will people reach the hub?', [
      {name: 'public  - HTTPS address, sign-in with e-mail and password', value: 'public', short: 'public'},
      {name: 'private - no public endpoint; Session Manager port forwarding', value: 'private', short: 'private'},
    ])) as 'public' | 'private'
  }
  return answers as QuickStartAnswers
}
