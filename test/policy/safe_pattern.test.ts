/**
 * Kernel command-line patterns run on a linear-time NFA, never on the backtracking RegExp engine:
 * same full-match answers as RegExp on the supported subset, bounded time on hostile input.
 */
import { describe, expect, it } from 'vitest'
import { compileSafePattern, PatternError } from '../../src/policy/index.js'

const agree: [string, string[]][] = [
  ['/vmlinuz console=ttyS0,115200 quiet panic=-1', ['/vmlinuz console=ttyS0,115200 quiet panic=-1', '/vmlinuz console=ttyS0,115200 quiet panic=-10', '']],
  ['/vmlinuz(-[0-9][0-9a-z.+-]*)? console=ttyS0,115200( quiet)? panic=-1', ['/vmlinuz console=ttyS0,115200 quiet panic=-1', '/vmlinuz-6.1.0-56-amd64 console=ttyS0,115200 panic=-1', '/vmlinuz init=/bin/sh console=ttyS0,115200 panic=-1']],
  ['^root=UUID=[0-9a-f-]{36} ro( quiet| splash)*$', ['root=UUID=0b5e5bc4-8d7a-4a28-9a8c-1c8d7f3e2a10 ro quiet splash', 'root=UUID=0b5e5bc4 ro', 'root=UUID=0b5e5bc4-8d7a-4a28-9a8c-1c8d7f3e2a10 ro quiet init=/bin/sh']],
  ['\\S+( \\w+=\\S+)*', ['/vmlinuz a=1 b=2', '/vmlinuz a', '']],
  ['[^ ]+ (console=\\w+,\\d+ ?){1,3}', ['/k console=tty,1 console=ttyS0,115200', '/k console=tty,1 console=a,1 console=b,2 console=c,3', '/k ']],
  ['a|b|', ['a', 'b', '', 'ab']],
  ['x\\.y\\-z\\x41\\u0042', ['x.y-zAB', 'xzy-zAB']],
  ['[\\x20-\\x7e]*', ['printable only', 'tab\there']],
  ['(a+)+b', ['aaab', 'aaaa']],
  ['.*a.*a.*a.*b', ['xaxaxab', 'aaaa']],
  ['(ab){2}c?', ['abab', 'ababc', 'ab', 'ababcc']],
  ['a{2,}', ['a', 'aa', 'aaaaa']],
  ['a*?b+?', ['aab', 'b', 'a']],
]

describe('full-match semantics equal RegExp on the supported subset', () => {
  for (const [pat, inputs] of agree) {
    it(pat, () => {
      const sp = compileSafePattern(pat)
      const re = new RegExp(`^(?:${pat.replace(/^\^/, '').replace(/\$$/, '')})$`)
      for (const s of inputs) expect(sp.test(s), JSON.stringify(s)).toBe(re.test(s))
    })
  }
})

describe('hostile inputs run in linear time', () => {
  it('(a+)+b and .*a.*a.*a.*b against 4096 "a"s (catastrophic for a backtracking engine)', () => {
    const input = 'a'.repeat(4096)
    const t0 = performance.now()
    expect(compileSafePattern('(a+)+b').test(input)).toBe(false)
    expect(compileSafePattern('.*a.*a.*a.*b').test(input)).toBe(false)
    expect(compileSafePattern('(a|aa)*c').test(input)).toBe(false)
    expect(performance.now() - t0).toBeLessThan(2000)
  })
})

describe('unsupported syntax is rejected with a position', () => {
  const bad: [string, RegExp][] = [
    ['(a)\\1', /backreferences/],
    ['(?<n>a)\\k<n>', /lookaround and named groups/],
    ['(?=a)a', /lookaround/],
    ['(?<!a)b', /lookaround/],
    ['\\bword\\b', /word boundaries/],
    ['a^b', /"\^" is only allowed at the start/],
    ['a$b', /"\$" is only allowed at the end/],
    ['(ab', /missing "\)"/],
    ['ab)', /unbalanced/],
    ['[ab', /missing "\]"/],
    ['*a', /nothing to repeat/],
    ['a**', /cannot follow a quantifier/],
    ['a{3,1}', /max < min/],
    ['\\q', /unknown escape/],
    ['a'.repeat(513), /at most 512/],
  ]
  for (const [pat, msg] of bad) {
    it(JSON.stringify(pat.length > 40 ? `${pat.slice(0, 10)}…` : pat), () => {
      expect(() => compileSafePattern(pat)).toThrow(PatternError)
      expect(() => compileSafePattern(pat)).toThrow(msg)
    })
  }
})
