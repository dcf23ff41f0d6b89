import {invalidBucketName, mountPathCollision, mountUnitNameTooLong, writableOpenData} from './data-rules.js'
import {
  architectureMismatch,
  defaultTypeNotAllowed,
  gpuPackagesWithoutGpu,
  gpuRequirements,
  regionNotOffered,
  unknownInstanceType,
} from './instance-rules.js'
import type {Rule} from './types.js'
import {
  autoShutdownDisabled,
  budgetWithoutAlerts,
  channelMixing,
  channelNotAllowed,
  duplicateKernelName,
  exampleNotebookMissing,
  gpuSignalWithoutGpu,
  juliaChannels,
  usersAboveMax,
  usersExceedInstance,
} from './usage-rules.js'

export type {Rule, RuleContext, RuleFinding} from './types.js'

/** Every semantic rule, run in this order after schema validation succeeds. */
export const RULES: readonly Rule[] = [
  unknownInstanceType,
  defaultTypeNotAllowed,
  architectureMismatch,
  gpuRequirements,
  gpuPackagesWithoutGpu,
  regionNotOffered,
  invalidBucketName,
  mountPathCollision,
  mountUnitNameTooLong,
  writableOpenData,
  usersAboveMax,
  usersExceedInstance,
  duplicateKernelName,
  juliaChannels,
  channelNotAllowed,
  channelMixing,
  budgetWithoutAlerts,
  autoShutdownDisabled,
  gpuSignalWithoutGpu,
  exampleNotebookMissing,
]
