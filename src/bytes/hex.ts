/** Lowercase hex encoding/decoding, strict: even length, [0-9a-fA-F] only. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!]
  return s
}

/** Nibble value per char code, or -1 (a table: PCR values are decoded on the verify path). */
const NIBBLE = new Int8Array(128).fill(-1)
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i
  NIBBLE[97 + i] = 10 + i
}

/** Decode hex; returns undefined on malformed input so callers choose their own error code. */
export function fromHexOrUndefined(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0) return undefined
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) {
    const a = hex.charCodeAt(2 * i)
    const b = hex.charCodeAt(2 * i + 1)
    const hi = a < 128 ? NIBBLE[a]! : -1
    const lo = b < 128 ? NIBBLE[b]! : -1
    if ((hi | lo) < 0) return undefined
    out[i] = (hi << 4) | lo
  }
  return out
}

export function fromHex(hex: string, what = 'hex'): Uint8Array {
  const out = fromHexOrUndefined(hex)
  if (!out) throw new TypeError(`${what}: not an even-length hex string`)
  return out
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

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
