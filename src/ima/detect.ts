/**
 * Recognise IMA runtime measurement lists, binary or ASCII, from their first entry.
 */
import type { ImaListFormat } from './types.js'

/** Template-hash sizes tried for binary lists, in order (sha1, sha256/sm3, sha384, sha512). */
export const TEMPLATE_HASH_SIZES = [20, 32, 48, 64] as const

const ASCII_FIRST_LINE = /^ ?\d{1,2} [0-9a-fA-F]{40,128} [\x21-\x7e]{1,255}( |\r?\n|$)/

function isTemplateNameByte(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x7c || c === 0x5f || (c >= 0x41 && c <= 0x5a)
}

export interface BinaryLayout {
  littleEndian: boolean
  templateHashSize: number
}

/**
 * The byte order and template-hash size under which the first binary entry reads as
 * `{u32 pcr <= 23; hash; u32 nameLen in 1..255; name of [A-Za-z0-9|_-]}`, or undefined.
 * Only the header is needed, so a truncated first entry is still recognised.
 */
export function detectBinaryLayout(b: Uint8Array, sizes: readonly number[] = TEMPLATE_HASH_SIZES, endianness: 'auto' | 'le' | 'be' = 'auto'): BinaryLayout | undefined {
  if (b.length < 8) return undefined
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const orders = endianness === 'le' ? [true] : endianness === 'be' ? [false] : [true, false]
  for (const le of orders) {
    if (v.getUint32(0, le) > 23) continue
    for (const size of sizes) {
      const at = 4 + size
      if (b.length < at + 4 + 1) continue
      const nameLen = v.getUint32(at, le)
      if (nameLen < 1 || nameLen > 255 || at + 4 + nameLen > b.length) continue
      let ok = true
      for (let i = 0; i < nameLen && ok; i++) ok = isTemplateNameByte(b[at + 4 + i]!)
      if (ok) return { littleEndian: le, templateHashSize: size }
    }
  }
  return undefined
}

/** Which IMA list format `bytes` is, or undefined when it is neither. */
export function detectImaFormat(bytes: Uint8Array): ImaListFormat | undefined {
  if (bytes.length === 0) return undefined
  // ASCII: "10 <hex template hash> <template name> ..." (the PCR is printed with %2d).
  const head = bytes.subarray(0, 512)
  let ascii = ''
  for (let i = 0; i < head.length; i++) {
    const c = head[i]!
    if (c === 0x0a) {
      ascii += '\n'
      break
    }
    if (c < 0x20 && c !== 0x0d) break
    ascii += String.fromCharCode(c)
  }
  if (ASCII_FIRST_LINE.test(ascii)) return 'ima-ascii'
  return detectBinaryLayout(bytes) ? 'ima-binary' : undefined
}

/**
 * Whether `bytes` looks like an IMA runtime measurement list (binary or ASCII). A heuristic on
 * the first entry, for routing input between `parseImaLog` and `parseEventLog`: a TCG firmware
 * log starts with a Spec ID or SHA-1 record, whose EventType (0x3 or 0x80000000+) is not a
 * plausible template-name length.
 */
export function isImaList(bytes: Uint8Array): boolean {
  return detectImaFormat(bytes) !== undefined
}
