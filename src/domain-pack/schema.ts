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
  maxLength: 40,
  description: 'An EC2 instance type such as r6i.2xlarge or g5.xlarge.',
} as const

// A pattern rather than ajv-formats' "email" format keeps the validator precompilable without runtime plugins.
// Conservative on purpose: the address reaches Cognito, Budgets and the hub as data, and
// quotes, $ and backticks (legal in RFC 5322 local parts) have no business there.
export const EMAIL_PATTERN = '^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,63}$'
const email = {
  type: 'string',
  pattern: EMAIL_PATTERN,
  maxLength: 254,
  description: 'An e-mail address, e.g. ada@example.org (letters, digits and . _ % + - before the @).',
  'x-code': 'invalid-email',
} as const

/**
 * Human-readable text (display names, titles): any printable character, including
 * quotes, $ and backticks, which reach the instance as data only. Control characters,
 * bidirectional overrides and lone surrogates are refused (also by the string rule
 * that walks the whole pack, see rules/string-rules.ts).
 */
const TEXT_PATTERN = '^[^\\p{Cc}\\p{Cs}\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069]*$'
const displayName = {
  type: 'string',
  minLength: 1,
  maxLength: 120,
  pattern: TEXT_PATTERN,
  description: 'A name people read: up to 120 characters, no control characters.',
} as const

// S3 keys may hold almost anything, but prefixes reach IAM policies, Mountpoint
// arguments and CloudFormation; spaces and quotes broke synthesis. Segments of safe
// characters only, none of them "." or "..".
const S3_PREFIX = '(/[A-Za-z0-9_=+-][A-Za-z0-9_.=+-]*)*/?'
const bucketName = {
  type: 'string',
  minLength: 3,
  maxLength: 255,
  pattern: `^[A-Za-z0-9._-]{1,63}${S3_PREFIX}$`,
  description: 'An S3 bucket name, optionally followed by /prefix (letters, digits and _ . = + - in the prefix).',
  'x-code': 'invalid-s3-bucket',
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
      description:
        'cognito: sign-in through the environment user pool. dummy: any password, for local tests only; refused unless deployed with --access private.',
    },
  },
} as const

/**
 * A conda MatchSpec as mamba takes it on a command line, conservatively: a package name
 * (never starting with "-", so never an option), then optional version constraints and
 * an optional build string. No channel prefix (channel::name), no URL, no brackets, no
 * spaces. Python and R kernels are installed with mamba, so pip extras such as
 * jax[cuda12] are not packages here.
 */
export const CONDA_PACKAGE_PATTERN =
  '^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,99}((==|!=|>=|<=|~=|=|<|>)[A-Za-z0-9_.*+!]{1,40}(,(==|!=|>=|<=|~=|<|>)[A-Za-z0-9_.*+!]{1,40}){0,3}(=[A-Za-z0-9_.*+]{1,60})?)?$'
const condaPackage = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: CONDA_PACKAGE_PATTERN,
  description:
    'A conda package spec: name[=version[=build]] or name with >=, <=, !=, <, > constraints, e.g. numpy, numpy>=1.26,<2, pytorch=*=cuda*. No leading "-", no URLs, no spaces, no channel:: prefix; pip extras such as jax[cuda12] are not conda specs (use the conda package, e.g. jax with jaxlib=*=*cuda* and cuda-version=12).',
  'x-code': 'invalid-package',
} as const

/**
 * A Julia package: the General registry's name grammar, optionally "@" and a plain
 * version (Pkg's name@version form). The instance side passes name and version to Pkg
 * as data (PackageSpec), never inside Julia source.
 */
export const JULIA_PACKAGE_PATTERN = '^[A-Za-z][A-Za-z0-9_]{0,63}(\\.jl)?(@[0-9]{1,6}(\\.[0-9]{1,6}){0,2})?$'
const juliaPackage = {
  type: 'string',
  minLength: 1,
  maxLength: 90,
  pattern: JULIA_PACKAGE_PATTERN,
  description: 'A Julia package name from the General registry, optionally @version: DataFrames, CSV@0.10, Plots@1.40.1.',
  'x-code': 'invalid-package',
} as const

/** A conda channel: a name (checked against the allow-list) or an https URL (needs --allow-channel). */
const channel = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: '^([a-z0-9][a-z0-9_-]{0,49}|https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9_.~+-]+)*/?)$',
  description:
    'A conda channel name (conda-forge, bioconda, pytorch, nvidia) or an https:// URL that the deploy allows with --allow-channel URL.',
  'x-code': 'invalid-channel',
} as const

