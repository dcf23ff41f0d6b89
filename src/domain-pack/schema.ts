import type {FromSchema} from 'json-schema-to-ts'

/**
 * The domain-pack JSON Schema: the single source of truth for the shape of a pack.
 *
 * Two views are built from the same pieces:
 * - `canonicalPackSchema`: the normalized model the rest of the program consumes
 *   (its TypeScript type is inferred below, never written by hand);
 * - `domainPackSchema`: what authors may write, i.e. the canonical model plus the
 *   compact shorthands (`kernel_spec`, string data mounts, `auto_shutdown: 60`, ...).
 *
 * `x-update` tells `scale`/redeploy before CloudFormation does whether changing a
 * field is applied in place, needs an instance restart, or replaces something.
 */

const name = {
  type: 'string',
  pattern: '^[a-z][a-z0-9-]{1,38}[a-z0-9]$',
  description: 'Identifier: lower-case letters, digits and hyphens, 3-40 characters, starting with a letter.',
} as const

const instanceType = {
  type: 'string',
  pattern: '^[a-z][a-z0-9-]*\\.[a-z0-9]+$',
  description: 'An EC2 instance type such as r6i.2xlarge or g5.xlarge.',
} as const

// A pattern rather than ajv-formats' "email" format keeps the validator precompilable without runtime plugins.
const email = {
  type: 'string',
  pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
  description: 'An e-mail address, e.g. ada@example.org.',
} as const

const bucketName = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  description: 'An S3 bucket name, optionally followed by /prefix.',
} as const

const instance = {
  type: 'object',
  additionalProperties: false,
  description: 'The hub instance.',
  properties: {
    default_type: {...instanceType, 'x-update': 'restart'},
    allowed_types: {type: 'array', items: instanceType, uniqueItems: true, maxItems: 64},
    architecture: {type: 'string', enum: ['x86_64', 'arm64'], default: 'x86_64', 'x-update': 'replace'},
    gpu: {
      type: 'object',
      additionalProperties: false,
      properties: {
        required: {type: 'boolean', default: false},
        count: {type: 'integer', minimum: 1, maximum: 16, default: 1},
        min_memory_gb: {type: 'number', minimum: 1, maximum: 640},
      },
    },
    root_volume_gb: {type: 'integer', minimum: 30, maximum: 2000, default: 100, 'x-update': 'replace'},
    image: {
      type: 'string',
      pattern: '^ami-[0-9a-f]{8,17}$',
      description:
        'A custom or pre-baked AMI id; by default the latest Ubuntu LTS (or Deep Learning AMI on GPU types) is resolved at deploy time.',
      'x-update': 'replace',
    },
  },
  required: ['default_type'],
} as const

const users = {
  type: 'object',
  additionalProperties: false,
  properties: {
    default: {type: 'integer', minimum: 1, maximum: 500, default: 5, 'x-update': 'in-place'},
    max: {type: 'integer', minimum: 1, maximum: 500, default: 50},
    cpu_per_user: {type: 'number', minimum: 0.25, maximum: 64, default: 1},
    memory_gb_per_user: {type: 'number', minimum: 0.5, maximum: 1024, default: 4},
  },
} as const

const storage = {
  type: 'object',
  additionalProperties: false,
  properties: {
    home_volume_gb: {type: 'integer', minimum: 10, maximum: 16384, default: 100, 'x-update': 'in-place'},
    shared_filesystem: {
      type: 'boolean',
      default: false,
      description: 'Encrypted EFS at /shared for files every user can see.',
      'x-update': 'in-place',
    },
    scratch_gb: {
      type: 'integer',
      minimum: 0,
      maximum: 16384,
      default: 0,
      description: 'Extra root-volume space at /scratch; lost when the instance is replaced.',
      'x-update': 'replace',
    },
  },
} as const

const jupyterhub = {
  type: 'object',
  additionalProperties: false,
  properties: {
    interface: {type: 'string', enum: ['lab', 'notebook'], default: 'lab', 'x-update': 'restart'},
    admin_users: {type: 'array', items: email, uniqueItems: true, default: []},
    authenticator: {
      type: 'string',
      enum: ['cognito', 'dummy'],
      default: 'cognito',
      description: 'cognito: sign-in through the environment user pool. dummy: any password, for local tests only.',
    },
  },
} as const

const kernel = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: {type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$'},
    display_name: {type: 'string', minLength: 1, maxLength: 120},
    language: {type: 'string', enum: ['python', 'r', 'julia']},
    version: {type: 'string', pattern: '^[0-9]+(\\.[0-9]+){0,2}$'},
    packages: {type: 'array', items: {type: 'string', minLength: 1, maxLength: 200}, maxItems: 500, default: []},
    channels: {type: 'array', items: {type: 'string', minLength: 1, maxLength: 100}, maxItems: 20, default: []},
  },
  required: ['name', 'display_name', 'language'],
} as const

const dataMount = {
  type: 'object',
  additionalProperties: false,
  properties: {
    source: {type: 'string', pattern: '^s3://[^/]+(/.*)?$', description: 's3://bucket[/prefix]'},
    mount_path: {type: 'string', pattern: '^/[A-Za-z0-9._/-]*$'},
    access: {type: 'string', enum: ['read-only', 'read-write'], default: 'read-only'},
    requester_pays: {type: 'boolean', default: false},
    region: {type: 'string', pattern: '^[a-z]{2}(-gov)?-[a-z]+-[0-9]$'},
  },
  required: ['source', 'mount_path'],
} as const

