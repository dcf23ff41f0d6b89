import type {AwsClients} from '../../aws/clients.js'
import {lookupInstanceType} from '../../catalogue/instance-types.js'
import {attachedStorageGiB, type CurrentCost, currentCost, listingPrices} from '../pricing/current-cost.js'
import {bootStatusParameterName} from '../../constructs/contract.js'
import {readDeployedTemplate} from '../environments/deploy-record.js'
import {describeInstances, type EnvironmentRecord, getEnvironment, type InstanceState} from '../environments/discover.js'
import {type IdleReport, idleFromMetrics, type IdleThresholds, readAgentDecision, type MetricPoint} from '../idle/status.js'
import {type BootPhase, type BootStatus, failedKernels, formatBootStatus, parseBootStatus, sanitizeText} from '../readiness/boot-status.js'

/** The hub's boot progress as `status` shows it; `unknown` when the parameter cannot be read. */
export interface BootReport {
  readonly phase: BootPhase
  /** One line: `installing kernels 2/3`, `ready`, `failed at kernels: ...`, `unknown (...)`. */
  readonly summary: string
  /** `name: reason` of each kernel that failed to install. */
  readonly failedKernels: readonly string[]
  readonly step?: string
  readonly instanceId?: string
  readonly time?: string
}

export interface HubHealth {
  readonly checked: boolean
  readonly healthy?: boolean
  readonly status?: number
  readonly error?: string
  readonly latencyMs?: number
}

export interface UtilisationSeries {
  readonly average?: number
  readonly maximum?: number
  readonly latest?: number
  readonly points: number
}

export interface StorageUsage {
  /** Latest used percentage of the file system at that path (CloudWatch agent). */
  readonly homeUsedPercent?: number
  readonly rootUsedPercent?: number
}

export interface EnvironmentStatus {
  readonly environment: EnvironmentRecord
  readonly instance?: InstanceState
  readonly health: HubHealth
  readonly cpu: UtilisationSeries
  readonly gpu?: UtilisationSeries
  readonly storage: StorageUsage
  /** Minutes every idleness signal has been quiet (the agent's count, else from CloudWatch; undefined = unknown). */
  readonly idleMinutes?: number
  /** The idleness model's view: where it comes from, what keeps the hub busy, when it stops. */
  readonly idle?: IdleReport
  readonly autoShutdownMinutes?: number
  readonly uptimeHours?: number
  /** Estimate: uptime x the price now (cost.priceSource); actual spend is `jupyter cost-report`. */
  readonly estimatedCostSinceLaunchUsd?: number
  /** USD an hour now: the instance while running, the volumes only while stopped (cost.basis says which). */
  readonly hourlyUsd?: number
  readonly cost?: CurrentCost
  readonly access: {readonly mode: string; readonly url?: string; readonly connect?: string}
  readonly boot: BootReport
}

export interface StatusOptions {
  readonly now?: Date
  readonly healthTimeoutMs?: number
  readonly fetchImpl?: typeof fetch
}

