import {listPacks} from '../domain/list-packs.js'
import {prepareEnvironment} from '../deploy/prepare.js'
import {estimateCost} from '../spec/estimate.js'

/** One line of the pack question: what the pack is for and what it costs a month. */
export interface PackChoice {
  readonly name: string
  readonly title: string
  /** The pack's description, first sentence, at most ~100 characters. */
  readonly summary: string
  /** Typical month (auto-shutdown, 176 h active) for the team size asked, when the pack resolves. */
  readonly monthlyUsd?: number
  readonly instanceType?: string
}

function firstSentence(text: string | undefined, max = 100): string {
  const sentence =
    (text ?? '')
      .replace(/\s+/g, ' ')
      .trim()
      .split(/(?<=[.!?])\s/)[0] ?? ''
  return sentence.length > max ? `${sentence.slice(0, max - 1)}…` : sentence
}

/**
 * Every valid pack with its estimate for this team, priced by the same estimate `deploy`
 * prints (no AWS calls). A pack that does not resolve for the team is listed without a price.
 */
export async function packChoices(options: {packDirs?: readonly string[]; region: string; users?: number}): Promise<PackChoice[]> {
  const packs = (await listPacks({packDirs: options.packDirs})).filter((p) => p.valid)
  return Promise.all(
    packs.map(async (pack): Promise<PackChoice> => {
      try {
        const {spec} = await prepareEnvironment(
          pack.file,
          {name: 'quick-start', region: options.region, owner: 'quick-start', ...(options.users ? {users: options.users} : {})},
          {packDirs: options.packDirs},
        )
        return {
          name: pack.name,
          title: pack.title,
          summary: firstSentence(spec.pack.description),
          monthlyUsd: estimateCost(spec).monthlyTypicalUsd,
          instanceType: spec.instance.type,
        }
      } catch {
        return {name: pack.name, title: pack.title, summary: ''}
      }
    }),
  )
}
