import { describe, expect, it } from 'vitest'
import { constantTimeEqual, fromHex, fromHexOrUndefined, toHex } from '../../src/bytes/hex.js'

describe('hex', () => {
  it('round-trips every byte value, lower and upper case', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(fromHexOrUndefined(toHex(all))).toEqual(all)
    expect(fromHexOrUndefined(toHex(all).toUpperCase())).toEqual(all)
    expect(toHex(all)).toMatch(/^[0-9a-f]{512}$/)
  })

  it.each(['0', 'zz', '0g', 'g0', '  ', '0x00', '\u0660\u0660', 'é0'])('rejects %j', (s) => {
    expect(fromHexOrUndefined(s)).toBeUndefined()
    expect(() => fromHex(s)).toThrow(TypeError)
  })

  it('constant-time comparison compares lengths and every byte', () => {
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true)
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false)
    expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false)
    expect(constantTimeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true)
  })
})

describe('bytesEqual', () => {
  it('finds a single differing byte at any position, aligned or not, short or long', async () => {
    const { bytesEqual } = await import('../../src/bytes/hex.js')
    for (const n of [0, 1, 3, 63, 64, 65, 130, 1027]) {
      for (const off of [0, 1, 4]) {
        const buf = new Uint8Array(n + 8).map((_, i) => (i * 37 + 11) & 255)
        const a = buf.subarray(off, off + n)
        const b = new Uint8Array(n + 4).subarray(4 - (off & 3), 4 - (off & 3) + n)
        b.set(a)
        expect(bytesEqual(a, b), `n=${n} off=${off}`).toBe(true)
        for (const at of [0, n >> 1, n - 1]) {
          if (n === 0) continue
          b[at]! ^= 1
          expect(bytesEqual(a, b), `n=${n} off=${off} at=${at}`).toBe(false)
          b[at]! ^= 1
        }
      }
      expect(bytesEqual(new Uint8Array(n), new Uint8Array(n + 1))).toBe(false)
    }
  })
})
