/**
 * A DER SubjectPublicKeyInfo for an RSA key given as modulus and exponent (RFC 5280 §4.1.2.7,
 * RFC 8017 A.1.1 RSAPublicKey, RFC 3279 §2.3.1 rsaEncryption with NULL parameters), so the AK of
 * a JWK can be printed and compared in the form every other AK input uses.
 */
import { concatBytes } from '../../bytes/hex.js'

function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n)
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Uint8Array.of(0x80 | bytes.length, ...bytes)
}

function tlv(tag: number, body: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(tag), derLength(body.length), body)
}

/** A non-negative INTEGER: minimal, with a 0x00 prefix when the top bit is set. */
function derUnsigned(b: Uint8Array): Uint8Array {
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  const v = b.subarray(i)
  return tlv(0x02, v.length && v[0]! & 0x80 ? concatBytes(Uint8Array.of(0), v) : v.length ? v : Uint8Array.of(0))
}

/** rsaEncryption AlgorithmIdentifier: OID 1.2.840.113549.1.1.1, NULL. */
const RSA_ALG_ID = Uint8Array.of(0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00)

/** DER SubjectPublicKeyInfo of the RSA key (n, e big-endian unsigned). */
export function rsaSpkiDer(n: Uint8Array, e: Uint8Array): Uint8Array {
  const rsaPublicKey = tlv(0x30, concatBytes(derUnsigned(n), derUnsigned(e)))
  return tlv(0x30, concatBytes(RSA_ALG_ID, tlv(0x03, concatBytes(Uint8Array.of(0), rsaPublicKey))))
}
