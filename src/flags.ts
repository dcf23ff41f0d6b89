import {Flags} from '@oclif/core'

/** Flags shared by every command that reads domain packs. */
export const packDirFlag = Flags.string({
  description: 'Extra directory of domain packs (may be repeated); shadows built-in packs of the same name.',
  multiple: true,
  helpGroup: 'PACKS',
})
