import {Args, Flags} from '@oclif/core'
import {ExitCode, WizardError} from './errors.js'
import {
  checkAmiId,
  checkAutoShutdown,
  checkAvailabilityZone,
  checkBudget,
  checkChannelUrl,
  checkEmail,
  checkEnvironmentName,
  checkInstanceType,
  checkOwner,
  checkSize,
  checkSubnetId,
  checkUsers,
  checkVpcCidr,
  checkVpcId,
  type FlagCheck,
  flagMessage,
} from './lib/spec/flag-values.js'

/**
 * Every value given on the command line is checked as strictly as the pack field it
 * overrides, while oclif parses it: a bad value is a usage error (exit 2) that names the
 * flag, the value received (escaped) and the form expected. The checks live in
 * src/lib/spec/flag-values.ts, where resolveSpec uses them too.
 */
function invalid(flag: string, value: unknown, expected: string): WizardError {
  const message = flagMessage(flag, value, expected)
  const error = new WizardError({
    code: 'invalid-flag-value',
    message,
    actions: [`Pass ${flag} as ${expected}.`],
    exitCode: ExitCode.usage,
    data: {flag, expected},
  })
  // oclif rewrites the message of any error a flag parser throws into "Parsing --flag\n\t...
  // See more help with --help"; ours already names the flag, value and fix.
  Object.defineProperty(error, 'message', {get: () => message, set: () => {}, enumerable: false, configurable: true})
  return error
}

function checkedString(flag: string, check: FlagCheck) {
  return async (input: string): Promise<string> => {
    const expected = check(input)
    if (expected) throw invalid(flag, input, expected)
    return input
  }
}

function checkedInteger(flag: string, check: (value: number) => string | undefined) {
  return async (input: string): Promise<number> => {
    const value = /^-?\d{1,16}$/.test(input.trim()) ? Number(input) : Number.NaN
    const expected = check(value)
    if (expected) throw invalid(flag, input, expected)
    return value
  }
}

const stringFlag = (flag: string, check: FlagCheck) => Flags.custom<string>({parse: checkedString(`--${flag}`, check)})
const integerFlag = (flag: string, check: (value: number) => string | undefined) =>
  Flags.custom<number>({parse: checkedInteger(`--${flag}`, check)})

/**
 * --output: an existing directory or one that can be created (created here, one level at a
 * time); anything else (a regular file, a path under /proc) is a usage error at once.
 * Without it each environment works in its own cache directory (environmentWorkDirectory).
 */
export const outputFlag = (description: string) =>
  Flags.custom<string>({
    parse: async (input: string) => {
      const {prepareOutputDirectory} = await import('./lib/workdir/output-dir.js')
      const expected = prepareOutputDirectory(input)
      if (expected) throw invalid('--output', input, expected)
      return input
    },
  })({char: 'o', description})

/** Flags shared by every command that reads domain packs. */
export const packDirFlag = Flags.string({
  description: 'Extra directory of domain packs (may be repeated); shadows built-in packs of the same name.',
  multiple: true,
  helpGroup: 'PACKS',
})

/** --allow-channel: conda channel URLs a pack may use beyond conda-forge, bioconda, pytorch and nvidia. */
export const allowChannelFlag = stringFlag(
  'allow-channel',
  checkChannelUrl,
)({
  description:
    "Trust this conda channel URL if the pack's kernels name it (may be repeated); other channels than conda-forge, bioconda, pytorch and nvidia are refused.",
  multiple: true,
  helpGroup: 'PACKS',
})

/** deploy --restore-from: the name of an environment whose kept data a new one is created on. */
export const restoreFromFlag = stringFlag(
  'restore-from',
  checkEnvironmentName,
)({
  description:
    'Create the environment on the kept data of an environment whose stack is gone (its home volume or snapshot, file system and notebook bucket; see `jupyter data list`).',
  exclusive: ['dry-run'],
})

/** Throws the usage error for a bad environment name (ENV), naming the value and the pattern. */
export function requireEnvironmentName(input: string): string {
  const expected = checkEnvironmentName(input)
  if (expected) throw invalid('ENV', input, expected)
  return input
}

/**
 * The environment name every lifecycle command takes (ENV): the same pattern as deploy --name.
 * Commands that take several names (strict = false) get the others checked by BaseCommand.
 */
export const environmentNameArg = Args.custom<string>({
  parse: async (input: string) => requireEnvironmentName(input),
})

/** Flags that shape an environment; shared by deploy, synth and diff. */
export const environmentFlags = {
  domain: Flags.string({char: 'd', description: 'Domain pack: a name from `domain list` or a path to a pack file.', required: true}),
  name: stringFlag(
    'name',
    checkEnvironmentName,
  )({
    char: 'n',
    description: 'Environment name (2-24 lower-case letters, digits, hyphens); the stack is arw-<name>.',
    required: true,
  }),
  users: integerFlag(
    'users',
    checkUsers,
  )({
    description: 'Expected concurrent users (1-500); sizes the instance when --instance-type is not given.',
  }),
  'instance-type': stringFlag(
    'instance-type',
    checkInstanceType,
  )({
    description: 'Hub instance type (default: the pack default, or sized from --users).',
  }),
  'shared-storage': stringFlag(
    'shared-storage',
    checkSize,
  )({
    description: 'Add an EFS file system at /shared; the size (e.g. 500GB, 1TB) is for the estimate.',
  }),
  'home-size': stringFlag('home-size', checkSize)({description: 'Size of the /home volume, e.g. 200GB or 1TB (default: the pack).'}),
  'auto-shutdown': integerFlag(
    'auto-shutdown',
    checkAutoShutdown,
  )({
    description: 'Idle minutes before the hub stops (0-1410; 0 = never; default: the pack).',
  }),
  budget: integerFlag('budget', checkBudget)({description: 'Monthly budget in USD with e-mail alerts.'}),
  'admin-email': stringFlag(
    'admin-email',
    checkEmail,
  )({
    description: 'First administrator; receives a temporary password and budget alerts.',
  }),
  owner: stringFlag('owner', checkOwner)({description: 'Value of the owner cost-allocation tag (default: your login name).'}),
  'ami-id': stringFlag('ami-id', checkAmiId)({description: 'Custom or pre-baked AMI instead of the latest Ubuntu / Deep Learning AMI.'}),
  'vpc-id': stringFlag(
    'vpc-id',
    checkVpcId,
  )({
    description: 'Existing VPC (with --subnet-id, --availability-zone, --vpc-cidr) instead of a new one.',
    helpGroup: 'NETWORK',
  }),
  'subnet-id': stringFlag(
    'subnet-id',
    checkSubnetId,
  )({
    description: 'Private subnet with outbound internet in the existing VPC.',
    helpGroup: 'NETWORK',
  }),
  'availability-zone': stringFlag(
    'availability-zone',
    checkAvailabilityZone,
  )({
    description: 'Availability zone of --subnet-id (in --region), e.g. us-east-1a.',
    helpGroup: 'NETWORK',
  }),
  'vpc-cidr': stringFlag(
    'vpc-cidr',
    checkVpcCidr,
  )({
    description: 'CIDR of the existing VPC (the only source allowed to reach the hub port): private, /16 to /28.',
    helpGroup: 'NETWORK',
  }),
  'allow-channel': allowChannelFlag,
  'notebook-examples': Flags.boolean({
    description:
      "Put the pack's example notebooks read-only in /shared/examples and copy them into each new user's home (default: the pack's notebook_examples, true unless it says otherwise).",
    allowNo: true,
  }),
  'pack-dir': packDirFlag,
}
