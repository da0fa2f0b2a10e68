/**
 * Strings in the strict JSON reader: the fast path (no escape, no control character: the next
 * quote closes the string) and the character scan must give exactly what JSON.parse gives, and
 * reject what it rejects.
 */
import { describe, expect, it } from 'vitest'
import { parseStrictJson, StrictJsonError } from '../../src/json/strict_json.js'

/** Deterministic pseudo-random strings mixing plain text, escapes, quotes, controls and surrogates. */
function* strings(n: number): Generator<string> {
  let x = 0x9e3779b9
  const next = (): number => ((x = (Math.imul(x ^ (x >>> 15), 0x85ebca6b) + 0x6b) >>> 0), x)
  const pieces = ['a', 'AAAA/+==', '"', '\\', '\n', '\u0001', '\u001f', ' ', 'é', '\ud83d\ude00', '\ud800', '/', '\u2028', '\u007f']
  for (let i = 0; i < n; i++) {
    let s = ''
    const len = next() % 40
    for (let j = 0; j < len; j++) s += pieces[next() % pieces.length]
    yield s
  }
}

describe('parseStrictJson strings', () => {
  it('reads every string JSON.stringify writes, as JSON.parse does (as a value and as a member name)', () => {
    for (const s of strings(3000)) {
      const lit = JSON.stringify(s)
      expect(parseStrictJson(lit)).toBe(JSON.parse(lit))
      expect(parseStrictJson(`{${lit}:[${lit}]}`)).toEqual(JSON.parse(`{${lit}:[${lit}]}`))
    }
  })

  it('reads a long base64 member (the bundle case) whole', () => {
    const b64 = Buffer.from(Array.from({ length: 30000 }, (_, i) => (i * 7) & 0xff)).toString('base64')
    expect(parseStrictJson(`{"eventLog":"${b64}","q":"\\"x"}`)).toEqual({ eventLog: b64, q: '"x' })
  })

  it('rejects what JSON.parse rejects: raw control characters, bad escapes, an unterminated string', () => {
    for (const t of ['"a\u0001b"', '"tab\there"', '"x\\q"', '"\\u12G4"', '"abc', '"abc\\"', '{"a":"b}']) {
      expect(() => JSON.parse(t), t).toThrow()
      expect(() => parseStrictJson(t), t).toThrow(StrictJsonError)
    }
  })

  it('an escaped quote does not close the string on the fast path', () => {
    expect(parseStrictJson('["a\\"b","c"]')).toEqual(['a"b', 'c'])
  })
})
