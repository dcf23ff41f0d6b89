import {CloudFormationClient, DescribeStacksCommand} from '@aws-sdk/client-cloudformation'
import {CloudWatchClient, GetMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {DescribeInstancesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {GetParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {afterAll, describe, expect, it} from 'vitest'
import {AwsClients} from '../../src/aws/clients.js'
import {environmentStatus} from '../../src/lib/lifecycle/status.js'
import {renderStatus} from '../../src/output/status.js'
import {stackFor} from './fixtures.js'

const cfn = mockClient(CloudFormationClient)
const ec2 = mockClient(EC2Client)
const cw = mockClient(CloudWatchClient)
const ssm = mockClient(SSMClient)
afterAll(() => [cfn, ec2, cw, ssm].forEach((m) => m.restore()))

describe('jupyter status metrics', () => {
  it('reads CPU, GPU and disk use for the last hour and derives idle minutes and cost since launch', async () => {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), {name: 'ParameterNotFound'}))
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
      // The busiest core was last busy 20 minutes ago; the GPU at 95% 30 minutes ago.
      idleMinutes: 20,
      idle: {source: 'metrics', idleMinutes: 20, busy: []},
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
    // The busiest core, not EC2's average over every vCPU.
    expect(queries.find((q) => q.Id === 'cpu')!.MetricStat).toMatchObject({
      Metric: {Namespace: 'AwsResearchWizard', MetricName: 'cpu_usage_active'},
      Stat: 'Maximum',
    })
  })

  it('a GPU at 90% keeps the hub busy even at 1% CPU (metrics only, the agent silent)', async () => {
    ssm.reset()
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), {name: 'ParameterNotFound'}))
    const now = new Date('2026-11-23T12:00:00Z')
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000)
    const times = [50, 40, 30, 20, 10, 1].map(minutesAgo)
    cw.reset()
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {Id: 'cpu', Timestamps: times, Values: times.map(() => 1)},
        {Id: 'gpu', Timestamps: times, Values: times.map(() => 90)},
      ],
    })
    const status = await environmentStatus(new AwsClients({region: 'us-east-1'}), 'gpu1', {now})
    expect(status.idle).toMatchObject({source: 'metrics', idleMinutes: 0, busy: ['gpu'], reason: 'a GPU is computing'})
    expect(renderStatus(status)).toMatch(/Idle +busy: gpu \(a GPU is computing\), per CPU and GPU metrics only/)
  })

  it("prefers the agent's fresh decision and shows the pending stop", async () => {
    const now = new Date('2026-11-23T12:00:00Z')
    ssm.reset()
    ssm.on(GetParameterCommand, {Name: '/arw/gpu1/idle-status'}).resolves({
      Parameter: {
        Value: JSON.stringify({time: '2026-11-23T11:59:10Z', idle: true, idleMinutes: 22, busy: [], action: 'warn', stopsInMinutes: 8}),
      },
    })
    const status = await environmentStatus(new AwsClients({region: 'us-east-1'}), 'gpu1', {now})
    expect(status.idle).toEqual({source: 'agent', idleMinutes: 22, busy: [], stopsInMinutes: 8, decidedAt: '2026-11-23T11:59:10.000Z'})
    expect(renderStatus(status)).toContain('Idle           22 min, stops in 8 min unless there is activity, per the hub agent')
  })

  it("names the agent's busy signal and ignores a stale or hostile decision", async () => {
    const now = new Date('2026-11-23T12:00:00Z')
    ssm.reset()
    ssm.on(GetParameterCommand, {Name: '/arw/gpu1/idle-status'}).resolves({
      Parameter: {Value: JSON.stringify({time: '2026-11-23T11:59:30Z', idleMinutes: 0, busy: ['kernels', '\u001b[31mx'], action: 'none'})},
    })
    const busy = await environmentStatus(new AwsClients({region: 'us-east-1'}), 'gpu1', {now})
    expect(busy.idle).toMatchObject({source: 'agent', busy: ['kernels'], reason: 'a kernel is executing or ran code in the last 2 minutes'})
    ssm.reset()
    ssm.on(GetParameterCommand, {Name: '/arw/gpu1/idle-status'}).resolves({
      Parameter: {Value: JSON.stringify({time: '2026-11-23T11:40:00Z', idleMinutes: 3, busy: [], action: 'none'})},
    })
    const stale = await environmentStatus(new AwsClients({region: 'us-east-1'}), 'gpu1', {now})
    expect(stale.idle?.source).toBe('metrics')
  })
})
