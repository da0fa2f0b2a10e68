/**
 * TCG event logs (little-endian): SHA-1 format and crypto-agile records with the Spec ID
 * algorithms, and the event data inside them (EFI variables, signature lists, device paths, image
 * loads, GPT, handoff tables, SIPA TLVs).
 * Best-effort layout walker (never throws; stops where the input stops making sense): it feeds
 * `mutateBinary` with length / count / type fields, records and data.
 */
import type { Walker } from './binary.js'
import { Cursor } from './layout_cursor.js'

const SPEC_ID = 'Spec ID Event03'
const KNOWN_SIZES: Record<number, number> = { 0x0004: 20, 0x000b: 32, 0x000c: 48, 0x000d: 64, 0x0012: 32 }

/** Event types worth writing into `type` fields of event logs. */
export const EVENT_TYPES = [
  0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0x9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
  0x80000000, 0x80000001, 0x80000002, 0x80000003, 0x80000004, 0x80000005, 0x80000006, 0x80000007, 0x80000008, 0x80000009,
  0x8000000a, 0x8000000b, 0x8000000c, 0x80000010, 0x800000e0, 0x800000e1, 0x800000e2, 0xffffffff, 0x0004, 0x000b, 0x000c, 0x000d, 0x0012, 0x1234,
]

export const walkTcgLog: Walker = (b) => {
  const c = new Cursor(b, true)
  const L = c.L
  // first record: TCG_PCR_EVENT
  const start0 = 0
  c.int(4, 'value')
  c.int(4, 'type')
  c.data(20)
  const d0 = c.sized(4, false)
  if (!d0) return L
  L.records.push({ start: start0, end: c.pos })
  const sizes = new Map<number, number>()
  let agile = false
  const txt = new TextDecoder('latin1').decode(b.subarray(d0.start, Math.min(d0.end, d0.start + 15)))
  if (txt === SPEC_ID) {
    agile = true
    const s = c.sub(d0.start + 24, d0.end)
    const n = s.int(4, 'count') ?? 0
    for (let i = 0; i < Math.min(n, 32); i++) {
      const as = s.pos
      const alg = s.int(2, 'type')
      const size = s.int(2, 'len')
      if (alg === undefined || size === undefined) break
      sizes.set(alg, size)
      s.L.records.push({ start: as, end: s.pos })
    }
    s.sized(1)
  }
  let guard = 0
  while (c.pos < b.length && guard++ < 100000) {
    const rs = c.pos
    c.int(4, 'value')
    const type = c.int(4, 'type')
    if (type === undefined) break
    if (agile) {
      const n = c.int(4, 'count')
      if (n === undefined) break
      let bad = false
      for (let i = 0; i < Math.min(n, 16); i++) {
        const alg = c.int(2, 'type')
        const size = alg === undefined ? undefined : (sizes.get(alg) ?? KNOWN_SIZES[alg])
        if (size === undefined || !c.data(size)) {
          bad = true
          break
        }
      }
      if (bad) break
    } else if (!c.data(20)) break
    const d = c.sized(4, false)
    if (!d) break
    L.records.push({ start: rs, end: c.pos })
    walkEventData(c.sub(d.start, d.end), type)
  }
  return L
}

function walkDevicePath(c: Cursor): void {
  let guard = 0
  while (c.pos + 4 <= c.end && guard++ < 512) {
    const s = c.pos
    c.int(1, 'type')
    c.int(1, 'type')
    const len = c.int(2, 'len')
    if (len === undefined || len < 4 || s + len > c.end) break
    c.L.sized.push({ start: s + 4, end: s + len, lenField: c.lastField() })
    c.data(len - 4)
    c.L.records.push({ start: s, end: c.pos })
  }
}

function walkSignatureLists(c: Cursor): void {
  let guard = 0
  while (c.pos + 28 <= c.end && guard++ < 256) {
    const s = c.pos
    c.data(16)
    const listSize = c.int(4, 'len')
    const headerSize = c.int(4, 'len')
    const sigSize = c.int(4, 'len')
    if (listSize === undefined || headerSize === undefined || sigSize === undefined || listSize < 28 || s + listSize > c.end) break
    c.data(headerSize)
    while (sigSize >= 16 && c.pos + sigSize <= s + listSize) {
      const es = c.pos
      c.data(sigSize)
      c.L.records.push({ start: es, end: c.pos })
    }
    c.pos = s + listSize
    c.L.records.push({ start: s, end: c.pos })
  }
}

function walkTagged(c: Cursor, depth = 0): void {
  let guard = 0
  while (c.pos + 8 <= c.end && guard++ < 4096) {
    const s = c.pos
    c.int(4, 'type')
    const d = c.sized(4, false)
    if (!d) break
    c.L.records.push({ start: s, end: c.pos })
    // SIPA containers nest the same TLV shape: recurse when the content parses as TLVs.
    if (depth < 4 && d.end - d.start >= 8) walkTagged(c.sub(d.start, d.end), depth + 1)
  }
}

function walkEventData(c: Cursor, type: number): void {
  switch (type) {
    case 0x80000001:
    case 0x80000002:
    case 0x8000000c:
    case 0x800000e0: {
      c.data(16)
      const nameLen = c.int(8, 'len')
      const dataLen = c.int(8, 'len')
      if (nameLen === undefined || dataLen === undefined) return
      c.data(Math.min(nameLen * 2, c.end - c.pos))
      const d = c.sub(c.pos, Math.min(c.end, c.pos + dataLen))
      if (type === 0x80000002 || type === 0x8000000c) {
        d.int(4, 'value')
        const fpl = d.int(2, 'len')
        while (d.pos + 2 <= d.end && (c.b[d.pos] !== 0 || c.b[d.pos + 1] !== 0)) d.pos += 2
        d.pos += 2
        if (fpl !== undefined) walkDevicePath(d.sub(d.pos, Math.min(d.end, d.pos + fpl)))
      } else walkSignatureLists(d)
      return
    }
    case 0x80000003:
    case 0x80000004:
    case 0x80000005: {
      c.int(8, 'value')
      c.int(8, 'value')
      c.int(8, 'value')
      const dp = c.sized(8, false)
      if (dp) walkDevicePath(c.sub(dp.start, dp.end))
      return
    }
    case 0x80000006: {
      c.data(80)
      c.int(4, 'count')
      c.int(4, 'len')
      c.data(8)
      c.int(8, 'count')
      return
    }
    case 0x80000008:
      c.int(8, 'value')
      c.int(8, 'len')
      return
    case 0x8000000a:
      c.sized(1)
      c.int(8, 'value')
      c.int(8, 'len')
      return
    case 0x80000009:
    case 0x8000000b: {
      if (type === 0x8000000b) c.sized(1)
      const n = c.int(8, 'count') ?? 0
      for (let i = 0; i < Math.min(n, 64) && c.ok(24); i++) {
        const s = c.pos
        c.data(16)
        c.int(8, 'value')
        c.L.records.push({ start: s, end: c.pos })
      }
      return
    }
    case 0x00000006:
      walkTagged(c)
      return
    default:
      c.data(c.end - c.pos)
  }
}