const awsAccess = {
  type: 'object',
  additionalProperties: false,
  properties: {
    s3_buckets: {type: 'array', items: bucketName, uniqueItems: true, maxItems: 100, default: []},
    open_data: {type: 'boolean', default: false},
  },
} as const

const autoShutdown = {
  type: 'object',
  additionalProperties: false,
  properties: {
    idle_minutes: {
      type: 'integer',
      minimum: 0,
      maximum: 10080,
      default: 60,
      description: '0 disables auto-shutdown.',
      'x-update': 'in-place',
    },
    signals: {
      type: 'array',
      items: {type: 'string', enum: ['kernels', 'cpu', 'gpu']},
      uniqueItems: true,
      minItems: 1,
      default: ['kernels', 'cpu'],
    },
    cpu_threshold_percent: {type: 'number', minimum: 0, maximum: 100, default: 5},
  },
} as const

const cost = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tracking: {type: 'boolean', default: true},
    monthly_budget_usd: {type: 'number', exclusiveMinimum: 0, maximum: 10_000_000, 'x-update': 'in-place'},
    alert_emails: {type: 'array', items: email, uniqueItems: true, default: []},
  },
} as const

const exampleNotebook = {
  type: 'object',
  additionalProperties: false,
  properties: {
    title: {type: 'string', minLength: 1},
    path: {type: 'string', minLength: 1, description: 'Relative to the pack file.'},
  },
  required: ['title', 'path'],
} as const

const tags = {
  type: 'object',
  propertyNames: {pattern: '^[A-Za-z0-9 _.:/=+@-]{1,128}$', not: {pattern: '^aws:'}},
  additionalProperties: {type: 'string', maxLength: 256},
  maxProperties: 40,
} as const

const commonProperties = {
  $schema: {type: 'string'},
  name,
  display_name: {type: 'string', minLength: 1, maxLength: 120},
  description: {type: 'string', maxLength: 2000},
  version: {type: 'string', pattern: '^[0-9]+\\.[0-9]+(\\.[0-9]+)?$', default: '1.0.0'},
  instance,
  users,
  storage,
  jupyterhub,
  aws_access: awsAccess,
  example_notebooks: {type: 'array', items: exampleNotebook, maxItems: 50, default: []},
  tags,
} as const

/** The normalized model every other module consumes. */
export const canonicalPackSchema = {
  $id: 'https://aws-research-wizard.dev/schema/domain-pack.canonical.json',
  title: 'aws-research-wizard domain pack (normalized)',
  type: 'object',
  additionalProperties: false,
  properties: {
    ...commonProperties,
    users: {...users, default: {}},
    storage: {...storage, default: {}},
    jupyterhub: {...jupyterhub, default: {}},
    aws_access: {...awsAccess, default: {}},
    tags: {...tags, default: {}},
    kernels: {type: 'array', items: kernel, minItems: 1, maxItems: 20},
    data_mounts: {type: 'array', items: dataMount, maxItems: 50, default: []},
    auto_shutdown: {...autoShutdown, default: {}},
    cost: {...cost, default: {}},
  },
  required: ['name', 'display_name', 'instance', 'kernels'],
} as const

/** What pack authors write: the canonical form plus the compact shorthands. */
export const domainPackSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://aws-research-wizard.dev/schema/domain-pack.json',
  title: 'aws-research-wizard domain pack',
  description:
    'A research field in YAML: instance, kernels, data and guard rails for a JupyterHub on AWS. Compact shorthands are accepted: kernel_spec, data mounts as paths, auto_shutdown as minutes, cost_tracking as a boolean.',
  type: 'object',
  additionalProperties: false,
  properties: {
    ...commonProperties,
    kernels: canonicalPackSchema.properties.kernels,
    kernel_spec: {
      type: 'object',
      additionalProperties: false,
      description: 'Compact single kernel: becomes kernels[0].',
      properties: {
        name: kernel.properties.name,
        display_name: kernel.properties.display_name,
        language: kernel.properties.language,
        version: kernel.properties.version,
        environment: {...kernel.properties.packages, description: 'Packages; a python- prefix is dropped.'},
        channels: kernel.properties.channels,
      },
      required: ['display_name', 'language'],
    },
    data_mounts: {
      type: 'array',
      maxItems: 50,
      items: {
        anyOf: [dataMount, {type: 'string', pattern: '^/[A-Za-z0-9._/-]*$', description: 'Compact: a mount path under /data.'}],
      },
    },
    auto_shutdown: {anyOf: [autoShutdown, {type: 'integer', minimum: 0, maximum: 10080}]},
    cost: cost,
    cost_tracking: {type: 'boolean', description: 'Compact: becomes cost.tracking.'},
  },
  required: ['name'],
} as const

/** A pack after normalization and defaulting. */
export type DomainPack = FromSchema<typeof canonicalPackSchema>
/** A pack as written by an author. */
export type DomainPackInput = FromSchema<typeof domainPackSchema, {keepDefaultedPropertiesOptional: true}>
export type Kernel = DomainPack['kernels'][number]
export type DataMount = NonNullable<DomainPack['data_mounts']>[number]
