import type {Finding} from '../findings.js'
import type {DomainPack} from '../schema.js'

export interface RuleContext {
  /** Region the pack is being checked for, when known. */
  readonly region?: string
  /** Answers whether a file next to the pack exists; absent means "do not check". */
  readonly fileExists?: (relativePath: string) => boolean
  /** Channel URLs the deploy allows beyond the built-in allow-list (--allow-channel). */
  readonly allowedChannels?: readonly string[]
}

/** A finding before it is located in the source file (path is canonical). */
export type RuleFinding = Omit<Finding, 'file' | 'line' | 'column'>

/** One semantic check beyond what the schema can express. Pure. */
export interface Rule {
  readonly code: string
  readonly description: string
  check(pack: DomainPack, context: RuleContext): RuleFinding[]
}
