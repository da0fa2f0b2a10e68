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

/** ASCII (CHAR8) text; bytes outside 0x20-0x7E are escaped and make it non-printable. */
export function asciiText(bytes: Uint8Array): DecodedText {
  let text = ''
  let printable = true
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (b >= 0x20 && b <= 0x7e) text += String.fromCharCode(b)
    else {
      printable = false
      text += `\\x${b.toString(16).padStart(2, '0')}`
    }
  }
  return { text, printable }
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
