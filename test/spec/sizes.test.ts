import {describe, expect, it} from 'vitest'
import {parseSizeGiB} from '../../src/lib/spec/sizes.js'

describe('parseSizeGiB', () => {
  it.each([
    ['500GB', 500],
    ['500', 500],
    ['1TB', 1024],
    ['1.5TiB', 1536],
    ['1.5 tb', 1536],
    ['100.2GiB', 101],
    ['2t', 2048],
  ])('%s -> %d GiB', (input, expected) => {
    expect(parseSizeGiB(input)).toBe(expected)
  })

  it.each(['', 'lots', '-5GB', '0', '1PB', '1,5TB', 'GB'])('rejects %j', (input) => {
    expect(parseSizeGiB(input)).toBeUndefined()
  })
})
