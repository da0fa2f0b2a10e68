/**
 * Text read from event data. Event-log strings are attacker-influenced and sometimes not what
 * they claim to be, so every decoder here is exact about NULs and reports non-printables instead
 * of hiding them: `\xNN` for bytes outside 0x20-0x7E, `\uNNNN` for UTF-16 code units below 0x20,
 * DEL, C1 controls and unpaired surrogates.
 */
import type { ByteReader } from '../../bytes/reader.js'

export interface DecodedText {
  text: string
  printable: boolean
}

/**
 * Below this length the per-character loops are cheapest (V8 keeps short concatenations flat);
 * from it on, an all-printable string is decoded in one call.
 */
const BULK_MIN = 16
// windows-1252 ("latin1" in the Encoding standard) is ASCII on 0x20-0x7E, the only bytes it is used for.
const latin1 = new TextDecoder('latin1')
// ignoreBOM: a leading U+FEFF is text here (kept, like every other printable code unit).
const utf16le = new TextDecoder('utf-16le', { ignoreBOM: true })

/** `\xNN` for every byte outside 0x20-0x7E (undefined for printable bytes). */
const ESCAPES: readonly (string | undefined)[] = Array.from({ length: 256 }, (_, b) => (b >= 0x20 && b <= 0x7e ? undefined : `\\x${b.toString(16).padStart(2, '0')}`))

/** bytes[from..to), all printable ASCII, as text. */
function printableRun(bytes: Uint8Array, from: number, to: number): string {
  if (to - from >= BULK_MIN) return latin1.decode(bytes.subarray(from, to))
  let text = ''
  for (let i = from; i < to; i++) text += String.fromCharCode(bytes[i]!)
  return text
}

/** ASCII (CHAR8) text; bytes outside 0x20-0x7E are escaped and make it non-printable. */
export function asciiText(bytes: Uint8Array): DecodedText {
  const n = bytes.length
  let text = ''
  let run = 0
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!
    if (b < 0x20 || b > 0x7e) {
      if (i > run) text += printableRun(bytes, run, i)
      text += ESCAPES[b]!
      run = i + 1
    }
  }
  if (run === 0) return { text: printableRun(bytes, 0, n), printable: true }
  if (run < n) text += printableRun(bytes, run, n)
  return { text, printable: false }
}

/** Whether every byte is printable ASCII. */
export function isPrintableAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (b < 0x20 || b > 0x7e) return false
  }
  return true
}

/** UTF-16LE code units (even-length input) to text, escaping controls and lone surrogates. */
export function utf16Text(bytes: Uint8Array): DecodedText {
  if (bytes.length >= 2 * BULK_MIN && isPlainUtf16(bytes)) return { text: utf16le.decode(bytes), printable: true }
  let text = ''
  let printable = true
  const n = bytes.length >> 1
  for (let i = 0; i < n; i++) {
    const u = bytes[2 * i]! | (bytes[2 * i + 1]! << 8)
    if (u >= 0xd800 && u <= 0xdbff && i + 1 < n) {
      const lo = bytes[2 * i + 2]! | (bytes[2 * i + 3]! << 8)
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        text += String.fromCharCode(u, lo)
        i++
        continue
      }
    }
    if (u < 0x20 || (u >= 0x7f && u <= 0x9f) || (u >= 0xd800 && u <= 0xdfff)) {
      printable = false
      text += `\\u${u.toString(16).padStart(4, '0')}`
    } else text += String.fromCharCode(u)
  }
  if (bytes.length % 2 !== 0) {
    printable = false
    text += `\\x${bytes[bytes.length - 1]!.toString(16).padStart(2, '0')}`
  }
  return { text, printable }
}

/**
 * Whether `bytes` (even length) are UTF-16LE code units that `utf16Text` renders as themselves:
 * none below 0x20, none in DEL/C1 (0x7F-0x9F), no surrogates. Such text decodes identically with
 * a UTF-16LE TextDecoder.
 */
function isPlainUtf16(bytes: Uint8Array): boolean {
  if (bytes.length % 2 !== 0) return false
  for (let i = 0; i < bytes.length; i += 2) {
    const u = bytes[i]! | (bytes[i + 1]! << 8)
    if (u < 0x20 || (u >= 0x7f && u <= 0x9f) || (u >= 0xd800 && u <= 0xdfff)) return false
  }
  return true
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
