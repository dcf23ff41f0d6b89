import {CloudFormationClient, DescribeStacksCommand, GetTemplateCommand} from '@aws-sdk/client-cloudformation'
import {DeleteParameterCommand, PutParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {beforeEach, describe, expect, it, vi} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {assertBudgetOnly, budgetOverrides} from '../../src/lib/cost/budget-change.js'
import {synthesize} from '../../src/lib/synth/synthesize.js'
import {specFor} from '../helpers/specs.js'
import {stackFor} from './fixtures.js'

vi.mock('../../src/lib/deploy/engine.js', () => ({
  deployEnvironment: vi.fn(async (spec: {stackName: string}) => ({
    stackName: spec.stackName,
    outputs: {InstanceId: 'i-0alpha0000000000'},
    events: [],
  })),
}))
const {deployEnvironment} = await import('../../src/lib/deploy/engine.js')
const {executeApply, prepareApply, respecFromDeployed} = await import('../../src/lib/lifecycle/apply.js')

const cfn = mockClient(CloudFormationClient)
// The update claim (/arw/<env>/creating) is taken and released around the change.
const ssm = mockClient(SSMClient)
const clients = () => new AwsClients({region: 'us-east-1'})
const outdir = () => mkdtempSync(join(tmpdir(), 'budget-'))

/** An environment deployed with a $300 budget; `edit` changes the deployed template (drift, older versions). */
async function deployed(
  edit: (template: {Resources: Record<string, {Type: string; Properties?: Record<string, unknown>}>}) => void = () => {},
) {
  const spec = await specFor('genomics', {monthlyBudgetUsd: 300})
  const template = (await synthesize([spec], {outdir: outdir(), validateTemplates: false, nag: false})).stacks[0]!.template as never
  edit(template)
  cfn.on(DescribeStacksCommand).resolves({Stacks: [stackFor('lab1')]})
  cfn.on(GetTemplateCommand).resolves({TemplateBody: JSON.stringify(template)})
}

beforeEach(() => {
  cfn.reset()
  ssm.reset()
  ssm.on(PutParameterCommand).resolves({Version: 1})
  ssm.on(DeleteParameterCommand).resolves({})
  vi.mocked(deployEnvironment).mockClear()
})

describe('jupyter budget: through the stack, nothing else', () => {
  it('changes only the budget, and the new values are in the deploy record for later updates', async () => {
    await deployed()
    const change = budgetOverrides({monthlyUsd: 500, alertPercents: [50, 80, 100], emails: ['pi@example.org'], stopAtLimit: true})
    const {spec, deployed: current} = await respecFromDeployed(clients(), 'lab1', change)
    const prepared = await prepareApply(spec, {clients: clients(), outdir: outdir(), deployed: current, validateTemplates: false})
    expect(prepared.preview.changes.map((c) => [c.type, c.impact])).toEqual(
      expect.arrayContaining([
        ['AWS::Budgets::Budget', 'replace'],
        ['AWS::Budgets::BudgetsAction', 'add'],
        ['AWS::IAM::Role', 'add'],
      ]),
    )
    expect(() => assertBudgetOnly(prepared.preview.changes)).not.toThrow()
    // New alerts replace the budget, which CloudFormation can do only under a new name.
    const names = (template: unknown) =>
      Object.values((template as {Resources: Record<string, {Type: string; Properties: {Budget: {BudgetName: string}}}>}).Resources)
        .filter((r) => r.Type === 'AWS::Budgets::Budget')
        .map((r) => r.Properties.Budget.BudgetName)
    const [before] = names(current.template)
    const [after] = names(prepared.synthesis.stacks[0]!.template)
    expect(before).toMatch(/^arw-lab1-[0-9a-f]{8}$/)
    expect(after).toMatch(/^arw-lab1-[0-9a-f]{8}$/)
    expect(after).not.toBe(before)
    expect(prepared.preview.changes.every((c) => c.logicalId.startsWith('CostGuard'))).toBe(true)
    const record = JSON.parse(
      String((prepared.synthesis.stacks[0]!.template as unknown as {Metadata: Record<string, unknown>}).Metadata.AwsResearchWizard),
    )
    expect(record.overrides).toMatchObject({
      monthlyBudgetUsd: 500,
      budgetAlertPercents: [50, 80, 100],
      budgetEmails: ['pi@example.org'],
      budgetStopAtLimit: true,
    })
    const result = await executeApply(prepared, {clients: clients(), outdir: prepared.synthesis.outdir})
    expect(result.applied).toBe(true)
    expect(vi.mocked(deployEnvironment).mock.calls[0]![1]).toMatchObject({update: true})
    expect(vi.mocked(deployEnvironment).mock.calls[0]![0].cost).toMatchObject({
      monthlyBudgetUsd: 500,
      alertPercents: [50, 80, 100],
      stopAtLimit: true,
    })
  })

  it('refuses when the update would also change other resources, before anything is deployed', async () => {
    // The running hub differs from what its record now produces (changed by hand, or an older version).
    await deployed((template) => {
      const hub = Object.values(template.Resources).find((r) => r.Type === 'AWS::EC2::Instance')!
      hub.Properties = {...hub.Properties, InstanceType: 'r6i.large'}
    })
    const {spec, deployed: current} = await respecFromDeployed(clients(), 'lab1', budgetOverrides({monthlyUsd: 500}))
    const prepared = await prepareApply(spec, {clients: clients(), outdir: outdir(), deployed: current, validateTemplates: false})
    expect(() => assertBudgetOnly(prepared.preview.changes)).toThrow(
      /would also change other resources:\n {2}Hub\w+ \(AWS::EC2::Instance, may-replace\)/,
    )
    expect(deployEnvironment).not.toHaveBeenCalled()
  })
})
