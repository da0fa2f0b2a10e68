/**
 * TPM 2.0 structures (big-endian): TPMS_ATTEST by type, TPMT_SIGNATURE, TPMT/TPM2B_PUBLIC by key
 * type; and the tpm2-tools PCR file (host order, little-endian here).
 * Best-effort layout walker (never throws; stops where the input stops making sense): it feeds
 * `mutateBinary` with length / count / type fields, records and data.
 */
import type { Walker } from './binary.js'
import { Cursor } from './layout_cursor.js'

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
