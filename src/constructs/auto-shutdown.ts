import {Duration} from 'aws-cdk-lib'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions'
import type * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as ssm from 'aws-cdk-lib/aws-ssm'
import {Construct} from 'constructs'
import {idleStatusParameterName} from './contract.js'

export interface AutoShutdownProps {
  readonly instance: ec2.IInstance
  /** The environment name; the agent's decision goes to `/arw/<name>/idle-status`. */
  readonly environmentName: string
  /** Minutes without activity before the instance-side agent stops the hub. */
  readonly idleMinutes: number
  /** The busiest core counts as busy at or above this percentage. */
  readonly cpuThresholdPercent: number
  /**
   * A GPU counts as busy at or above this utilisation percentage.
   * @default - the model's default (10)
   */
  readonly gpuThresholdPercent?: number
  /**
   * Whether the instance has GPUs: the alarm then also waits for the GPU to be quiet.
   * @default false
   */
  readonly gpu?: boolean
  /**
   * The instance's role: allowed to write the idle agent's decision.
   * @default - the decision parameter is created but nobody may write it
   */
  readonly role?: iam.IGrantable
}

/** Backstop margin: the alarm fires only if the instance agent has not acted by then. */
export const ALARM_MARGIN_MINUTES = 30
/** The alarm's period: five times the agent's one-minute cycle. */
export const ALARM_PERIOD_MINUTES = 5
/** The CloudWatch agent's namespace (templates/instance/configure/cloudwatch.py). */
export const METRIC_NAMESPACE = 'AwsResearchWizard'

/**
 * The CloudWatch backstop for the instance's idle agent: when the busiest core (and, on GPU
 * types, the GPU) stays under its threshold for idle + 30 minutes, EC2 stops the instance.
 * The agent, which also sees kernels, terminals, disks and network and warns people first,
 * acts at idle minutes; so this only fires when the agent died. Stopping keeps every volume.
 *
 * Also the SSM parameter the agent publishes its decision to, for `jupyter status`.
 */
export class AutoShutdown extends Construct {
  readonly alarm: cloudwatch.Alarm
  readonly idleStatus: ssm.StringParameter

  constructor(scope: Construct, id: string, props: AutoShutdownProps) {
    super(scope, id)
    if (props.idleMinutes <= 0) throw new Error(`AutoShutdown: idleMinutes must be positive, got ${props.idleMinutes}`)
    const period = Duration.minutes(ALARM_PERIOD_MINUTES)
    const evaluationPeriods = Math.ceil((props.idleMinutes + ALARM_MARGIN_MINUTES) / ALARM_PERIOD_MINUTES)
    const dimensionsMap = {InstanceId: props.instance.instanceId}
    // A threshold of 0 means "always busy"; dividing by a tiny number keeps the alarm from firing.
    const scale = (threshold: number) => Math.max(threshold, 0.001)
    const usingMetrics: Record<string, cloudwatch.IMetric> = {
      // The CloudWatch agent's per-core series rolled up by instance: Maximum is the busiest core.
      cores: new cloudwatch.Metric({
        namespace: METRIC_NAMESPACE,
        metricName: 'cpu_usage_active',
        dimensionsMap,
        statistic: 'Maximum',
        period,
      }),
      // EC2's own average over all vCPUs: never above the busiest core, there if the CloudWatch agent is not.
      ec2: new cloudwatch.Metric({namespace: 'AWS/EC2', metricName: 'CPUUtilization', dimensionsMap, statistic: 'Maximum', period}),
    }
    // The idle agent's own verdict (1 = busy, e.g. a silent kernel or an open terminal, which
    // CPU cannot show): while the agent lives and says busy, the alarm never fires; when the
    // agent is dead the series is missing and MAX takes the other terms.
    usingMetrics.agent = new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: 'IdleAgentBusy',
      dimensionsMap,
      statistic: 'Maximum',
      period,
    })
    const terms = [`cores / ${scale(props.cpuThresholdPercent)}`, `ec2 / ${scale(props.cpuThresholdPercent)}`, 'agent']
    if (props.gpu) {
      usingMetrics.gpu = new cloudwatch.Metric({
        namespace: METRIC_NAMESPACE,
        metricName: 'nvidia_smi_utilization_gpu',
        dimensionsMap,
        statistic: 'Maximum',
        period,
      })
      terms.push(`gpu / ${scale(props.gpuThresholdPercent ?? 10)}`)
    }
    this.alarm = new cloudwatch.Alarm(this, 'Resource', {
      alarmDescription: `Stop the hub after ${props.idleMinutes + ALARM_MARGIN_MINUTES} quiet minutes (busiest core${props.gpu ? ', GPU' : ''}, the agent's verdict) if the instance agent did not`,
      // Each signal over its threshold: the largest below 1 means every one is quiet.
      metric: new cloudwatch.MathExpression({
        expression: `MAX([${terms.join(', ')}])`,
        usingMetrics,
        period,
        label: 'busiest signal / threshold',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods,
      datapointsToAlarm: evaluationPeriods,
      // A stopped instance sends no data; that must not re-trigger anything.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    })
    this.alarm.addAlarmAction(new actions.Ec2Action(actions.Ec2InstanceAction.STOP))

    this.idleStatus = new ssm.StringParameter(this, 'IdleStatus', {
      parameterName: idleStatusParameterName(props.environmentName),
      stringValue: '{}',
      description: 'aws-research-wizard: the idle agent decision, written by the hub instance every minute',
      tier: ssm.ParameterTier.STANDARD,
    })
    // Untagged for the same reasons as the boot-status parameter (free, deleted with the stack).
    ;(this.idleStatus.node.defaultChild as ssm.CfnParameter).addPropertyDeletionOverride('Tags')
    if (props.role) {
      iam.Grant.addToPrincipal({grantee: props.role, actions: ['ssm:PutParameter'], resourceArns: [this.idleStatus.parameterArn]})
    }
  }
}
