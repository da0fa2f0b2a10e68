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
})
