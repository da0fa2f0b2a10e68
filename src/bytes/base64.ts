/**
 * Base64 as evidence bundles and fleet lines carry it (RFC 4648 §4 and §5): either alphabet,
 * padding optional. One pass over the text with a lookup table, no regular expressions and no
 * intermediate strings: the event log is most of a bundle's bytes, and fleets decode millions.
 */

/** Sextet value of each ASCII character; -1 for a character of neither alphabet. */
const SEXTET = (() => {
  const t = new Int8Array(128).fill(-1)
  const std = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  for (let i = 0; i < std.length; i++) t[std.charCodeAt(i)] = i
  t[0x2b] = 62 // '+'
  t[0x2d] = 62 // '-'
  t[0x2f] = 63 // '/'
  t[0x5f] = 63 // '_'
  return t
})()

const sextet = (c: number): number => (c < 128 ? SEXTET[c]! : -1)

/**
 * The bytes of `s` (standard or URL-safe alphabet, at most two trailing `=`), or undefined when
 * it is not base64: another character, `=` elsewhere than at the end, or a length that leaves a
 * single character over (which cannot encode a byte).
 */
export function decodeBase64Any(s: string): Uint8Array | undefined {
  return decodeNative(s) ?? decodeTable(s)
}

type NativeBuffer = Uint8Array & { toString(encoding?: 'base64' | 'base64url'): string }
/** Node's Buffer where the runtime has one (a global, so no import); undefined elsewhere. */
const NativeBuffer = (globalThis as { Buffer?: { from(s: string, encoding: 'base64'): NativeBuffer } }).Buffer

/**
 * Native fast path (a fleet decodes a ~17 KB event log per line: about 6x faster than the
 * table). Node's decoder is lax (it skips characters outside the alphabet), so its output is
 * accepted only when encoding it again gives back exactly `s` (padding as `s` has it): then `s`
 * is canonical base64 of those bytes. Anything else (mixed alphabets, non-zero trailing bits,
 * foreign characters) goes to the strict table decoder, which decides.
 */
function decodeNative(s: string): Uint8Array | undefined {
  if (!NativeBuffer || s.length < 64) return undefined
  const bytes = NativeBuffer.from(s, 'base64')
  const url = s.includes('-') || s.includes('_')
  let again = bytes.toString(url ? 'base64url' : 'base64')
  // base64url output has no padding, base64 output always pads: match s's own padding.
  if (s.endsWith('=')) {
    if (url) again += '='.repeat((4 - (again.length % 4)) % 4)
  } else if (!url) {
    let end = again.length
    while (end > 0 && again.charCodeAt(end - 1) === 0x3d) end--
    again = again.slice(0, end)
  }
  if (again !== s) return undefined
  // A plain Uint8Array that owns its memory (small Buffers are views into a shared pool).
  return bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length ? new Uint8Array(bytes.buffer) : new Uint8Array(bytes)
}

/** The strict table decoder: the definition of what is accepted. */
function decodeTable(s: string): Uint8Array | undefined {
  let n = s.length
  for (let pad = 0; pad < 2 && n > 0 && s.charCodeAt(n - 1) === 0x3d; pad++) n--
  if (n % 4 === 1) return undefined
  const out = new Uint8Array(((n >> 2) * 3) + (n % 4 === 0 ? 0 : (n % 4) - 1))
  let o = 0
  let i = 0
  for (; i + 4 <= n; i += 4) {
    const a = sextet(s.charCodeAt(i))
    const b = sextet(s.charCodeAt(i + 1))
    const c = sextet(s.charCodeAt(i + 2))
    const d = sextet(s.charCodeAt(i + 3))
    if ((a | b | c | d) < 0) return undefined
    const v = (a << 18) | (b << 12) | (c << 6) | d
    out[o++] = v >> 16
    out[o++] = (v >> 8) & 0xff
    out[o++] = v & 0xff
  }
  const rest = n - i
  if (rest >= 2) {
    const a = sextet(s.charCodeAt(i))
    const b = sextet(s.charCodeAt(i + 1))
    const c = rest === 3 ? sextet(s.charCodeAt(i + 2)) : 0
    if ((a | b | c) < 0) return undefined
    out[o++] = (a << 2) | (b >> 4)
    if (rest === 3) out[o++] = ((b & 0x0f) << 4) | (c >> 2)
  }
  return out
}
