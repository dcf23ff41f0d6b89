import type {AwsClients} from '../../aws/clients.js'
import {OUTPUTS} from '../../constructs/contract.js'
import {prepareEnvironment} from '../deploy/prepare.js'
import {getEnvironment} from '../environments/discover.js'
import type {ApplyResult} from '../lifecycle/apply.js'
import {portForwardCommand} from '../lifecycle/status.js'
import type {BootStatus} from '../readiness/boot-status.js'
import type {SpecOverrides} from '../spec/types.js'
import {buildChecklist, type QuickStartChecklist} from './checklist.js'
import {readHubReport} from './read-hub-report.js'

export interface ClosingInput {
  readonly domain: string
  /** The overrides deploy resolved its spec from (resolved again here: pure, the same spec). */
  readonly overrides: SpecOverrides
  readonly packDirs?: readonly string[]
  readonly deployment: ApplyResult
  /** The boot status deploy followed, if it followed the hub. */
  readonly hub?: BootStatus
  readonly bin: string
}

/** Gathers what the checklist may claim: the stack's outputs and the hub's own report. */
export async function closingChecklist(clients: AwsClients, input: ClosingInput): Promise<QuickStartChecklist> {
  const {spec} = await prepareEnvironment(input.domain, input.overrides, {packDirs: input.packDirs})
  // A deploy that changed nothing returns no outputs: read them from the stack.
  let outputs = input.deployment.outputs
  if (!outputs.InstanceId) {
    const record = await getEnvironment(clients, spec.name)
    const fromStack = Object.entries(record.outputs).map(([field, value]) => [OUTPUTS[field as keyof typeof OUTPUTS], value])
    outputs = {...Object.fromEntries(fromStack), ...outputs}
  }
  // Deploy followed the hub only if it (re)started it; otherwise ask the hub's own report.
  const report = await readHubReport(clients, spec.name)
  const hub = input.hub ?? report.status
  const access =
    spec.access === 'public'
      ? (outputs.HubUrl ?? '(see the HubUrl output)')
      : `${portForwardCommand(outputs.InstanceId ?? '<instance-id>', spec.region)}, then http://localhost:8000`
  return buildChecklist({
    spec,
    outputs,
    ...(hub ? {hub} : {}),
    ...(report.examples === undefined ? {} : {examplesReported: report.examples}),
    access,
    bin: input.bin,
  })
}
