import type {AwsClients} from '../../aws/clients.js'
import {bootStatusParameterName} from '../../constructs/contract.js'
import {type BootStatus, parseBootStatus} from '../readiness/boot-status.js'
import {examplesFromBootStatus} from './checklist.js'

/**
 * What the hub itself last reported (its boot-status parameter): the phase, each kernel,
 * and the `examples` count. Used when deploy did not follow the hub (no change, --no-wait).
 */
export async function readHubReport(clients: AwsClients, environment: string): Promise<{status?: BootStatus; examples?: number}> {
  const {GetParameterCommand} = await import('@aws-sdk/client-ssm')
  try {
    const {Parameter} = await (await clients.ssm()).send(new GetParameterCommand({Name: bootStatusParameterName(environment)}))
    const examples = examplesFromBootStatus(Parameter?.Value)
    return {status: parseBootStatus(Parameter?.Value), ...(examples === undefined ? {} : {examples})}
  } catch {
    return {}
  }
}
