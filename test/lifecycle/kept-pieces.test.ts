import {describe, expect, it} from 'vitest'
import {keptPieces} from '../../src/lib/lifecycle/kept-pieces.js'
import {signInInstructions} from '../../src/lib/lifecycle/sign-in.js'
import {specFor} from '../helpers/specs.js'

describe('words about an environment say only what is true of it', () => {
  it('destroy names only the kept pieces the environment has', () => {
    expect(keptPieces({})).toEqual(['/home as a snapshot', 'the notebook bucket'])
    expect(keptPieces({sharedFileSystemId: 'fs-1', userPoolId: 'us-east-1_x'})).toEqual([
      '/home as a snapshot',
      'the shared file system',
      'the notebook bucket',
      'the user pool',
    ])
  })

  it('after deploy waited for the hub, nobody is told to wait for it', async () => {
    const spec = await specFor('astronomy', {access: 'private'})
    expect(signInInstructions(spec, {}, {hubReady: true})).not.toContain('ready a few minutes')
    expect(signInInstructions(spec, {}, {hubReady: false})).toContain('`jupyter status` shows its progress')
  })
})
