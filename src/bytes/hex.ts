/** Lowercase hex encoding/decoding, strict: even length, [0-9a-fA-F] only. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Both ASCII hex digits of a byte in one Uint16 (first digit in the low byte). */
const HEX_PAIR = new Uint16Array(256)
for (let i = 0; i < 256; i++) HEX_PAIR[i] = HEX[i]!.charCodeAt(0) | (HEX[i]!.charCodeAt(1) << 8)
const HEX_CHUNK = 4096
/** Scratch for the digit bytes: one Uint16 per input byte is two ASCII chars (little-endian). */
const hexScratch16 = new Uint16Array(HEX_CHUNK)
const hexScratch8 = new Uint8Array(hexScratch16.buffer)
/** Little-endian hosts only: the Uint16 packing above relies on it (big-endian uses the loop). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
let hexDecoder: TextDecoder | undefined
try {
  hexDecoder = typeof TextDecoder === 'function' ? new TextDecoder('latin1') : undefined
} catch {
  hexDecoder = undefined
}

/**
 * Lowercase hex. Digests are hex-encoded per event and bank on the verify path, so the digits
 * are written into a reused scratch buffer and decoded as one ASCII string (about twice as fast
 * as string concatenation for 32-byte digests, five times for certificates).
 */
export function toHex(bytes: Uint8Array): string {
  const n = bytes.length
  if (!LITTLE_ENDIAN || !hexDecoder || n < 8) {
    let s = ''
    for (let i = 0; i < n; i++) s += HEX[bytes[i]!]
    return s
  }
  if (n <= HEX_CHUNK) {
    for (let i = 0; i < n; i++) hexScratch16[i] = HEX_PAIR[bytes[i]!]!
    return hexDecoder.decode(hexScratch8.subarray(0, 2 * n))
  }
  let s = ''
  for (let o = 0; o < n; o += HEX_CHUNK) s += toHex(bytes.subarray(o, Math.min(n, o + HEX_CHUNK)))
  return s
}

/** Nibble per char code: 0-15 for digits and a-f, 16-31 for A-F (bit 4 marks a capital), -1 otherwise (a table: PCR values are decoded on the verify path). */
const NIBBLE = new Int8Array(128).fill(-1)
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i
for (let i = 0; i < 6; i++) {
  NIBBLE[97 + i] = 10 + i
  NIBBLE[65 + i] = 26 + i
}

/**
 * Decode the hex of `hex` from `start`; undefined for an odd length or a non-hex character.
 * `lower`, when given, is told whether every letter was lowercase (callers that keep the text
 * as the canonical form need to know).
 */
export function decodeHexAt(hex: string, start: number, lower?: { v: boolean }): Uint8Array | undefined {
  const len = hex.length - start
  if (len < 0 || len % 2 !== 0) return undefined
  const out = new Uint8Array(len / 2)
  let flags = 0
  for (let i = 0, j = start; i < out.length; i++, j += 2) {
    const a = hex.charCodeAt(j)
    const b = hex.charCodeAt(j + 1)
    const hi = a < 128 ? NIBBLE[a]! : -1
    const lo = b < 128 ? NIBBLE[b]! : -1
    if ((hi | lo) < 0) return undefined
    flags |= hi | lo
    out[i] = ((hi & 15) << 4) | (lo & 15)
  }
  if (lower) lower.v = (flags & 16) === 0
  return out
}

/**
 * Check the hex of `hex` from `start` without decoding it: -1 for an odd length or a non-hex
 * character, 1 when every letter is lowercase (the text is already canonical), 0 otherwise.
 * Callers that decode later (decodeHexInto) learn here whether the input is valid at all.
 */
export function hexFormAt(hex: string, start: number): -1 | 0 | 1 {
  const len = hex.length - start
  if (len < 0 || (len & 1) !== 0) return -1
  let flags = 0
  for (let j = start; j < hex.length; j++) {
    const c = hex.charCodeAt(j)
    const n = c < 128 ? NIBBLE[c]! : -1
    if (n < 0) return -1
    flags |= n
  }
  return (flags & 16) === 0 ? 1 : 0
}

/**
 * Decode the hex of `hex` from `start` into `out` at `offset` (no allocation). Returns the number
 * of bytes written, or -1 (after writing some) for an odd length, a non-hex character or too
 * little room.
 */
export function decodeHexInto(hex: string, start: number, out: Uint8Array, offset: number): number {
  const len = hex.length - start
  if (len < 0 || (len & 1) !== 0) return -1
  const n = len >> 1
  if (offset < 0 || offset + n > out.length) return -1
  for (let i = 0, j = start; i < n; i++, j += 2) {
    const a = hex.charCodeAt(j)
    const b = hex.charCodeAt(j + 1)
    const hi = a < 128 ? NIBBLE[a]! : -1
    const lo = b < 128 ? NIBBLE[b]! : -1
    if ((hi | lo) < 0) return -1
    out[offset + i] = ((hi & 15) << 4) | (lo & 15)
  }
  return n
}

/**
 * Decode `n` bytes from the 2n ASCII hex digits at `src[from]` into `out[at]` (hex text already
 * encoded into bytes, e.g. by TextEncoder.encodeInto: reading bytes costs much less than reading
 * characters). Returns -1 for a non-hex digit or too short an input or output (`out` is then
 * partly written), 1 when every letter is lowercase, 0 otherwise.
 */
export function decodeHexDigits(src: Uint8Array, from: number, n: number, out: Uint8Array, at: number): -1 | 0 | 1 {
  if (n < 0 || from < 0 || at < 0 || from + 2 * n > src.length || at + n > out.length) return -1
  let flags = 0
  for (let i = 0, j = from; i < n; i++, j += 2) {
    const a = src[j]!
    const b = src[j + 1]!
    const hi = a < 128 ? NIBBLE[a]! : -1
    const lo = b < 128 ? NIBBLE[b]! : -1
    flags |= hi | lo
    out[at + i] = ((hi & 15) << 4) | (lo & 15)
  }
  return flags < 0 ? -1 : (flags & 16) === 0 ? 1 : 0
}

/** Decode hex; returns undefined on malformed input so callers choose their own error code. */
export function fromHexOrUndefined(hex: string): Uint8Array | undefined {
  return decodeHexAt(hex, 0)
}

export function fromHex(hex: string, what = 'hex'): Uint8Array {
  const out = fromHexOrUndefined(hex)
  if (!out) throw new TypeError(`${what}: not an even-length hex string`)
  return out
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length
  if (n !== b.length) return false
  let i = 0
  // Long inputs (keys, certificates) four bytes at a time when both views are 4-aligned.
  if (n >= WORD_COMPARE_MIN && (a.byteOffset & 3) === 0 && (b.byteOffset & 3) === 0) {
    const wa = new Int32Array(a.buffer, a.byteOffset, n >> 2)
    const wb = new Int32Array(b.buffer, b.byteOffset, n >> 2)
    for (let k = 0; k < wa.length; k++) if (wa[k] !== wb[k]) return false
    i = wa.length << 2
  }
  for (; i < n; i++) if (a[i] !== b[i]) return false
  return true
}

/** Inputs at least this long are compared a word at a time (shorter ones: the views cost more). */
const WORD_COMPARE_MIN = 64

/** Constant-time comparison for secrets such as nonces (length is not secret). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

const latin1 = new TextDecoder('latin1')
/** Printable rendering of ASCII-ish bytes (non-printables escaped), for summaries. */
export function asciiPreview(bytes: Uint8Array, max = 128): string {
  const s = latin1.decode(bytes.subarray(0, max))
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) + (bytes.length > max ? '…' : '')
}
