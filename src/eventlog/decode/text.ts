/**
 * Text read from event data. Event-log strings are attacker-influenced and sometimes not what
 * they claim to be, so every decoder here is exact about NULs and reports non-printables instead
 * of hiding them: `\xNN` for bytes outside 0x20-0x7E, `\uNNNN` for UTF-16 code units below 0x20,
 * DEL, C1 controls and unpaired surrogates.
 *
 * Cost is bounded by the caller's `maxBytes` (`limits.maxDecodedTextBytes` for event data): only
 * that many bytes of a string become text, and the result says `truncated`; the event keeps every
 * byte, and its digest check covers them all. A string's escaped text is up to 4 characters per
 * byte, so binary data (mostly bytes that would be escaped, e.g. 0xFF padding swallowed by a grown
 * EventSize) is recognised by `isBinaryText` and left raw by the decoders instead of rendered.
 */
import type { ByteReader } from '../../bytes/reader.js'

export interface DecodedText {
  text: string
  /** No byte (or UTF-16 code unit) of the whole string was escaped. */
  printable: boolean
  /** The string is longer than the `maxBytes` it was decoded with: `text` holds its first `maxBytes` bytes. */
  truncated?: true
}

/**
 * Below this length the per-character loops are cheapest (V8 keeps short concatenations flat);
 * from it on, a string is decoded in one call.
 */
const BULK_MIN = 16
/** Strings up to this length are always rendered as text, escaped (a short binary value is shown, not hidden). */
const BINARY_MIN_BYTES = 64
/** Bytes of a binary body rendered when a decoder shows its start (then `truncated`). */
export const BINARY_PREVIEW_BYTES = BINARY_MIN_BYTES
// windows-1252 ("latin1" in the Encoding standard) is ASCII on 0x20-0x7E, the only bytes it is used for.
const latin1 = new TextDecoder('latin1')
// ignoreBOM: a leading U+FEFF is text here (kept, like every other printable code unit).
const utf16le = new TextDecoder('utf-16le', { ignoreBOM: true })

/** `\xNN` for every byte outside 0x20-0x7E (undefined for printable bytes). */
const ESCAPES: readonly (string | undefined)[] = Array.from({ length: 256 }, (_, b) => (b >= 0x20 && b <= 0x7e ? undefined : `\\x${b.toString(16).padStart(2, '0')}`))
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0))

const isPrintableByte = (b: number): boolean => b >= 0x20 && b <= 0x7e

/** Bytes of bytes[0..n) that `asciiText` escapes. */
function countEscaped(bytes: Uint8Array, n: number): number {
  let k = 0
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!
    if (b < 0x20 || b > 0x7e) k++
  }
  return k
}

/**
 * Whether a string body is binary data rather than text: longer than 64 bytes, and among its
 * first `maxBytes` bytes more are outside printable ASCII, TAB, LF and CR (GRUB's multi-line
 * `menuentry` / `submenu` strings use those three) than inside. Such a body is not rendered:
 * escaping it would cost 4 characters per byte for nothing a reader can use.
 */
export function isBinaryText(bytes: Uint8Array, maxBytes: number): boolean {
  const n = Math.min(bytes.length, maxBytes)
  if (n <= BINARY_MIN_BYTES) return false
  let other = 0
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!
    if ((b < 0x20 || b > 0x7e) && b !== 0x09 && b !== 0x0a && b !== 0x0d) other++
  }
  return 2 * other > n
}

/** Reused output buffer of `escapeAscii` (kept up to 1 MiB: 4 characters for each of 256 KiB). */
let scratch = new Uint8Array(0)
function scratchOf(n: number): Uint8Array {
  if (n <= scratch.length) return scratch
  const b = new Uint8Array(n)
  if (n <= 1024 * 1024) scratch = b
  return b
}

/** bytes[0..n) as text, `escaped` of them escaped (a precomputed count sizes the output once). */
function escapeAscii(bytes: Uint8Array, n: number, escaped: number): string {
  if (escaped === 0) {
    if (n >= BULK_MIN) return latin1.decode(bytes.subarray(0, n))
    let text = ''
    for (let i = 0; i < n; i++) text += String.fromCharCode(bytes[i]!)
    return text
  }
  if (n < BULK_MIN) {
    let text = ''
    for (let i = 0; i < n; i++) text += ESCAPES[bytes[i]!] ?? String.fromCharCode(bytes[i]!)
    return text
  }
  // One output buffer of ASCII, decoded once: a string concatenation per escape cost ~70 ns a byte.
  const out = scratchOf(n + 3 * escaped)
  let j = 0
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!
    if (isPrintableByte(b)) out[j++] = b
    else {
      out[j++] = 0x5c // backslash
      out[j++] = 0x78 // x
      out[j++] = HEX_DIGITS[b >> 4]!
      out[j++] = HEX_DIGITS[b & 15]!
    }
  }
  return latin1.decode(out.subarray(0, j))
}

/**
 * ASCII (CHAR8) text; bytes outside 0x20-0x7E are escaped and make it non-printable. At most
 * `maxBytes` bytes are decoded (then `truncated`); `printable` still describes the whole string.
 */
export function asciiText(bytes: Uint8Array, maxBytes = Infinity): DecodedText {
  const n = Math.min(bytes.length, maxBytes)
  const escaped = countEscaped(bytes, n)
  const text = escapeAscii(bytes, n, escaped)
  if (n === bytes.length) return { text, printable: escaped === 0 }
  return { text, printable: escaped === 0 && isPrintableAscii(bytes.subarray(n)), truncated: true }
}

