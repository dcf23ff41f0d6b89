import {Document} from 'yaml'
import type {DomainPackInput} from '../../domain-pack/schema.js'

export interface InitAnswers {
  name: string
  displayName: string
  description?: string
  language: 'python' | 'r' | 'julia'
  packages: string[]
  instanceType: string
  gpu: boolean
  buckets: string[]
  autoShutdownMinutes: number
  monthlyBudgetUsd?: number
}

const LANGUAGE_VERSION: Record<InitAnswers['language'], string> = {python: '3.11', r: '4.4', julia: '1.10'}
const LANGUAGE_LABEL: Record<InitAnswers['language'], string> = {python: 'Python', r: 'R', julia: 'Julia'}

/** The scaffolded pack as data (full form, so authors see every section). */
export function buildPack(answers: InitAnswers): DomainPackInput {
  const version = LANGUAGE_VERSION[answers.language]
  return {
    name: answers.name,
    display_name: answers.displayName,
    description: answers.description ?? `${answers.displayName} environment.`,
    version: '1.0.0',
    instance: {
      default_type: answers.instanceType,
      allowed_types: [answers.instanceType],
      ...(answers.gpu ? {gpu: {required: true, count: 1}} : {}),
    },
    users: {default: 5, max: 25, cpu_per_user: 1, memory_gb_per_user: 4},
    storage: {home_volume_gb: 100, shared_filesystem: false},
    jupyterhub: {interface: 'lab'},
    kernels: [
      {
        name: `${answers.language}-${answers.name}`.slice(0, 64),
        display_name: `${answers.displayName} (${LANGUAGE_LABEL[answers.language]} ${version})`,
        language: answers.language,
        version,
        packages: answers.packages,
        ...(answers.language === 'julia' ? {} : {channels: ['conda-forge']}),
      },
    ],
    data_mounts: answers.buckets.map((bucket) => ({
      source: `s3://${bucket}`,
      mount_path: `/data/${bucket.split('/')[0]}`,
      access: 'read-only' as const,
    })),
    aws_access: {s3_buckets: answers.buckets, open_data: answers.buckets.length > 0},
    auto_shutdown: {idle_minutes: answers.autoShutdownMinutes, signals: answers.gpu ? ['kernels', 'cpu', 'gpu'] : ['kernels', 'cpu']},
    cost: {tracking: true, ...(answers.monthlyBudgetUsd ? {monthly_budget_usd: answers.monthlyBudgetUsd} : {})},
    tags: {project: answers.name},
  }
}

/** YAML text with an editor schema hint, so editors autocomplete and check the pack. */
export function renderPackYaml(pack: DomainPackInput, schemaPath = './domain-pack.schema.json'): string {
  const doc = new Document(pack)
  doc.commentBefore = ` yaml-language-server: $schema=${schemaPath}\n Domain pack: edit, then check with \`aws-research-wizard domain validate <file>\``
  return doc.toString({lineWidth: 0})
}
