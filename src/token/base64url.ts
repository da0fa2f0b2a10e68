/** Strict base64url (RFC 4648 §5, no padding, canonical trailing bits) and standard base64. */

const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const STD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const URL_LOOKUP = new Int16Array(128).fill(-1)
for (let i = 0; i < 64; i++) URL_LOOKUP[URL_ALPHABET.charCodeAt(i)] = i

/**
 * Decode unpadded base64url. Returns undefined for any other character, an impossible length
 * (n mod 4 = 1) or non-zero unused trailing bits (a second spelling of the same bytes).
 */
export function base64urlDecode(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (s.length % 4 === 1) return undefined
  const out = new Uint8Array(Math.floor((s.length * 3) / 4))
  let acc = 0
  let bits = 0
  let o = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const v = c < 128 ? URL_LOOKUP[c]! : -1
    if (v < 0) return undefined
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >> bits) & 0xff
    }
  }
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return undefined
  return out
}

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let s = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    s += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!
  }
  const rest = bytes.length - i
  if (rest === 1) {
    const n = bytes[i]! << 16
    s += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + (pad ? '==' : '')
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    s += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + (pad ? '=' : '')
  }
  return s
}

export function base64urlEncode(bytes: Uint8Array): string {
  return encode(bytes, URL_ALPHABET, false)
}

export function base64Encode(bytes: Uint8Array): string {
  return encode(bytes, STD_ALPHABET, true)
}

/** Decode padded standard base64 (as in `x5c`); undefined when malformed. */
export function base64Decode(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined
  const body = s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
  return base64urlDecode(body)
}
