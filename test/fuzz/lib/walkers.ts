/**
 * Best-effort layout walkers for the binary formats (never throw; stop where the input stops
 * making sense). They feed `mutateBinary` with length / count / type fields, records and data.
 */
import { emptyLayout, type Field, type FieldKind, type Layout, type Walker } from './binary.js'

class Cursor {
  readonly L: Layout = emptyLayout()
  constructor(
    readonly b: Uint8Array,
    readonly le: boolean,
    public pos = 0,
    public end = b.length,
    L?: Layout,
  ) {
    if (L) this.L = L
  }
  ok(n: number): boolean {
    return n >= 0 && this.pos + n <= this.end
  }
  /** Read an unsigned integer field, record it, return it (Number; u64 above 2^53 saturates). */
  int(size: number, kind: FieldKind, containerEnd = this.end): number | undefined {
    if (!this.ok(size)) return undefined
    const f: Field = { off: this.pos, size, le: this.le, kind, remaining: containerEnd - (this.pos + size) }
    this.L.fields.push(f)
    let v = 0
    for (let i = 0; i < size; i++) v = v * 256 + this.b[this.le ? this.pos + size - 1 - i : this.pos + i]!
    this.pos += size
    return v
  }
  lastField(): Field {
    return this.L.fields[this.L.fields.length - 1]!
  }
  data(n: number): { start: number; end: number } | undefined {
    if (!this.ok(n)) return undefined
    const r = { start: this.pos, end: this.pos + n }
    if (n) this.L.data.push(r)
    this.pos += n
    return r
  }
  /** A length-prefixed blob: u<size> length then data; recorded as sized region and record. */
  sized(size: number, record = true): { start: number; end: number } | undefined {
    const start = this.pos
    const n = this.int(size, 'len')
    if (n === undefined) return undefined
    const lenField = this.lastField()
    const d = this.data(n)
    if (!d) return undefined
    this.L.sized.push({ ...d, lenField })
    if (record) this.L.records.push({ start, end: this.pos })
    return d
  }
  sub(start: number, end: number): Cursor {
    return new Cursor(this.b, this.le, start, end, this.L)
  }
}

// ------------------------------------------------------------------ TCG event logs (LE)

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

// ------------------------------------------------------------------ IMA binary (LE)

export const walkImaBinary: Walker = (b) => {
  const c = new Cursor(b, true)
  let digestSize: number | undefined
  let guard = 0
  while (c.pos + 8 <= b.length && guard++ < 200000) {
    const s = c.pos
    if (digestSize === undefined) {
      for (const d of [20, 32, 48, 64]) {
        const off = s + 4 + d
        if (off + 4 > b.length) continue
        const n = b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)
        if (n > 0 && n < 64 && off + 4 + n <= b.length && b[off + 4]! >= 0x20 && b[off + 4]! < 0x7f) {
          digestSize = d
          break
        }
      }
      if (digestSize === undefined) break
    }
    c.int(4, 'value')
    c.data(digestSize)
    const nameR = c.sized(4, false)
    if (!nameR) break
    const name = new TextDecoder('latin1').decode(b.subarray(nameR.start, nameR.end))
    if (name === 'ima') {
      c.data(20)
      if (!c.sized(4, false)) break
    } else {
      const td = c.sized(4, false)
      if (!td) break
      const t = c.sub(td.start, td.end)
      while (t.pos + 4 <= t.end) if (!t.sized(4)) break
    }
    c.L.records.push({ start: s, end: c.pos })
  }
  return c.L
}

// ------------------------------------------------------------------ TPM 2.0 structures (BE)

export const TPM_TYPES = [
  0x0001, 0x0004, 0x0005, 0x0006, 0x0008, 0x000a, 0x000b, 0x000c, 0x000d, 0x0010, 0x0012, 0x0014, 0x0016, 0x0018, 0x001a, 0x001b,
  0x001c, 0x0023, 0x0025, 0x0043, 0x8014, 0x8015, 0x8016, 0x8017, 0x8018, 0x8019, 0x801a, 0x801b, 0x801c, 0xffff,
]

function tpm2b(c: Cursor): boolean {
  return c.sized(2) !== undefined
}

function pcrSelection(c: Cursor): void {
  const n = c.int(4, 'count') ?? 0
  for (let i = 0; i < Math.min(n, 32); i++) {
    const s = c.pos
    c.int(2, 'type')
    if (!c.sized(1, false)) return
    c.L.records.push({ start: s, end: c.pos })
  }
}

