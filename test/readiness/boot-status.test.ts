import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {failedKernels, formatBootStatus, LIMITS, parseBootStatus, sanitizeText} from '../../src/lib/readiness/boot-status.js'

const I = 'i-0123456789abcdef0'

describe('formatBootStatus(parseBootStatus(raw))', () => {
  it.each([
    ['the stack placeholder', '{"phase":"pending"}', 'waiting for the instance to report'],
    [
      'progress with detail',
      `{"phase":"install","step":"kernels","detail":"installing kernels 2/3","instanceId":"${I}"}`,
      'installing kernels 2/3',
    ],
    ['progress without detail', '{"phase":"configure","step":"mounts"}', 'configure: mounts'],
    ['a phase alone', '{"phase":"install"}', 'install'],
    ['ready', '{"phase":"ready","step":"hub","detail":"ignored"}', 'ready'],
    [
      'failure',
      '{"phase":"failed","step":"kernels","failedStep":"kernels","message":"conda could not solve r-sf"}',
      'failed at kernels: conda could not solve r-sf',
    ],
    ['failure naming only the step', '{"phase":"failed","step":"users"}', 'failed at users: no message'],
    ['failure naming nothing', '{"phase":"failed"}', 'failed at an unknown step: no message'],
    ['an unknown phase', '{"phase":"exploded"}', 'unknown (the boot status is unreadable)'],
    ['not JSON', 'ready', 'unknown (the boot status is unreadable)'],
    ['JSON that is not an object', '["ready"]', 'unknown (the boot status is unreadable)'],
    ['null', 'null', 'unknown (the boot status is unreadable)'],
    ['a phase of the wrong type', '{"phase":["ready"]}', 'unknown (the boot status is unreadable)'],
    [
      'escape sequences',
      '{"phase":"failed","failedStep":"hub\\u001b[2J","message":"bad\\nline\\u202e"}',
      'failed at hub\\x1b[2J: bad\\nline\\u202e',
    ],
    ['numbers where strings belong', '{"phase":"install","detail":42}', '42'],
    ['objects where strings belong', '{"phase":"install","step":{"x":1},"detail":[1]}', 'install'],
  ])('%s', (_name, raw, expected) => {
    expect(formatBootStatus(parseBootStatus(raw))).toBe(expected)
  })

  it.each([undefined, null, '', '{', 'x'.repeat(LIMITS.rawChars + 1)])('treats %j as unknown, never throws', (raw) => {
    expect(parseBootStatus(raw as string | undefined)).toEqual({phase: 'unknown', kernels: {}})
  })
})

describe('parseBootStatus', () => {
  it('keeps the documented fields', () => {
    const status = parseBootStatus(
      JSON.stringify({
        phase: 'failed',
        step: 'kernels',
        detail: 'installing kernels 2/3',
        failedStep: 'kernels',
        message: 'boom',
        instanceId: I,
        time: '2025-06-10T12:00:00Z',
        kernels: {python: 'ok', r: 'failed: unsatisfiable'},
        extra: 'dropped',
      }),
    )
    expect(status).toEqual({
      phase: 'failed',
      step: 'kernels',
      detail: 'installing kernels 2/3',
      failedStep: 'kernels',
      message: 'boom',
      instanceId: I,
      time: '2025-06-10T12:00:00Z',
      kernels: {python: 'ok', r: 'failed: unsatisfiable'},
    })
    expect(failedKernels(status)).toEqual(['r: unsatisfiable'])
  })

  it('drops an instance id or time that is not one', () => {
    const status = parseBootStatus('{"phase":"ready","instanceId":"i-x; rm -rf /","time":"yesterday"}')
    expect(status).toEqual({phase: 'ready', kernels: {}})
  })

  it('bounds every field and the number of kernels', () => {
    const many = Object.fromEntries(Array.from({length: 200}, (_, i) => [`k${i}`, 'ok']))
    const status = parseBootStatus(JSON.stringify({phase: 'failed', step: 's'.repeat(500), message: 'm'.repeat(5000), kernels: many}))
    expect(status.step).toHaveLength(LIMITS.step)
    expect(status.step!.endsWith('…')).toBe(true)
    expect(status.message).toHaveLength(LIMITS.message)
    expect(Object.keys(status.kernels)).toHaveLength(LIMITS.kernels)
    const long = parseBootStatus(JSON.stringify({phase: 'failed', kernels: {['n'.repeat(300)]: 'failed: ' + 'x'.repeat(1000)}}))
    const [[name, reason]] = Object.entries(long.kernels) as [[string, string]]
    expect(name).toHaveLength(LIMITS.kernelName)
    expect(reason).toHaveLength(LIMITS.kernelValue)
  })

  it('keeps a kernel called __proto__ as data', () => {
    const status = parseBootStatus('{"phase":"ready","kernels":{"__proto__":"ok","python":"failed: x"}}')
    expect(Object.keys(status.kernels).sort()).toEqual(['__proto__', 'python'])
    expect(Object.getPrototypeOf(status.kernels)).toBe(Object.prototype)
  })

  it('never lets a control or bidi character through, whatever the instance writes (property)', () => {
    // eslint-disable-next-line no-control-regex -- the characters that must never get through
    const unsafe = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.oneof(fc.string({unit: 'binary'}), fc.integer(), fc.constant(null))),
        fc.string({unit: 'binary'}),
        (extra, text) => {
          const raw = JSON.stringify({...extra, phase: 'failed', failedStep: text, message: text, detail: text, kernels: {[text]: text}})
          const line = formatBootStatus(parseBootStatus(raw))
          expect(line).not.toMatch(unsafe)
          expect(line.length).toBeLessThan(LIMITS.step + LIMITS.message + 20)
        },
      ),
    )
  })
})

describe('sanitizeText', () => {
  it.each([
    ['plain', 'plain'],
    ['tab\there', 'tab\\there'],
    ['\r\n', '\\r\\n'],
    ['bell\u0007', 'bell\\x07'],
    ['csi\u009b', 'csi\\x9b'],
    ['\u2066isolate\u2069', '\\u2066isolate\\u2069'],
    ['ünïcödé 🙂', 'ünïcödé 🙂'],
  ])('%j -> %j', (input, output) => {
    expect(sanitizeText(input, 100)).toBe(output)
  })
})
