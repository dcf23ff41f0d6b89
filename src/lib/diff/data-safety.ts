import {fullDiff, ResourceImpact} from '@aws-cdk/cloudformation-diff'

/** Resource types that hold users' data: never replaced or deleted by an update. */
export const DATA_BEARING_TYPES = ['AWS::EC2::Volume', 'AWS::EFS::FileSystem', 'AWS::S3::Bucket', 'AWS::Cognito::UserPool'] as const

export interface ResourceChange {
  readonly logicalId: string
  readonly type: string
  readonly impact: 'update' | 'replace' | 'may-replace' | 'destroy' | 'add' | 'no-change' | 'orphan'
  readonly dataBearing: boolean
  readonly properties: readonly string[]
}

const IMPACT: Record<string, ResourceChange['impact']> = {
  [ResourceImpact.WILL_UPDATE]: 'update',
  [ResourceImpact.WILL_REPLACE]: 'replace',
  [ResourceImpact.MAY_REPLACE]: 'may-replace',
  [ResourceImpact.WILL_DESTROY]: 'destroy',
  [ResourceImpact.WILL_ORPHAN]: 'orphan',
  [ResourceImpact.WILL_CREATE]: 'add',
  [ResourceImpact.NO_CHANGE]: 'no-change',
}

type Template = {Resources?: Record<string, unknown>; [key: string]: unknown}

/**
 * Drops resource metadata the CDK adds for its own tooling (construct paths, asset
 * hints): it depends on how the app was synthesized, not on what gets deployed.
 */
function withoutToolingMetadata(template: Template): Template {
  const resources = Object.fromEntries(
    Object.entries((template.Resources ?? {}) as Record<string, Record<string, unknown>>).map(([id, resource]) => {
      const {Metadata, ...rest} = resource
      const kept = Object.fromEntries(
        Object.entries((Metadata ?? {}) as Record<string, unknown>).filter(
          ([key]) => !key.startsWith('aws:cdk:') && !key.startsWith('aws:asset:'),
        ),
      )
      return [id, Object.keys(kept).length > 0 ? {...rest, Metadata: kept} : rest]
    }),
  )
  return {...template, Resources: resources}
}

/** What changing `current` into `next` does to each resource, data-bearing ones flagged. */
export function classifyChanges(current: Template, next: Template): ResourceChange[] {
  const diff = fullDiff(
    withoutToolingMetadata(current) as {[key: string]: unknown},
    withoutToolingMetadata(next) as {[key: string]: unknown},
  )
  const changes: ResourceChange[] = []
  diff.resources.forEachDifference((logicalId, change) => {
    const type = change.newResourceType ?? change.oldResourceType ?? 'unknown'
    changes.push({
      logicalId,
      type,
      impact: IMPACT[change.changeImpact] ?? 'update',
      dataBearing: (DATA_BEARING_TYPES as readonly string[]).includes(type),
      properties: Object.keys(change.propertyUpdates),
    })
  })
  return changes.sort((a, b) => a.logicalId.localeCompare(b.logicalId))
}

/** Changes that would lose or detach user data. */
export function dataLossRisks(changes: readonly ResourceChange[]): ResourceChange[] {
  return changes.filter((c) => c.dataBearing && (c.impact === 'replace' || c.impact === 'may-replace' || c.impact === 'destroy'))
}
