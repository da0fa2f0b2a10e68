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