/** JupyterHub's unauthenticated health endpoint, through the public URL. */
export async function checkHubHealth(
  hubUrl: string | undefined,
  accessMode: string | undefined,
  options: StatusOptions = {},
): Promise<HubHealth> {
  if (!hubUrl || accessMode === 'private') return {checked: false}
  const started = Date.now()
  try {
    const response = await (options.fetchImpl ?? fetch)(`${hubUrl.replace(/\/$/, '')}/hub/health`, {
      signal: AbortSignal.timeout(options.healthTimeoutMs ?? 5000),
      redirect: 'manual',
    })
    return {checked: true, healthy: response.status === 200, status: response.status, latencyMs: Date.now() - started}
  } catch (error) {
    return {checked: true, healthy: false, error: (error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message}
  }
}

async function utilisation(
  clients: AwsClients,
  instanceId: string,
  now: Date,
): Promise<{
  cpu: UtilisationSeries
  gpu: UtilisationSeries
  storage: StorageUsage
  series: Record<'cpu' | 'gpu' | 'gpumem', MetricPoint[]>
}> {
  const {GetMetricDataCommand} = await import('@aws-sdk/client-cloudwatch')
  const client = await clients.cloudWatch()
  const start = new Date(now.getTime() - 3600_000)
  const {MetricDataResults = []} = await client.send(
    new GetMetricDataCommand({
      StartTime: start,
      EndTime: now,
      MetricDataQueries: [
        {
          // The CloudWatch agent's per-core series rolled up by instance: Maximum is the busiest core.
          Id: 'cpu',
          MetricStat: {
            Metric: {Namespace: 'AwsResearchWizard', MetricName: 'cpu_usage_active', Dimensions: [{Name: 'InstanceId', Value: instanceId}]},
            Period: 60,
            Stat: 'Maximum',
          },
        },
        {
          // EC2's average over all vCPUs: only when the CloudWatch agent sent nothing (never above the busiest core).
          Id: 'ec2cpu',
          MetricStat: {
            Metric: {Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{Name: 'InstanceId', Value: instanceId}]},
            Period: 60,
            Stat: 'Maximum',
          },
        },
        {
          Id: 'gpumem',
          MetricStat: {
            Metric: {
              Namespace: 'AwsResearchWizard',
              MetricName: 'nvidia_smi_memory_used',
              Dimensions: [{Name: 'InstanceId', Value: instanceId}],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        },
        {
          Id: 'gpu',
          MetricStat: {
            Metric: {
              Namespace: 'AwsResearchWizard',
              MetricName: 'nvidia_smi_utilization_gpu',
              Dimensions: [{Name: 'InstanceId', Value: instanceId}],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        },
        ...(['/home', '/'] as const).map((path) => ({
          Id: path === '/' ? 'root' : 'home',
          MetricStat: {
            Metric: {
              Namespace: 'AwsResearchWizard',
              MetricName: 'disk_used_percent',
              Dimensions: [
                {Name: 'InstanceId', Value: instanceId},
                {Name: 'path', Value: path},
              ],
            },
            Period: 300,
            Stat: 'Maximum',
          },
        })),
      ],
    }),
  )
  const series = (id: string) => {
    const result = MetricDataResults.find((r) => r.Id === id)
    return (result?.Timestamps ?? [])
      .map((time, i) => ({time: new Date(time), value: result?.Values?.[i] ?? 0}))
      .sort((a, b) => a.time.getTime() - b.time.getTime())
  }
  const summarize = (points: {value: number}[]): UtilisationSeries =>
    points.length === 0
      ? {points: 0}
      : {
          points: points.length,
          average: round(points.reduce((s, p) => s + p.value, 0) / points.length),
          maximum: round(Math.max(...points.map((p) => p.value))),
          latest: round(points.at(-1)!.value),
        }
  const busiest = series('cpu')
  const cpuSeries = busiest.length > 0 ? busiest : series('ec2cpu')
  const latest = (id: string) => summarize(series(id)).latest
  const storage: StorageUsage = {
    ...(latest('home') === undefined ? {} : {homeUsedPercent: latest('home')}),
    ...(latest('root') === undefined ? {} : {rootUsedPercent: latest('root')}),
  }
  return {
    cpu: summarize(cpuSeries),
    gpu: summarize(series('gpu')),
    storage,
    series: {cpu: cpuSeries, gpu: series('gpu'), gpumem: series('gpumem')},
  }
}

const round = (v: number) => Math.round(v * 10) / 10

/**
 * Reads the boot-status parameter. Never fails `status`: a missing parameter (a stack
 * from before boot reporting), access denied or any other error is phase `unknown`.
 */
export async function readBootReport(clients: AwsClients, name: string): Promise<BootReport> {
  let status: BootStatus
  try {
    const {GetParameterCommand} = await import('@aws-sdk/client-ssm')
    const ssm = await clients.ssm()
    const {Parameter} = await ssm.send(new GetParameterCommand({Name: bootStatusParameterName(name)}))
    status = parseBootStatus(Parameter?.Value)
  } catch (error) {
    const reason =
      (error as {name?: string}).name === 'ParameterNotFound'
        ? 'no boot status recorded'
        : sanitizeText(String((error as {name?: string}).name ?? 'error'), 80)
    return {phase: 'unknown', summary: `unknown (${reason})`, failedKernels: []}
  }
  return {
    phase: status.phase,
    summary: formatBootStatus(status),
    failedKernels: failedKernels(status),
    ...(status.step ? {step: status.step} : {}),
    ...(status.instanceId ? {instanceId: status.instanceId} : {}),
    ...(status.time ? {time: status.time} : {}),
  }
}

/** Everything `jupyter status` shows, from CloudFormation, EC2, CloudWatch and the hub itself. */
export async function environmentStatus(clients: AwsClients, name: string, options: StatusOptions = {}): Promise<EnvironmentStatus> {
  const now = options.now ?? new Date()
  const environment = await getEnvironment(clients, name)
  const instanceId = environment.outputs.instanceId
  const instance = instanceId ? (await describeInstances(clients, [instanceId])).get(instanceId) : undefined
  const [health, metrics, boot] = await Promise.all([
    instance?.state === 'running'
      ? checkHubHealth(environment.outputs.hubUrl, environment.outputs.accessMode, options)
      : Promise.resolve<HubHealth>({checked: false}),
    instanceId && instance?.state === 'running' ? utilisation(clients, instanceId, now) : Promise.resolve(undefined),
    readBootReport(clients, environment.name),
  ])
  const autoShutdownMinutes = environment.outputs.autoShutdownMinutes ? Number(environment.outputs.autoShutdownMinutes) : undefined
  const idle =
    instance?.state === 'running'
      ? ((await readAgentDecision(clients, environment.name, now)) ??
        (metrics
          ? idleFromMetrics(metrics.series, await packThresholds(clients, environment.stackName, autoShutdownMinutes), {
              now,
              launchTime: instance.launchTime ? new Date(instance.launchTime) : undefined,
            })
          : undefined))
      : undefined
  const idleMinutes = idle?.idleMinutes
  const type = instance?.instanceType ?? environment.outputs.instanceType
  const info = type ? lookupInstanceType(type) : undefined
  const cost = await costNow(clients, environment.region, instance, type)
  const hourlyUsd = cost.hourlyUsd
  const uptimeHours =
    instance?.state === 'running' && instance.launchTime
      ? Math.round(((now.getTime() - new Date(instance.launchTime).getTime()) / 3600_000) * 10) / 10
      : undefined
  const mode = environment.outputs.accessMode ?? 'public'
  return {
    environment,
    ...(instance ? {instance} : {}),
    health,
    cpu: metrics?.cpu ?? {points: 0},
    ...(info && info.gpus > 0 ? {gpu: metrics?.gpu ?? {points: 0}} : {}),
    storage: metrics?.storage ?? {},
    ...(idleMinutes === undefined ? {} : {idleMinutes}),
    ...(idle ? {idle} : {}),
    ...(autoShutdownMinutes ? {autoShutdownMinutes} : {}),
    ...(uptimeHours === undefined ? {} : {uptimeHours}),
    ...(hourlyUsd !== undefined && uptimeHours !== undefined
      ? {estimatedCostSinceLaunchUsd: Math.round(hourlyUsd * uptimeHours * 100) / 100}
      : {}),
    ...(hourlyUsd === undefined ? {} : {hourlyUsd}),
    cost,
    access: {
      mode,
      url: environment.outputs.hubUrl,
      ...(mode === 'private' && instanceId ? {connect: portForwardCommand(instanceId, environment.region)} : {}),
    },
    boot,
  }
}

/**
 * The pack's idleness thresholds from the deploy record (one GetTemplate call). A stack without
 * a record, or any error, falls back to the model's defaults: `status` never fails on it.
 */
async function packThresholds(clients: AwsClients, stackName: string, idleMinutes: number | undefined): Promise<IdleThresholds> {
  try {
    const {record} = await readDeployedTemplate(clients, stackName)
    const auto = (record.pack as {auto_shutdown?: Record<string, unknown>}).auto_shutdown ?? {}
    return {
      idleMinutes,
      cpuThresholdPercent: typeof auto.cpu_threshold_percent === 'number' ? auto.cpu_threshold_percent : undefined,
      gpuThresholdPercent: typeof auto.gpu_threshold_percent === 'number' ? auto.gpu_threshold_percent : undefined,
      warnMinutes: typeof auto.warn_minutes === 'number' ? auto.warn_minutes : undefined,
      signals: Array.isArray(auto.signals) ? (auto.signals as string[]) : undefined,
    }
  } catch {
    return {idleMinutes}
  }
}

/** The price part of status: what the environment costs now, from the same prices as list and cost-report. */
async function costNow(
  clients: AwsClients,
  region: string,
  instance: InstanceState | undefined,
  type: string | undefined,
): Promise<CurrentCost> {
  const stopped = instance && (instance.state === 'stopped' || instance.state === 'stopping')
  const [prices, storage] = await Promise.all([
    listingPrices(clients, region, type ? [type] : []),
    stopped ? attachedStorageGiB(clients, [instance.instanceId]) : Promise.resolve(new Map<string, number>()),
  ])
  return currentCost(instance, type, instance ? storage.get(instance.instanceId) : undefined, prices)
}

export function portForwardCommand(instanceId: string, region: string): string {
  return `aws ssm start-session --region ${region} --target ${instanceId} --document-name AWS-StartPortForwardingSession --parameters portNumber=8000,localPortNumber=8000`
}
