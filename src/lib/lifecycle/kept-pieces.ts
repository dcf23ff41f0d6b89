import type {EnvironmentRecord} from '../environments/discover.js'

/** What destroy keeps of an environment, in words: only the pieces it has. */
export function keptPieces(outputs: EnvironmentRecord['outputs']): string[] {
  return [
    '/home as a snapshot',
    ...(outputs.sharedFileSystemId ? ['the shared file system'] : []),
    'the notebook bucket',
    ...(outputs.userPoolId ? ['the user pool'] : []),
  ]
}