const kernelProperties = {
  name: {type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$'},
  display_name: displayName,
  language: {type: 'string', enum: ['python', 'r', 'julia']},
  version: {type: 'string', pattern: '^[0-9]+(\\.[0-9]+){0,2}$', maxLength: 20},
  packages: {
    type: 'array',
    items: {type: 'string', minLength: 1, maxLength: 200},
    maxItems: 500,
    default: [],
    description: 'conda specs for Python and R kernels, Julia package names for Julia kernels.',
  },
  channels: {type: 'array', items: channel, maxItems: 20, default: []},
} as const

// Julia packages follow Julia's grammar, every other kernel's follow conda's: the
// language picks the item schema (the list above is the union, for editors).
const packagesByLanguage = {
  if: {properties: {language: {const: 'julia'}}, required: ['language']},
  then: {properties: {packages: {type: 'array', items: juliaPackage}}},
  else: {properties: {packages: {type: 'array', items: condaPackage}}},
} as const

const kernel = {
  type: 'object',
  additionalProperties: false,
  properties: kernelProperties,
  required: ['name', 'display_name', 'language'],
  ...packagesByLanguage,
} as const

/**
 * Where a bucket appears on the hub: an absolute, normalised path ("." and ".." are not
 * segment names here, no "//", no trailing "/") under /data or /mnt, or under a
 * subdirectory of /shared or /scratch (the hub mounts those two itself). ASCII only, so
 * the length bound is in bytes; the systemd mount unit name it becomes is checked by the
 * mount-unit-name-too-long rule.
 */
export const MOUNT_PATH_PATTERN =
  '^(/(data|mnt)(/[A-Za-z0-9_][A-Za-z0-9._-]{0,127})*|/(shared|scratch)(/[A-Za-z0-9_][A-Za-z0-9._-]{0,127})+)$'
const mountPath = {
  type: 'string',
  maxLength: 200,
  pattern: MOUNT_PATH_PATTERN,
  description:
    'An absolute path under /data, /mnt, /shared/<dir> or /scratch/<dir>, e.g. /data/1000genomes: letters, digits and _ . -, no "." or ".." segments, at most 200 bytes.',
  'x-code': 'invalid-mount-path',
} as const

const dataMount = {
  type: 'object',
  additionalProperties: false,
  properties: {
    source: {
      type: 'string',
      maxLength: 300,
      pattern: `^s3://[A-Za-z0-9._-]{1,63}${S3_PREFIX}$`,
      description: 's3://bucket[/prefix]; the prefix uses letters, digits and _ . = + - (no spaces or quotes).',
      'x-code': 'invalid-s3-source',
    },
    mount_path: mountPath,
    access: {type: 'string', enum: ['read-only', 'read-write'], default: 'read-only'},
    requester_pays: {type: 'boolean', default: false},
    region: {type: 'string', pattern: '^[a-z]{2}(-gov)?-[a-z]+-[0-9]$', maxLength: 30},
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

/**
 * The CloudWatch backstop alarm (src/constructs/auto-shutdown.ts) evaluates 5-minute
 * periods over idle + 30 minutes: ceil((idle + 30) / 5) periods x 300 s. CloudWatch
 * refuses an alarm whose periods x evaluation periods exceed 86,400 s (one day), so
 * idle + 30 <= 1440, i.e. idle <= 1410 minutes (23.5 hours).
 */
export const MAX_IDLE_MINUTES = 1410
const idleMinutes = {
  type: 'integer',
  minimum: 0,
  maximum: MAX_IDLE_MINUTES,
  description: 'Idle minutes before the hub stops, 0 to 1410 (the backstop alarm may span at most one day); 0 disables auto-shutdown.',
} as const

const autoShutdown = {
  type: 'object',
  additionalProperties: false,
  properties: {
    idle_minutes: {...idleMinutes, default: 60, 'x-update': 'in-place'},
    signals: {
      type: 'array',
      items: {type: 'string', enum: ['kernels', 'cpu', 'gpu']},
      uniqueItems: true,
      minItems: 1,
      default: ['kernels', 'cpu'],
    },
    cpu_threshold_percent: {
      type: 'number',
      minimum: 0,
      maximum: 100,
      default: 5,
      description: 'The busiest core counts as busy at or above this percentage (not the average over all cores).',
    },
    gpu_threshold_percent: {
      type: 'number',
      minimum: 0,
      maximum: 100,
      default: 10,
      description: 'A GPU counts as busy at or above this utilisation percentage.',
    },
    warn_minutes: {
      type: 'integer',
      minimum: 0,
      maximum: 120,
      default: 10,
      description: 'Minutes before an idle stop when everyone with a running server is warned; activity meanwhile cancels the stop.',
    },
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
    title: {...displayName, maxLength: 200},
    path: {
      type: 'string',
      minLength: 1,
      maxLength: 300,
      // The file name (last segment) becomes the file's name on the hub: an .ipynb of letters,
      // digits and . _ - only, so it cannot leave /shared/examples or hide as a dot file.
      pattern: '^([A-Za-z0-9_][A-Za-z0-9._-]*/)*[A-Za-z0-9_][A-Za-z0-9._-]{0,93}\\.ipynb$',
      description:
        'A .ipynb file relative to the pack file and inside its directory, e.g. notebooks/intro.ipynb (no leading /, no "..", file name at most 100 characters).',
      'x-code': 'invalid-notebook-path',
    },
  },
  required: ['title', 'path'],
} as const

/** The character set AWS accepts in tag keys and values (Tagging best practices / TagResource). */
export const TAG_CHARACTERS = '^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$'
/** Tag-key prefixes the pack may not use: AWS's own, and the CLI's cost-allocation tags. */
export const RESERVED_TAG_PREFIX = '^([aA][wW][sS]:|[aA][wW][sS]-[rR][eE][sS][eE][aA][rR][cC][hH]-[wW][iI][zZ][aA][rR][dD]:)'

const tags = {
  type: 'object',
  propertyNames: {
    allOf: [
      {
        minLength: 1,
        maxLength: 128,
        pattern: TAG_CHARACTERS,
        description: 'Tag keys: letters, digits, spaces and _ . : / = + - @, 1 to 128 characters.',
        'x-code': 'invalid-tag-key',
      },
      {
        not: {pattern: RESERVED_TAG_PREFIX},
        description: 'Keys starting with "aws:" belong to AWS and "aws-research-wizard:" to the CLI (environment, domain, owner).',
        'x-code': 'reserved-tag-key',
      },
    ],
  },
  additionalProperties: {
    type: 'string',
    maxLength: 256,
    pattern: TAG_CHARACTERS,
    description: 'Tag values: letters, digits, spaces and _ . : / = + - @, at most 256 characters.',
    'x-code': 'invalid-tag-value',
  },
  maxProperties: 40,
} as const

const commonProperties = {
  $schema: {type: 'string', maxLength: 500},
  name,
  display_name: displayName,
  description: {
    type: 'string',
    maxLength: 2000,
    description: 'Free text, several lines allowed; no control characters other than newline and tab.',
  },
  version: {type: 'string', pattern: '^[0-9]+\\.[0-9]+(\\.[0-9]+)?$', default: '1.0.0'},
  instance,
  users,
  storage,
  jupyterhub,
  aws_access: awsAccess,
  example_notebooks: {type: 'array', items: exampleNotebook, maxItems: 50, default: []},
  notebook_examples: {
    type: 'boolean',
    default: true,
    description:
      "Put the pack's example notebooks read-only in /shared/examples on the hub and copy them into each new user's home (deploy --no-notebook-examples turns it off).",
    'x-update': 'restart',
  },
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
    data_directories: {
      type: 'array',
      items: mountPath,
      maxItems: 50,
      uniqueItems: true,
      default: [],
      description:
        'Empty shared directories for data people bring themselves (e.g. licensed data with no open bucket): writable by every hub user, on the root volume, not backed up.',
      'x-update': 'restart',
    },
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
        name: kernelProperties.name,
        display_name: kernelProperties.display_name,
        language: kernelProperties.language,
        version: kernelProperties.version,
        environment: {...kernelProperties.packages, description: 'Packages; a python- prefix is dropped.'},
        channels: kernelProperties.channels,
      },
      required: ['display_name', 'language'],
      if: packagesByLanguage.if,
      then: {properties: {environment: {type: 'array', items: juliaPackage}}},
      else: {properties: {environment: {type: 'array', items: condaPackage}}},
    },
    data_mounts: {
      type: 'array',
      maxItems: 50,
      items: {
        anyOf: [dataMount, {...mountPath, description: `Compact: a mount path, e.g. /data/1000genomes. ${mountPath.description}`}],
      },
    },
    data_directories: canonicalPackSchema.properties.data_directories,
    auto_shutdown: {anyOf: [autoShutdown, idleMinutes]},
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
