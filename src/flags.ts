import {Flags} from '@oclif/core'

/** Flags shared by every command that reads domain packs. */
export const packDirFlag = Flags.string({
  description: 'Extra directory of domain packs (may be repeated); shadows built-in packs of the same name.',
  multiple: true,
  helpGroup: 'PACKS',
})

/** Flags that shape an environment; shared by deploy, synth and diff. */
export const environmentFlags = {
  domain: Flags.string({char: 'd', description: 'Domain pack: a name from `domain list` or a path to a pack file.', required: true}),
  name: Flags.string({
    char: 'n',
    description: 'Environment name (2-24 lower-case letters, digits, hyphens); the stack is arw-<name>.',
    required: true,
  }),
  users: Flags.integer({description: 'Expected concurrent users; sizes the instance when --instance-type is not given.', min: 1}),
  'instance-type': Flags.string({description: 'Hub instance type (default: the pack default, or sized from --users).'}),
  'shared-storage': Flags.string({description: 'Add an EFS file system at /shared; the size (e.g. 500GB, 1TB) is for the estimate.'}),
  'home-size': Flags.string({description: 'Size of the /home volume, e.g. 200GB or 1TB (default: the pack).'}),
  'auto-shutdown': Flags.integer({description: 'Idle minutes before the hub stops (0 = never; default: the pack).', min: 0}),
  budget: Flags.integer({description: 'Monthly budget in USD with e-mail alerts.', min: 1}),
  'admin-email': Flags.string({description: 'First administrator; receives a temporary password and budget alerts.'}),
  owner: Flags.string({description: 'Value of the owner cost-allocation tag (default: your login name).'}),
  'ami-id': Flags.string({description: 'Custom or pre-baked AMI instead of the latest Ubuntu / Deep Learning AMI.'}),
  'vpc-id': Flags.string({
    description: 'Existing VPC (with --subnet-id, --availability-zone, --vpc-cidr) instead of a new one.',
    helpGroup: 'NETWORK',
  }),
  'subnet-id': Flags.string({description: 'Private subnet with outbound internet in the existing VPC.', helpGroup: 'NETWORK'}),
  'availability-zone': Flags.string({description: 'Availability zone of --subnet-id.', helpGroup: 'NETWORK'}),
  'vpc-cidr': Flags.string({
    description: 'CIDR of the existing VPC (the only source allowed to reach the hub port).',
    helpGroup: 'NETWORK',
  }),
  'pack-dir': packDirFlag,
}