export const walkTpmsAttest: Walker = (b) => {
  const c = new Cursor(b, false)
  c.int(4, 'value')
  const type = c.int(2, 'type')
  if (!tpm2b(c) || !tpm2b(c)) return c.L
  const cs = c.pos
  c.int(8, 'value')
  c.int(4, 'value')
  c.int(4, 'value')
  c.int(1, 'value')
  c.L.records.push({ start: cs, end: c.pos })
  c.int(8, 'value')
  switch (type) {
    case 0x8018:
      pcrSelection(c)
      tpm2b(c)
      break
    case 0x8017:
    case 0x801a:
      tpm2b(c)
      tpm2b(c)
      break
    case 0x8015:
      c.int(8, 'value')
      c.int(2, 'type')
      tpm2b(c)
      tpm2b(c)
      break
    case 0x8019:
      c.int(1, 'value')
      tpm2b(c)
      break
    case 0x8016:
      c.int(8, 'value')
      c.data(17)
      c.int(8, 'value')
      break
    case 0x8014:
      tpm2b(c)
      c.int(2, 'value')
      tpm2b(c)
      break
    default:
      c.data(c.end - c.pos)
  }
  return c.L
}

const HASH_SIZES: Record<number, number> = { 0x4: 20, 0xb: 32, 0xc: 48, 0xd: 64, 0x12: 32 }

export const walkTpmtSignature: Walker = (b) => {
  const c = new Cursor(b, false)
  const alg = c.int(2, 'type')
  if (alg === undefined || alg === 0x10) return c.L
  const hash = c.int(2, 'type')
  if (alg === 0x14 || alg === 0x16) tpm2b(c)
  else if (alg === 0x5) c.data(HASH_SIZES[hash ?? 0] ?? 0)
  else {
    tpm2b(c)
    tpm2b(c)
  }
  return c.L
}

function walkTpmtPublicInto(c: Cursor): void {
  const type = c.int(2, 'type')
  c.int(2, 'type')
  c.int(4, 'value')
  tpm2b(c)
  const sym = (): void => {
    const a = c.int(2, 'type')
    if (a !== undefined && a !== 0x10) {
      c.int(2, 'value')
      c.int(2, 'type')
    }
  }
  const scheme = (): void => {
    const s = c.int(2, 'type')
    if (s !== undefined && s !== 0x10) c.int(2, 'type')
  }
  if (type === 0x1) {
    sym()
    scheme()
    c.int(2, 'value')
    c.int(4, 'value')
    tpm2b(c)
  } else if (type === 0x23) {
    sym()
    scheme()
    c.int(2, 'type')
    scheme()
    tpm2b(c)
    tpm2b(c)
  } else if (type === 0x8) {
    const s = c.int(2, 'type')
    if (s === 0x5) c.int(2, 'type')
    if (s === 0xa) {
      c.int(2, 'type')
      c.int(2, 'type')
    }
    tpm2b(c)
  } else if (type === 0x25) {
    sym()
    tpm2b(c)
  }
}

export const walkTpmPublic: Walker = (b) => {
  // TPM2B_PUBLIC when the first u16 is the remaining size, else TPMT_PUBLIC.
  const c = new Cursor(b, false)
  if (b.length >= 2 && ((b[0]! << 8) | b[1]!) === b.length - 2) {
    c.int(2, 'len')
    c.L.sized.push({ start: 2, end: b.length, lenField: c.lastField() })
  }
  walkTpmtPublicInto(c)
  return c.L
}

// ------------------------------------------------------------------ tpm2-tools PCR file (host order, LE here)

export const walkPcrFile: Walker = (b) => {
  const c = new Cursor(b, true)
  c.int(4, 'count')
  for (let i = 0; i < 16 && c.ok(8); i++) {
    const s = c.pos
    c.int(2, 'type')
    c.int(1, 'len')
    c.data(4)
    c.int(1, 'value')
    c.L.records.push({ start: s, end: c.pos })
  }
  c.int(4, 'count')
  while (c.ok(532)) {
    const s = c.pos
    c.int(4, 'count')
    for (let i = 0; i < 8; i++) {
      c.int(2, 'len')
      c.data(64)
    }
    c.L.records.push({ start: s, end: c.pos })
  }
  return c.L
}
