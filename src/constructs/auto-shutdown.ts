import {Duration} from 'aws-cdk-lib'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions'
import type * as ec2 from 'aws-cdk-lib/aws-ec2'
import {Construct} from 'constructs'

export interface AutoShutdownProps {
  readonly instance: ec2.IInstance
  /** Minutes without activity before the instance-side agent stops the hub. */
  readonly idleMinutes: number
  readonly cpuThresholdPercent: number
}

/** Backstop margin: the alarm fires only if the instance agent has not acted by then. */
export const ALARM_MARGIN_MINUTES = 30

/**
 * The CloudWatch backstop for the instance's idle agent: if CPU stays under the
 * threshold for idle + 30 minutes, EC2 stops the instance. Stopping keeps every volume.
 */
export class AutoShutdown extends Construct {
  readonly alarm: cloudwatch.Alarm

  constructor(scope: Construct, id: string, props: AutoShutdownProps) {
    super(scope, id)
    const period = Duration.minutes(5)
    const evaluationPeriods = Math.ceil((props.idleMinutes + ALARM_MARGIN_MINUTES) / 5)
    this.alarm = new cloudwatch.Alarm(this, 'Resource', {
      alarmDescription: `Stop the hub after ${props.idleMinutes + ALARM_MARGIN_MINUTES} idle minutes if the instance agent did not`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/EC2',
        metricName: 'CPUUtilization',
        dimensionsMap: {InstanceId: props.instance.instanceId},
        statistic: cloudwatch.Stats.MAXIMUM,
        period,
      }),
      threshold: props.cpuThresholdPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods,
      datapointsToAlarm: evaluationPeriods,
      // A stopped instance sends no data; that must not re-trigger anything.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    })
    this.alarm.addAlarmAction(new actions.Ec2Action(actions.Ec2InstanceAction.STOP))
  }
}
