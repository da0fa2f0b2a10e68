/** The terminal-safety escape: Cf (bidi, zero-width), controls, separators, lone surrogates. */
import { describe, it, expect } from 'vitest'
import { escapeText, needsEscape } from '../../src/text/escape.js'
import { renderReport } from '../../src/verdict/report.js'
import type { Verdict } from '../../src/verdict/types.js'

describe('escapeText', () => {
  it('escapes a bidi override (U+202E) so a name cannot display reversed', () => {
    expect(escapeText('Secure\u202eBoot')).toBe('Secure\\u202eBoot')
  })

  it('escapes zero-width characters and the BOM', () => {
    expect(escapeText('d\u200bb')).toBe('d\\u200bb')
    expect(escapeText('\u200c\u200d\u200e\u200f\ufeff')).toBe('\\u200c\\u200d\\u200e\\u200f\\ufeff')
  })

  it('escapes the bidi isolates and embeddings', () => {
    expect(escapeText('\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d')).toBe('\\u2066\\u2067\\u2068\\u2069\\u202a\\u202b\\u202c\\u202d')
  })

  it('escapes lone surrogates, high and low, but keeps a surrogate pair', () => {
    expect(escapeText('a\ud800b')).toBe('a\\ud800b')
    expect(escapeText('a\udc00')).toBe('a\\udc00')
    expect(escapeText('\udc00\ud800')).toBe('\\udc00\\ud800') // reversed pair: both lone
    expect(escapeText('ok \ud83d\ude00')).toBe('ok \ud83d\ude00')
  })

  it('escapes an astral format character (a tag) as its two code units', () => {
    expect(escapeText('x\u{e0001}')).toBe('x\\udb40\\udc01')
  })

  it('escapes C0, DEL, C1 and the line/paragraph separators', () => {
    expect(escapeText('\u0000\u001b[31m\r\t\u007f\u0085\u009b\u2028\u2029')).toBe('\\u0000\\u001b[31m\\u000d\\u0009\\u007f\\u0085\\u009b\\u2028\\u2029')
  })

  it('keeps printable non-ASCII text and backslashes as they are', () => {
    const s = 'Grüße, 日本語, \\x00 already escaped, é'
    expect(escapeText(s)).toBe(s)
    expect(needsEscape(s)).toBe(false)
  })

  it('keeps LF only when asked', () => {
    expect(escapeText('a\nb')).toBe('a\\u000ab')
    expect(escapeText('a\nb\u202e', { keepNewlines: true })).toBe('a\nb\\u202e')
    expect(needsEscape('a\nb', { keepNewlines: true })).toBe(false)
    expect(needsEscape('a\nb\u200b', { keepNewlines: true })).toBe(true)
  })

  it('leaves pretty-printed JSON the same JSON value', () => {
    const v = { name: 'Secure\u202eBoot', zw: 'a\u200bb', lone: 'x\ud800y', tag: '\u{e0001}', nl: 'l1\nl2', c1: '\u009b' }
    const text = JSON.stringify(v, null, 2)
    const safe = escapeText(text, { keepNewlines: true })
    expect(needsEscape(safe, { keepNewlines: true })).toBe(false)
    expect(JSON.parse(safe)).toEqual(v)
  })
})

describe('renderReport escapes finding text', () => {
  const verdict = {
    ear_status: 'contraindicated',
    bootproof_policy_id: 'p\u202e1',
    ear_verifier_id: { build: 'test', developer: 'test' },
    iat: 0,
    bootproof_steps: {},
    submods: {},
    bootproof_findings: [{ severity: 'error', code: 'X', message: 'variable "db\u202etxt.exe" \u200b and \ud800', observed: 'o\u2066' }],
  } as unknown as Verdict

  for (const format of ['text', 'md'] as const) {
    it(`${format}: no raw Cf or lone surrogate, escapes visible, lines kept`, () => {
      const out = renderReport(verdict, format)
      expect(needsEscape(out, { keepNewlines: true })).toBe(false)
      expect(out).toContain('db\\u202etxt.exe')
      expect(out).toContain('\\u200b')
      expect(out).toContain('\\ud800')
      expect(out).toContain('p\\u202e1')
      expect(out).toContain('o\\u2066')
      expect(out.split('\n').length).toBeGreaterThan(5)
    })
  }
})

describe('the printable-ASCII fast path decides exactly as the Unicode-property scan', () => {
  const unsafe = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u
  it('every UTF-16 code unit alone and inside ASCII text, with and without keepNewlines', () => {
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c)
      const want = unsafe.test(ch)
      for (const s of [ch, `{"id":"a${ch}b"}`]) {
        expect(needsEscape(s), `U+${c.toString(16)}`).toBe(want)
        expect(needsEscape(s, { keepNewlines: true }), `U+${c.toString(16)} keepNewlines`).toBe(c === 0x0a ? false : want)
      }
    }
  })
})
