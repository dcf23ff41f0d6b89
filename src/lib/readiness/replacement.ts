import type {ResourceChange} from '../diff/data-safety.js'

/** What an update does to the running hub, beyond data safety (see dataLossRisks). */
export interface HubDisruption {
  readonly logicalId: string
  /** replace: a new instance (sessions end, the install runs again). restart: EC2 stops and starts it. */
  readonly kind: 'replace' | 'restart'
  readonly properties: readonly string[]
  /** One sentence for the change preview. */
  readonly message: string
}

/**
 * Instance properties CloudFormation updates with a stop and start ("some
 * interruption"): running kernels die, the instance and /home stay.
 */
const RESTART_PROPERTIES = ['InstanceType', 'UserData', 'EbsOptimized', 'KernelId', 'RamdiskId']

/**
 * The hub instance changes of an update that users notice, for the preview to show
 * (and to require confirmation for) alongside the data-safety check. A replacement is
 * the big one: every session ends and the new instance installs from scratch (up to
 * `bootMinutes`), though /home, /shared and the buckets are kept.
 */
export function describeReplacement(changes: readonly ResourceChange[], bootMinutes?: number): HubDisruption[] {
  const within = bootMinutes ? ` (up to ${bootMinutes} minutes)` : ''
  return changes
    .filter((c) => c.type === 'AWS::EC2::Instance')
    .flatMap((c): HubDisruption[] => {
      const what = c.properties.length > 0 ? c.properties.join(', ') : 'its definition'
      // The resource specification calls an InstanceType change "conditional" (instance-store
      // roots are replaced); the hub's root is EBS, so EC2 stops and starts it instead.
      const restartOnly = c.properties.length > 0 && c.properties.every((p) => RESTART_PROPERTIES.includes(p))
      if (
        c.impact === 'replace' ||
        (c.impact === 'may-replace' && !restartOnly) ||
        (c.impact === 'update' && c.properties.includes('ImageId'))
      ) {
        const image = c.properties.includes('ImageId') ? ' on a new image' : ''
        return [
          {
            logicalId: c.logicalId,
            kind: 'replace',
            properties: c.properties,
            message: `The hub instance ${c.impact === 'may-replace' ? 'may be' : 'will be'} replaced${image} (${what} changed): every running session ends and the new instance installs again${within} before the hub answers; /home, /shared and the notebook bucket are kept.`,
          },
        ]
      }
      if ((c.impact === 'update' || c.impact === 'may-replace') && c.properties.some((p) => RESTART_PROPERTIES.includes(p))) {
        return [
          {
            logicalId: c.logicalId,
            kind: 'restart',
            properties: c.properties,
            message: `The hub instance will be stopped and started (${what} changed): running kernels end; the instance and its data stay.`,
          },
        ]
      }
      if (c.impact === 'destroy') {
        return [{logicalId: c.logicalId, kind: 'replace', properties: c.properties, message: 'The hub instance will be removed.'}]
      }
      return []
    })
}
