/** decodeBase64Any: either alphabet, optional padding, equal to Node's decoder on valid input, undefined on anything else. */
import { describe, expect, it } from 'vitest'
import { decodeBase64Any } from '../../src/bytes/base64.js'

describe('decodeBase64Any', () => {
  it('decodes every length 0..300 in both alphabets, padded and not, as Buffer does', () => {
    let x = 7
    for (let len = 0; len <= 300; len++) {
      const bytes = new Uint8Array(len).map(() => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24))
      const std = Buffer.from(bytes).toString('base64')
      const url = Buffer.from(bytes).toString('base64url')
      expect(decodeBase64Any(std)).toEqual(new Uint8Array(bytes))
      expect(decodeBase64Any(url)).toEqual(new Uint8Array(bytes))
      expect(decodeBase64Any(std.replace(/=+$/, ''))).toEqual(new Uint8Array(bytes))
    }
  })

  it('refuses other characters, inner padding, more than two pads and a dangling character', () => {
    for (const s of ['AAAA*AAA', 'AA=A', 'AA===', 'AAAAA', 'A', 'QUJD\n', ' QUJD', 'QUJ\u00e9', 'QUJ\ud800', 'QU=D']) expect(decodeBase64Any(s), JSON.stringify(s)).toBeUndefined()
    expect(decodeBase64Any('')).toEqual(new Uint8Array(0))
    expect(decodeBase64Any('QQ')).toEqual(new Uint8Array([0x41]))
  })

  // Long strings take Node's decoder, which is lax; its output counts only when it re-encodes to the input.
  describe('long inputs (native fast path)', () => {
    const bytes = new Uint8Array(3000).map((_, i) => (i * 131 + 7) & 0xff)
    const std = Buffer.from(bytes).toString('base64')
    const url = Buffer.from(bytes).toString('base64url')
    const odd = Buffer.from(bytes.subarray(0, 2999)).toString('base64')
    const oddUrl = Buffer.from(bytes.subarray(0, 2999)).toString('base64url')
    it('decodes both alphabets with and without padding; the result owns its memory', () => {
      for (const [s, want] of [[std, bytes], [url, bytes], [odd, bytes.subarray(0, 2999)], [oddUrl, bytes.subarray(0, 2999)], [odd.replace(/=+$/, ''), bytes.subarray(0, 2999)], [oddUrl + '=', bytes.subarray(0, 2999)]] as const) {
        const out = decodeBase64Any(s)!
        expect(out).toEqual(new Uint8Array(want))
        expect(out.byteOffset).toBe(0)
        expect(out.buffer.byteLength).toBe(out.length)
      }
      const small = decodeBase64Any(Buffer.from(bytes.subarray(0, 60)).toString('base64'))!
      expect(small.buffer.byteLength).toBe(60)
    })
    it('refuses what Node would skip or stop at: foreign characters, whitespace, inner padding, a dangling character', () => {
      const mid = std.length >> 1
      for (const s of [std.slice(0, mid) + '*' + std.slice(mid + 1), std.slice(0, mid) + '\n' + std.slice(mid), std.slice(0, mid) + '=' + std.slice(mid + 1), std.slice(0, mid) + '==' + std.slice(mid), std + 'A', ' ' + std, std + '===', std.slice(0, mid) + '\u00e9' + std.slice(mid + 1)]) {
        expect(decodeBase64Any(s)).toBeUndefined()
      }
    })
    it('accepts what the strict decoder accepts though Node re-encodes it otherwise: mixed alphabets, non-zero trailing bits', () => {
      const i = std.search(/[+/]/)
      expect(i).toBeGreaterThan(0)
      const mixed = std.slice(0, i) + (std[i] === '+' ? '-' : '_') + std.slice(i + 1)
      expect(decodeBase64Any(mixed)).toEqual(bytes)
      const mixed2 = url.slice(0, -4) + url.slice(-4).replace(/-/g, '+')
      expect(decodeBase64Any(mixed2)).toEqual(bytes)
      // 'QR==' and 'QQ==' both decode to 'A': the trailing bits are ignored, as the table decoder does
      const last = new Uint8Array([...bytes.subarray(0, 2997), 0x41])
      const canonical = Buffer.from(last).toString('base64')
      expect(canonical.endsWith('QQ==')).toBe(true)
      const loose = canonical.slice(0, -4) + 'QR=='
      expect(decodeBase64Any(loose)).toEqual(last)
    })
  })
})
