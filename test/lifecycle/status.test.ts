import {CloudFormationClient, DescribeStacksCommand} from '@aws-sdk/client-cloudformation'
import {CloudWatchClient, GetMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {DescribeInstancesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {mockClient} from 'aws-sdk-client-mock'
import {afterAll, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {environmentStatus} from '../../src/lib/lifecycle/status.js'
import {stackFor} from './fixtures.js'

const cfn = mockClient(CloudFormationClient)
const ec2 = mockClient(EC2Client)
const cw = mockClient(CloudWatchClient)
afterAll(() => [cfn, ec2, cw].forEach((m) => m.restore()))

describe('jupyter status metrics', () => {
  it('reads CPU, GPU and disk use for the last hour and derives idle minutes and cost since launch', async () => {
    const now = new Date('2026-11-23T12:00:00Z')
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000)
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        stackFor('gpu1', {
          domain: 'machine-learning',
          outputs: {
            InstanceId: 'i-0gpu',
            InstanceType: 'g5.xlarge',
            AccessMode: 'private',
            AutoShutdownMinutes: '30',
            HubUrl: 'http://localhost:8000',
          },
        }),
      ],
    })
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {Instances: [{InstanceId: 'i-0gpu', State: {Name: 'running'}, InstanceType: 'g5.xlarge', LaunchTime: minutesAgo(150)}]},
      ],
    })
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {Id: 'cpu', Timestamps: [minutesAgo(30), minutesAgo(20), minutesAgo(10), minutesAgo(1)], Values: [60, 42, 2, 1]},
        {Id: 'gpu', Timestamps: [minutesAgo(30), minutesAgo(1)], Values: [95, 0]},
        {Id: 'home', Timestamps: [minutesAgo(5)], Values: [37.5]},
        {Id: 'root', Timestamps: [minutesAgo(5)], Values: [61.2]},
      ],
    })
    const status = await environmentStatus(new AwsClients({region: 'us-east-1'}), 'gpu1', {now})
    expect(status).toMatchObject({
      cpu: {points: 4, maximum: 60, latest: 1},
      gpu: {points: 2, maximum: 95, latest: 0},
      storage: {homeUsedPercent: 37.5, rootUsedPercent: 61.2},
      idleMinutes: 20,
      autoShutdownMinutes: 30,
      uptimeHours: 2.5,
      hourlyUsd: 1.01,
      estimatedCostSinceLaunchUsd: 2.53,
    })
    const queries = cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries!
    const home = queries.find((q) => q.Id === 'home')!
    expect(home.MetricStat?.Metric?.Dimensions).toEqual([
      {Name: 'InstanceId', Value: 'i-0gpu'},
      {Name: 'path', Value: '/home'},
    ])
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(1)
  })
})
