import { describe, expect, it } from 'vitest'
import { ByteReader } from '../../src/bytes/reader.js'
import { u32beAt, u32leAt } from '../../src/bytes/uint32.js'

describe('u32leAt / u32beAt', () => {
  it('read unsigned 32-bit values in place, top bit included, at any offset', () => {
    const b = Uint8Array.of(0xaa, 0x01, 0x02, 0x03, 0x84, 0xff, 0xff, 0xff, 0xff)
    expect(u32leAt(b, 1)).toBe(0x84030201)
    expect(u32beAt(b, 1)).toBe(0x01020384)
    expect(u32leAt(b, 5)).toBe(0xffffffff)
    expect(u32beAt(b, 5)).toBe(0xffffffff)
    expect(u32leAt(b, 0)).toBe(0x030201aa)
  })

  it('agree with the bounds-checked reader and DataView on random bytes', () => {
    let seed = 11
    const b = Uint8Array.from({ length: 4096 }, () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 7) & 0xff)
    const view = new DataView(b.buffer)
    for (let at = 0; at + 4 <= b.length; at += 3) {
      expect(u32leAt(b, at)).toBe(view.getUint32(at, true))
      expect(u32beAt(b, at)).toBe(view.getUint32(at, false))
      const r = new ByteReader(b.subarray(at, at + 4), { truncated: 'ERR_EVENTLOG_TRUNCATED', limit: 'ERR_EVENTLOG_LIMIT' })
      expect(r.u32le('x')).toBe(view.getUint32(at, true))
    }
  })
})
