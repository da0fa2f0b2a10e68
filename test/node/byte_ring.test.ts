import { describe, expect, it } from 'vitest'
import { createRingBuffer, RingReader, RingWriter, type RingRecord } from '../../src/node/byte_ring.js'

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) & 0xff)

describe('byte ring', () => {
  it('refuses a capacity that is not a power of two from 16 to 2^30, and a buffer that is not a ring', () => {
    for (const bad of [0, 8, 15, 100, 2 ** 31, 1.5, -16]) expect(() => createRingBuffer(bad)).toThrow(RangeError)
    expect(createRingBuffer(16).byteLength).toBe(24)
    expect(() => new RingReader(new SharedArrayBuffer(8 + 100))).toThrow(RangeError)
  })

  it('keeps records until released, skips the tail rather than wrapping a record, and refuses what does not fit', () => {
    const sab = createRingBuffer(64)
    const w = new RingWriter(sab)
    const r = new RingReader(sab)
    const a = w.writeBytes(bytes(40, 1))!
    expect(a).toEqual({ at: 0, len: 40, end: 40 })
    // 24 bytes are free, but only before the end: a 30-byte record fits nowhere until `a` is released.
    expect(w.writeBytes(bytes(30, 2))).toBeUndefined()
    const b = w.writeBytes(bytes(20, 3))!
    expect(b).toEqual({ at: 40, len: 20, end: 60 })
    expect(w.writeBytes(bytes(5, 4))).toBeUndefined()
    expect(r.bytes(a)).toEqual(bytes(40, 1))
    r.release(a)
    // 4 bytes remain before the end: the next record starts at 0 and the tail counts as written.
    const c = w.writeBytes(bytes(30, 5))!
    expect(c).toEqual({ at: 0, len: 30, end: 94 })
    expect(r.bytes(b)).toEqual(bytes(20, 3))
    expect(r.bytes(c)).toEqual(bytes(30, 5))
    // Larger than the ring: never fits. A record needs contiguous space: with the ring empty but
    // the cursor at 30, 64 bytes fit only once the tail has been used and released.
    r.release(c)
    expect(w.writeBytes(bytes(65, 6))).toBeUndefined()
    expect(w.writeBytes(bytes(64, 7))).toBeUndefined()
    const d = w.writeBytes(bytes(34, 8))!
    expect(d).toEqual({ at: 30, len: 34, end: 128 })
    r.release(d)
    expect(w.writeBytes(bytes(64, 7))).toEqual({ at: 0, len: 64, end: 192 })
    expect(r.bytes({ at: 0, len: 64, end: 192 })).toEqual(bytes(64, 7))
  })

  it('writes text as UTF-8 (multi-byte, lone surrogates as U+FFFD) and refuses text that does not fit', () => {
    const sab = createRingBuffer(32)
    const w = new RingWriter(sab)
    const r = new RingReader(sab)
    const t = w.writeText('a—€😀')!
    expect(t.len).toBe(1 + 3 + 3 + 4)
    expect(r.text(t)).toBe('a—€😀')
    const s = w.writeText('x\ud800y')!
    expect(r.text(s)).toBe('x\ufffdy')
    // 16 bytes free before the end, none after the start (t is held): 20 bytes fit nowhere.
    expect(w.writeText('z'.repeat(20))).toBeUndefined()
    r.release(s)
    const z = w.writeText('z'.repeat(10))!
    expect(z).toEqual({ at: 16, len: 10, end: 26 })
    // 6 bytes before the end: the next text goes to the start and the tail counts as written.
    const y = w.writeText('w'.repeat(8))!
    expect(y).toEqual({ at: 0, len: 8, end: 40 })
    expect(r.text(z)).toBe('z'.repeat(10))
    expect(r.text(y)).toBe('w'.repeat(8))
    r.release(y)
    expect(w.writeText('')).toEqual({ at: 8, len: 0, end: 40 })
    // Exactly the space before the end, then exactly the 8 bytes left at the start.
    expect(w.writeText('—'.repeat(8))).toEqual({ at: 8, len: 24, end: 64 })
    expect(w.writeText('q'.repeat(9))).toBeUndefined()
    expect(w.writeText('q'.repeat(8))).toEqual({ at: 0, len: 8, end: 72 })
  })

  it('never hands out space the reader holds: 20,000 random records checked against a model', () => {
    let seed = 7
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n)
    const sab = createRingBuffer(1024)
    const w = new RingWriter(sab)
    const r = new RingReader(sab)
    const held: { rec: RingRecord; want: Uint8Array | string }[] = []
    let written = 0
    let refused = 0
    for (let i = 0; i < 20_000; i++) {
      if (held.length && rnd(3) === 0) {
        // Release a prefix of the held records, checking each is intact.
        const k = 1 + rnd(held.length)
        for (const h of held.splice(0, k)) {
          if (typeof h.want === 'string') expect(r.text(h.rec)).toBe(h.want)
          else expect(r.bytes(h.rec)).toEqual(h.want)
          r.release(h.rec)
        }
        continue
      }
      const n = rnd(300)
      const text = rnd(2) === 0
      const want = text ? '—x'.repeat(n >> 2) : bytes(n, i)
      const rec = typeof want === 'string' ? w.writeText(want) : w.writeBytes(want)
      if (!rec) {
        refused++
        continue
      }
      written++
      held.push({ rec, want })
      // Every held record is still intact after each write (no overlap with unreleased space).
      for (const h of held) {
        if (typeof h.want === 'string') expect(r.text(h.rec)).toBe(h.want)
        else expect(r.bytes(h.rec)).toEqual(h.want)
      }
    }
    expect(written).toBeGreaterThan(5_000)
    expect(refused).toBeGreaterThan(100)
  })

  it('keeps its accounting across the int32 wrap of the running counts (2^31 and 2^32 bytes written)', () => {
    for (const startAt of [2 ** 31 - 40, -40]) {
      const sab = createRingBuffer(64)
      const w = new RingWriter(sab)
      const r = new RingReader(sab)
      // As if startAt (mod 2^32) bytes had gone through the ring and been released.
      ;(w as unknown as { head: number }).head = startAt | 0
      Atomics.store(new Int32Array(sab, 0, 2), 0, startAt | 0)
      const held: { rec: RingRecord; want: Uint8Array }[] = []
      for (let i = 0; i < 400; i++) {
        const want = bytes(5 + (i % 23), i)
        let rec = w.writeBytes(want)
        if (!rec) {
          // Refused only when held space leaves no room: with every record released it fits.
          expect(held.length).toBeGreaterThan(0)
          for (const h of held.splice(0)) {
            expect(r.bytes(h.rec)).toEqual(h.want)
            r.release(h.rec)
          }
          rec = w.writeBytes(want)!
        }
        expect(rec.at + rec.len).toBeLessThanOrEqual(64)
        held.push({ rec, want })
        for (const h of held) expect(r.bytes(h.rec)).toEqual(h.want)
      }
      // The running count went across the wrap.
      expect(Math.sign(held.at(-1)!.rec.end)).not.toBe(Math.sign(startAt | 0))
    }
  })
})
