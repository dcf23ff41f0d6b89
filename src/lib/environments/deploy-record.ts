import type {AwsClients} from '../../aws/clients.js'
import {DEPLOY_RECORD_KEY} from '../../constructs/contract.js'
import type {DomainPack} from '../../domain-pack/schema.js'
import {ExitCode, WizardError} from '../../errors.js'
import type {ExampleNotebookFile, SpecOverrides} from '../spec/types.js'

/** What an environment was made from, as recorded in its template. */
export interface DeployRecord {
  readonly version: 1
  readonly domain: string
  readonly overrides: SpecOverrides
  readonly pack: DomainPack
  /** The example notebooks deployed with it (absent when there were none). */
  readonly exampleNotebooks?: readonly ExampleNotebookFile[]
}

export interface DeployedTemplate {
  readonly template: {Resources: Record<string, {Type: string}>; Metadata?: Record<string, unknown>; [key: string]: unknown}
  readonly record: DeployRecord
}

/** The deployed template and its deploy record (one GetTemplate call). */
export async function readDeployedTemplate(clients: AwsClients, stackName: string): Promise<DeployedTemplate> {
  const {GetTemplateCommand} = await import('@aws-sdk/client-cloudformation')
  const client = await clients.cloudFormation()
  const {TemplateBody} = await client.send(new GetTemplateCommand({StackName: stackName, TemplateStage: 'Original'}))
  const template = JSON.parse(TemplateBody ?? '{}') as DeployedTemplate['template']
  const raw = template.Metadata?.[DEPLOY_RECORD_KEY]
  let record: DeployRecord | undefined
  try {
    record = typeof raw === 'string' ? (JSON.parse(raw) as DeployRecord) : undefined
  } catch {
    record = undefined
  }
  if (!record || record.version !== 1) {
    throw new WizardError({
      code: 'no-deploy-record',
      message: `Stack ${stackName} carries no aws-research-wizard deploy record, so it cannot be changed safely from here.`,
      actions: ['Redeploy it once with `aws-research-wizard jupyter deploy` (same --domain and --name) to record how it was made.'],
      exitCode: ExitCode.failure,
    })
  }
  return {template, record}
}
