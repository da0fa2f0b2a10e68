import { describe, expect, it } from 'vitest'
import { ByteReader } from '../../src/bytes/reader.js'
import { LimitExceededError, TruncatedInputError } from '../../src/errors.js'

const r = (b: number[], base = 0) => new ByteReader(Uint8Array.from(b), { truncated: 'ERR_TPM_TRUNCATED', limit: 'ERR_TPM_LIMIT', base })

describe('ByteReader', () => {
  it('reads with explicit endianness', () => {
    const x = r([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(x.u16le('a')).toBe(0x0201)
    expect(x.u16be('b')).toBe(0x0304)
    expect(x.u32le('c')).toBe(0x08070605)
    expect(x.u32be('d')).toBe(0x090a0b0c)
    expect(x.atEnd()).toBe(true)
  })

  it('throws a typed truncation error with the absolute offset and field', () => {
    const x = r([1, 2, 3], 100)
    x.u8('x')
    try {
      x.u32be('size')
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(TruncatedInputError)
      expect(e).toMatchObject({ code: 'ERR_TPM_TRUNCATED', offset: 101, field: 'size', needed: 4, available: 2 })
    }
  })

  it('rejects u64 lengths larger than what remains before converting them (2^63, 2^53+1)', () => {
    for (const v of [2n ** 63n, 2n ** 53n + 1n, 2n ** 64n - 1n]) {
      const b = new Uint8Array(16)
      new DataView(b.buffer).setBigUint64(0, v, true)
      const x = new ByteReader(b, { truncated: 'ERR_EVENTDATA_TRUNCATED', limit: 'ERR_EVENTDATA_LIMIT' })
      expect(() => x.u64leLength('len')).toThrowError(expect.objectContaining({ code: 'ERR_EVENTDATA_TRUNCATED', offset: 0 }))
    }
  })

  it('TPM2B sizes are checked against the structure maximum, then against what remains', () => {
    expect(() => r([0x00, 0x41, ...new Array(0x41).fill(0)]).tpm2b('nonce', 64)).toThrow(LimitExceededError)
    expect(() => r([0x00, 0x04, 1, 2]).tpm2b('nonce', 64)).toThrowError(expect.objectContaining({ code: 'ERR_TPM_TRUNCATED' }))
    expect(Array.from(r([0x00, 0x02, 7, 8]).tpm2b('nonce', 64))).toEqual([7, 8])
  })

  it('take() returns views, not copies', () => {
    const src = Uint8Array.from([1, 2, 3, 4])
    const v = new ByteReader(src, { truncated: 'ERR_TPM_TRUNCATED', limit: 'ERR_TPM_LIMIT' }).take(2, 'x')
    expect(v.buffer).toBe(src.buffer)
  })
})
