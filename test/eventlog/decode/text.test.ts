/**
 * UTF-16LE (UEFI CHAR16, UEFI 2.10 section 2.3.1) text of event data: the edges where the one
 * scan that finds escaped code units decides both the rendered text and `printable`.
 */
import { describe, expect, it } from 'vitest'
import { ByteReader } from '../../../src/bytes/reader.js'
import { readUcs2z, stripNul16, utf16Text } from '../../../src/eventlog/decode/text.js'

/** UTF-16LE code units of a JavaScript string (lone surrogates kept as they are). */
function u16(s: string): number[] {
  const out: number[] = []
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff, s.charCodeAt(i) >> 8)
  return out
}
const b = (...parts: (number[] | number)[]) => Uint8Array.from(parts.flat())
/** 20 printable code units (40 bytes): long enough for the bulk decoder on its own. */
const LONG = 'ABCDEFGHIJKLMNOPQRST'

describe('utf16Text: odd length', () => {
  it('escapes the odd last byte as \\xNN after the code units', () => {
    expect(utf16Text(b(u16('A'), 0x42))).toEqual({ text: 'A\\x42', printable: false })
  })
  it('a single byte is only the escaped byte', () => {
    expect(utf16Text(b(0x00))).toEqual({ text: '\\x00', printable: false })
  })
  it('a high surrogate before the odd byte is unpaired (the byte is no low half)', () => {
    expect(utf16Text(b(0x3d, 0xd8, 0x41))).toEqual({ text: '\\ud83d\\x41', printable: false })
  })
  it('a long run of plain units keeps its text before the odd byte', () => {
    expect(utf16Text(b(u16(LONG), 0x7a))).toEqual({ text: `${LONG}\\x7a`, printable: false })
  })
  it('an odd byte past maxBytes makes the whole string non-printable', () => {
    expect(utf16Text(b(u16('ABCD'), 0x7a), 8)).toEqual({ text: 'ABCD', printable: false, truncated: true })
    expect(utf16Text(b(u16('ABCD'), u16('E')), 8)).toEqual({ text: 'ABCD', printable: true, truncated: true })
  })
})

describe('utf16Text: surrogates', () => {
  it('a high-low pair is one printable character', () => {
    expect(utf16Text(b(0x3d, 0xd8, 0x00, 0xde))).toEqual({ text: '\u{1f600}', printable: true })
  })
  it('a lone high surrogate before a non-surrogate is escaped', () => {
    expect(utf16Text(b(0x3d, 0xd8, u16('A')))).toEqual({ text: '\\ud83dA', printable: false })
  })
  it('a lone low surrogate is escaped', () => {
    expect(utf16Text(b(0x00, 0xde, u16('A')))).toEqual({ text: '\\ude00A', printable: false })
  })
  it('a high surrogate as the last unit is escaped', () => {
    expect(utf16Text(b(u16('A'), 0x3d, 0xd8))).toEqual({ text: 'A\\ud83d', printable: false })
  })
  it('low then high is two lone halves', () => {
    expect(utf16Text(b(0x00, 0xde, 0x3d, 0xd8))).toEqual({ text: '\\ude00\\ud83d', printable: false })
  })
  it('a lone surrogate between long plain runs is escaped and both runs are kept', () => {
    expect(utf16Text(b(u16(LONG), 0x3d, 0xd8, u16(LONG)))).toEqual({ text: `${LONG}\\ud83d${LONG}`, printable: false })
  })
  it('pairs inside a long run decode as themselves', () => {
    const s = `${LONG}\u{1f600}${LONG}`
    expect(utf16Text(b(u16(s)))).toEqual({ text: s, printable: true })
  })
  it('a pair split by maxBytes is left out whole, not shown as a lone half', () => {
    expect(utf16Text(b(u16('AB'), 0x3d, 0xd8, 0x00, 0xde), 6)).toEqual({ text: 'AB', printable: true, truncated: true })
  })
  it('a lone surrogate past maxBytes makes the whole string non-printable', () => {
    expect(utf16Text(b(u16('AB'), u16('C'), 0x00, 0xde), 6)).toEqual({ text: 'ABC', printable: false, truncated: true })
  })
})

describe('utf16Text: NULs', () => {
  it('an embedded NUL is escaped as \\u0000', () => {
    expect(utf16Text(b(u16('A'), 0, 0, u16('B')))).toEqual({ text: 'A\\u0000B', printable: false })
  })
  it('an embedded NUL between long plain runs', () => {
    expect(utf16Text(b(u16(LONG), 0, 0, u16(LONG)))).toEqual({ text: `${LONG}\\u0000${LONG}`, printable: false })
  })
  it('a trailing NUL terminator is text unless stripped', () => {
    const z = b(u16('AB'), 0, 0)
    expect(utf16Text(z)).toEqual({ text: 'AB\\u0000', printable: false })
    const { body, nulTerminated } = stripNul16(z)
    expect(nulTerminated).toBe(true)
    expect(utf16Text(body)).toEqual({ text: 'AB', printable: true })
  })
  it('a single trailing zero byte (odd length) is no terminator', () => {
    const z = b(u16('A'), 0)
    expect(stripNul16(z).nulTerminated).toBe(false)
    expect(utf16Text(z)).toEqual({ text: 'A\\x00', printable: false })
  })
  it('readUcs2z stops at the first NUL unit and consumes it', () => {
    const r = new ByteReader(b(u16('AB'), 0, 0, u16('C')), { truncated: 'ERR_EVENTDATA_TRUNCATED', limit: 'ERR_EVENTDATA_LIMIT' })
    expect(readUcs2z(r, 'name')).toEqual({ text: 'AB', printable: true })
    expect(r.pos).toBe(6)
  })
  it('readUcs2z without a terminator is a truncation', () => {
    const r = new ByteReader(b(u16('AB')), { truncated: 'ERR_EVENTDATA_TRUNCATED', limit: 'ERR_EVENTDATA_LIMIT' })
    expect(() => readUcs2z(r, 'name')).toThrowError(expect.objectContaining({ code: 'ERR_EVENTDATA_TRUNCATED' }))
  })
})

describe('utf16Text: controls', () => {
  it('DEL and C1 controls are escaped, NBSP (0xA0) is not', () => {
    expect(utf16Text(b(0x7f, 0x00, 0x9f, 0x00, 0xa0, 0x00))).toEqual({ text: '\\u007f\\u009f\u00a0', printable: false })
  })
  it('an empty string is empty and printable', () => {
    expect(utf16Text(new Uint8Array(0))).toEqual({ text: '', printable: true })
  })
})
