// Counts the AWS calls `jupyter list` and `jupyter status` make for 1, 10 and 100
// environments, against aws-sdk-client-mock (bench/run.js section 4).
import {CloudFormationClient, DescribeStacksCommand} from '@aws-sdk/client-cloudformation'
import {CloudWatchClient, GetMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {DescribeInstancesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {GetProductsCommand, PricingClient} from '@aws-sdk/client-pricing'
import {mockClient} from 'aws-sdk-client-mock'
import {AwsClients} from '../dist/aws/clients.js'
import {listRegion} from '../dist/lib/lifecycle/list.js'
import {environmentStatus} from '../dist/lib/lifecycle/status.js'

const cfn = mockClient(CloudFormationClient)
const ec2 = mockClient(EC2Client)
const cw = mockClient(CloudWatchClient)
// Prices are not what is counted here: the Price List answers nothing, the snapshot prices.
const pricing = mockClient(PricingClient)
pricing.on(GetProductsCommand).resolves({PriceList: []})
const PAGE = 100 // DescribeStacks returns up to 100 stacks a page

function stack(i) {
  return {
    StackName: `arw-env${i}`,
    StackStatus: 'CREATE_COMPLETE',
    CreationTime: new Date(),
    Tags: [
      {Key: 'aws-research-wizard:environment', Value: `env${i}`},
      {Key: 'aws-research-wizard:domain', Value: 'genomics'},
    ],
    Outputs: [
      {OutputKey: 'InstanceId', OutputValue: `i-${String(i).padStart(17, '0')}`},
      {OutputKey: 'AccessMode', OutputValue: 'private'},
    ],
  }
}

export async function countCalls(environments) {
  for (const m of [cfn, ec2, cw]) m.reset()
  const stacks = Array.from({length: environments}, (_, i) => stack(i))
  cfn.on(DescribeStacksCommand).callsFake((input) => {
    if (input.StackName) return {Stacks: stacks.filter((s) => s.StackName === input.StackName)}
    const start = input.NextToken ? Number(input.NextToken) : 0
    return {Stacks: stacks.slice(start, start + PAGE), ...(start + PAGE < stacks.length ? {NextToken: String(start + PAGE)} : {})}
  })
  ec2.on(DescribeInstancesCommand).callsFake((input) => ({
    Reservations: [
      {
        Instances: (input.Filters?.[0]?.Values ?? []).map((id) => ({
          InstanceId: id,
          State: {Name: 'running'},
          InstanceType: 'r6i.2xlarge',
          LaunchTime: new Date(),
        })),
      },
    ],
  }))
  cw.on(GetMetricDataCommand).resolves({MetricDataResults: []})
  const clients = new AwsClients({region: 'us-east-1'})
  await listRegion(clients)
  const list = {cloudformation: cfn.calls().length, ec2: ec2.calls().length, cloudwatch: cw.calls().length}
  for (const m of [cfn, ec2, cw]) m.resetHistory()
  await environmentStatus(clients, 'env0', {healthTimeoutMs: 100})
  const status = {cloudformation: cfn.calls().length, ec2: ec2.calls().length, cloudwatch: cw.calls().length}
  return {environments, stackPages: Math.max(1, Math.ceil(environments / PAGE)), list, status}
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const rows = []
  for (const n of [1, 10, 100]) rows.push(await countCalls(n))
  process.stdout.write(JSON.stringify(rows))
}