/** Whether every byte is printable ASCII. */
export function isPrintableAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (b < 0x20 || b > 0x7e) return false
  }
  return true
}

/**
 * UTF-16LE code units to text, escaping controls and lone surrogates (an odd last byte as `\xNN`).
 * At most `maxBytes` bytes (rounded down to whole code units) are decoded, then `truncated`;
 * `printable` still describes the whole string.
 */
export function utf16Text(bytes: Uint8Array, maxBytes = Infinity): DecodedText {
  if (bytes.length > maxBytes) {
    const cut = maxBytes - (maxBytes % 2)
    // A surrogate pair split by the cut is left whole out of the text, not shown as a lone half.
    const end = cut >= 2 && (bytes[cut - 1]! & 0xfc) === 0xd8 ? cut - 2 : cut
    const head = utf16Text(bytes.subarray(0, end))
    const tail = bytes.subarray(end)
    return { text: head.text, printable: head.printable && nextEscapedUnit(tail, 0) === tail.length, truncated: true }
  }
  let text = ''
  let printable = true
  let at = 0
  for (;;) {
    const e = nextEscapedUnit(bytes, at)
    if (e > at) text += plainUtf16(bytes, at, e)
    if (e === bytes.length) return { text, printable }
    printable = false
    if (e === bytes.length - 1) return { text: text + `\\x${bytes[e]!.toString(16).padStart(2, '0')}`, printable }
    text += `\\u${(bytes[e]! | (bytes[e + 1]! << 8)).toString(16).padStart(4, '0')}`
    at = e + 2
  }
}

/**
 * The one scan of UTF-16LE text: the byte offset of the first code unit at or after `from` (an
 * even offset) that `utf16Text` escapes (below 0x20, DEL/C1 0x7F-0x9F, a surrogate not in a
 * high-low pair), or of an odd last byte, or `bytes.length` when there is none. The units
 * before it render as themselves.
 */
function nextEscapedUnit(bytes: Uint8Array, from: number): number {
  const n = bytes.length
  let p = from
  for (; p + 1 < n; p += 2) {
    const u = bytes[p]! | (bytes[p + 1]! << 8)
    if (u >= 0xd800 && u <= 0xdbff && p + 3 < n) {
      const lo = bytes[p + 2]! | (bytes[p + 3]! << 8)
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        p += 2
        continue
      }
    }
    if (u < 0x20 || (u >= 0x7f && u <= 0x9f) || (u >= 0xd800 && u <= 0xdfff)) return p
  }
  return p
}

/** bytes[from..to) as text: code units `nextEscapedUnit` passed over (whole pairs), so a UTF-16LE TextDecoder renders them as themselves. */
function plainUtf16(bytes: Uint8Array, from: number, to: number): string {
  if (to - from >= 2 * BULK_MIN) return utf16le.decode(bytes.subarray(from, to))
  let text = ''
  for (let p = from; p < to; p += 2) text += String.fromCharCode(bytes[p]! | (bytes[p + 1]! << 8))
  return text
}

/**
 * Read a NUL-terminated CHAR16 string (UEFI "UCS-2"), consuming the terminator. A missing
 * terminator is a truncation error from the reader.
 */
export function readUcs2z(r: ByteReader, field: string): DecodedText {
  const start = r.pos
  for (;;) {
    const u = r.u16le(field)
    if (u === 0) break
  }
  return utf16Text(r.bytes.subarray(start, r.pos - 2))
}

/** Read a NUL-terminated CHAR8 string, consuming the terminator. */
export function readAsciiz(r: ByteReader, field: string): DecodedText {
  const start = r.pos
  while (r.u8(field) !== 0) {
    // scan to the NUL; a missing NUL is a truncation error from the reader
  }
  return asciiText(r.bytes.subarray(start, r.pos - 1))
}

/** Strip one trailing NUL byte, reporting whether there was one. */
export function stripNul(bytes: Uint8Array): { body: Uint8Array; nulTerminated: boolean } {
  if (bytes.length > 0 && bytes[bytes.length - 1] === 0) return { body: bytes.subarray(0, bytes.length - 1), nulTerminated: true }
  return { body: bytes, nulTerminated: false }
}

/** Strip one trailing UTF-16 NUL (two zero bytes at an even position). */
export function stripNul16(bytes: Uint8Array): { body: Uint8Array; nulTerminated: boolean } {
  const n = bytes.length
  if (n >= 2 && n % 2 === 0 && bytes[n - 1] === 0 && bytes[n - 2] === 0) return { body: bytes.subarray(0, n - 2), nulTerminated: true }
  return { body: bytes, nulTerminated: false }
}

/**
 * Heuristic for UTF-16LE text of ASCII-range characters (systemd-stub, S-CRTM version): even
 * length, at least one character, every high byte zero and every low byte printable, apart from
 * trailing NULs.
 */
export function looksLikeUtf16Ascii(bytes: Uint8Array): boolean {
  if (bytes.length < 2 || bytes.length % 2 !== 0) return false
  let end = bytes.length
  while (end >= 2 && bytes[end - 1] === 0 && bytes[end - 2] === 0) end -= 2
  if (end === 0) return false
  for (let i = 0; i < end; i += 2) {
    const lo = bytes[i]!
    if (bytes[i + 1] !== 0 || lo < 0x20 || lo > 0x7e) return false
  }
  return true
}
