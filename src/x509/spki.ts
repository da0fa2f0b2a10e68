/**
 * SubjectPublicKeyInfo (RFC 5280 §4.1.2.7; RSA per RFC 8017 A.1.1, EC per RFC 5480) decoded
 * with asn1js into the library's neutral `KeyMaterial`, so that a TPMT_PUBLIC, an SPKI and a
 * certificate key can be compared field by field (CVE-2021-3406: the key that verifies quotes
 * must be the AK's key, not whatever PEM came along).
 */
import * as asn1js from 'asn1js'
import { BootproofError } from '../errors.js'
import { bytesEqual, toHex } from '../bytes/hex.js'

export type KeyMaterial =
  | { kty: 'RSA'; n: Uint8Array; e: Uint8Array }
  | { kty: 'EC'; crv: 'P-256' | 'P-384' | 'P-521'; x: Uint8Array; y: Uint8Array }

export const OID_RSA = '1.2.840.113549.1.1.1'
export const OID_EC = '1.2.840.10045.2.1'
const CURVES: Record<string, { crv: 'P-256' | 'P-384' | 'P-521'; size: number }> = {
  '1.2.840.10045.3.1.7': { crv: 'P-256', size: 32 },
  '1.3.132.0.34': { crv: 'P-384', size: 48 },
  '1.3.132.0.35': { crv: 'P-521', size: 66 },
}

function invalid(message: string): never {
  throw new BootproofError('ERR_KEY_INVALID', `SubjectPublicKeyInfo: ${message}`)
}

/** Strip leading zero bytes of a big-endian unsigned integer. */
export function stripLeadingZeros(b: Uint8Array): Uint8Array {
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  return b.subarray(i)
}

function strictBer(der: Uint8Array, what: string): asn1js.AsnType {
  let parsed: ReturnType<typeof asn1js.fromBER>
  // asn1js throws plain Errors on some malformed values (e.g. a GeneralizedTime of letters
  // inside the key's parameters): the input is at fault, so it is ERR_KEY_INVALID.
  try {
    parsed = asn1js.fromBER(der)
  } catch (e) {
    invalid(`${what} does not decode: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (parsed.offset === -1 || parsed.offset !== der.byteLength) invalid(`${what} is not a single DER value`)
  return parsed.result
}

/**
 * Decode an SPKI (DER) into key material.
 * @throws BootproofError ERR_KEY_INVALID (bad encoding) or ERR_KEY_UNSUPPORTED (other algorithm or curve).
 */
export function spkiToKeyMaterial(der: Uint8Array): KeyMaterial {
  try {
    return decodeSpki(der)
  } catch (e) {
    // Only BootproofErrors leave this module (attacker-supplied DER must not surface as an
    // internal error); the tree walk below reads optional fields asn1js may leave undefined.
    if (e instanceof BootproofError) throw e
    invalid(`does not decode: ${e instanceof Error ? e.message : String(e)}`)
  }
}

function decodeSpki(der: Uint8Array): KeyMaterial {
  const root = strictBer(der, 'input')
  if (!(root instanceof asn1js.Sequence) || root.valueBlock.value.length !== 2) invalid('not a SEQUENCE of 2')
  const [algId, bits] = root.valueBlock.value
  if (!(algId instanceof asn1js.Sequence) || !(bits instanceof asn1js.BitString)) invalid('bad structure')
  const oid = algId.valueBlock.value[0]
  if (!(oid instanceof asn1js.ObjectIdentifier)) invalid('algorithm is not an OID')
  if (bits.valueBlock.unusedBits !== 0) invalid('subjectPublicKey has unused bits')
  const key = bits.valueBlock.valueHexView
  const alg = oid.valueBlock.toString()
  if (alg === OID_RSA) {
    const inner = strictBer(key, 'RSAPublicKey')
    if (!(inner instanceof asn1js.Sequence) || inner.valueBlock.value.length !== 2) invalid('RSAPublicKey is not a SEQUENCE of 2')
    const [n, e] = inner.valueBlock.value
    if (!(n instanceof asn1js.Integer) || !(e instanceof asn1js.Integer)) invalid('RSAPublicKey fields are not INTEGERs')
    const nb = stripLeadingZeros(n.valueBlock.valueHexView)
    const eb = stripLeadingZeros(e.valueBlock.valueHexView)
    if ((n.valueBlock.valueHexView[0] ?? 0) & 0x80 || (e.valueBlock.valueHexView[0] ?? 0) & 0x80) invalid('negative RSA integer')
    return { kty: 'RSA', n: nb, e: eb }
  }
  if (alg === OID_EC) {
    const params = algId.valueBlock.value[1]
    if (!(params instanceof asn1js.ObjectIdentifier)) throw new BootproofError('ERR_KEY_UNSUPPORTED', 'EC key without a named curve')
    const c = CURVES[params.valueBlock.toString()]
    if (!c) throw new BootproofError('ERR_KEY_UNSUPPORTED', `EC curve ${params.valueBlock.toString()} is not P-256, P-384 or P-521`)
    if (key.length !== 1 + 2 * c.size || key[0] !== 0x04) invalid('EC point is not an uncompressed point of the curve size')
    return { kty: 'EC', crv: c.crv, x: key.slice(1, 1 + c.size), y: key.slice(1 + c.size) }
  }
  throw new BootproofError('ERR_KEY_UNSUPPORTED', `public key algorithm ${alg} is not RSA or EC`)
}

/** Field-by-field equality of two keys (RSA n/e, EC curve and point). */
export function keyMaterialEqual(a: KeyMaterial, b: KeyMaterial): boolean {
  if (a.kty === 'RSA' && b.kty === 'RSA') return bytesEqual(stripLeadingZeros(a.n), stripLeadingZeros(b.n)) && bytesEqual(stripLeadingZeros(a.e), stripLeadingZeros(b.e))
  if (a.kty === 'EC' && b.kty === 'EC') return a.crv === b.crv && bytesEqual(a.x, b.x) && bytesEqual(a.y, b.y)
  return false
}

/** Modulus length in bits of an RSA key. */
export function rsaBits(n: Uint8Array): number {
  const s = stripLeadingZeros(n)
  if (!s.length || s[0] === 0) return 0
  return (s.length - 1) * 8 + (32 - Math.clz32(s[0]!))
}

/** Short human description (`RSA-2048`, `EC P-256`) and a stable fingerprint-ish id. */
export function describeKey(k: KeyMaterial): string {
  return k.kty === 'RSA' ? `RSA-${rsaBits(k.n)}` : `EC ${k.crv}`
}

export function keyMaterialHex(k: KeyMaterial): Record<string, string> {
  return k.kty === 'RSA' ? { kty: 'RSA', n: toHex(k.n), e: toHex(k.e) } : { kty: 'EC', crv: k.crv, x: toHex(k.x), y: toHex(k.y) }
}
