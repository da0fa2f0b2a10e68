/**
 * From TPM public areas and SPKIs to WebCrypto keys. Only RSA and the NIST curves P-256/P-384/
 * P-521 map to WebCrypto; any other curve is an error, never a pass (attack Q-10; go-attestation
 * 5e9eb5d returned success when key import failed).
 */
import { BootproofError } from '../errors.js'
import type { HashAlgName } from '../alg.js'
import { TPM_ALG, CURVE_BY_TPM_ID, CURVE_PARAMS } from './constants.js'
import type { TpmtPublic } from './public.js'
import { stripLeadingZeros, type KeyMaterial } from '../x509/spki.js'

export type { KeyMaterial }

/**
 * The public key of an RSA or ECC TPMT_PUBLIC as key material.
 * @throws BootproofError ERR_KEY_UNSUPPORTED (other type, curve without WebCrypto support) or
 *   ERR_KEY_INVALID (coordinates longer than the curve, empty modulus).
 */
export function tpmPublicToKeyMaterial(pub: TpmtPublic): KeyMaterial {
  if (pub.rsa) {
    const n = stripLeadingZeros(pub.rsa.modulus)
    if (!n.length || n[0] === 0) throw new BootproofError('ERR_KEY_INVALID', 'TPMT_PUBLIC: empty RSA modulus')
    const e = pub.rsa.exponent
    const eb = stripLeadingZeros(new Uint8Array([(e >>> 24) & 0xff, (e >>> 16) & 0xff, (e >>> 8) & 0xff, e & 0xff]))
    return { kty: 'RSA', n, e: eb }
  }
  if (pub.ecc) {
    const crv = CURVE_BY_TPM_ID.get(pub.ecc.curveId)
    if (!crv) throw new BootproofError('ERR_KEY_UNSUPPORTED', `TPMT_PUBLIC: curve ${pub.ecc.curveName} has no WebCrypto implementation`)
    const size = CURVE_PARAMS[crv].size
    return { kty: 'EC', crv, x: leftPad(pub.ecc.x, size, 'x'), y: leftPad(pub.ecc.y, size, 'y') }
  }
  throw new BootproofError('ERR_KEY_UNSUPPORTED', `TPMT_PUBLIC type ${pub.typeName} is not an asymmetric key`)
}

/** Left-pad a big-endian integer to `size`; reject one that does not fit after stripping zeros. */
export function leftPad(b: Uint8Array, size: number, what: string): Uint8Array {
  const s = stripLeadingZeros(b)
  if (s.length > size) throw new BootproofError('ERR_KEY_INVALID', `${what}: ${s.length} bytes exceed the ${size}-byte field`)
  const out = new Uint8Array(size)
  out.set(s, size - s.length)
  return out
}

function b64url(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function keyMaterialToJwk(k: KeyMaterial): JsonWebKey {
  return k.kty === 'RSA'
    ? { kty: 'RSA', n: b64url(k.n), e: b64url(k.e), ext: true }
    : { kty: 'EC', crv: k.crv, x: b64url(k.x), y: b64url(k.y), ext: true }
}

export const WEBCRYPTO_HASH: Partial<Record<HashAlgName, string>> = {
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
}

export type VerifyAlgorithm = 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'ECDSA'

/**
 * Import key material as a WebCrypto verification key for one algorithm and hash.
 * @throws BootproofError ERR_KEY_INVALID when the runtime rejects the key (e.g. point not on curve).
 */
export async function importVerifyKey(k: KeyMaterial, alg: VerifyAlgorithm, hash: HashAlgName, subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<CryptoKey> {
  const h = WEBCRYPTO_HASH[hash]
  if (!h) throw new BootproofError('ERR_KEY_UNSUPPORTED', `hash ${hash} is not available in WebCrypto`)
  const params: RsaHashedImportParams | EcKeyImportParams =
    k.kty === 'RSA' ? { name: alg, hash: h } : { name: 'ECDSA', namedCurve: k.crv }
  if ((k.kty === 'RSA') !== (alg !== 'ECDSA')) throw new BootproofError('ERR_KEY_INVALID', `${k.kty} key cannot be used with ${alg}`)
  try {
    return await subtle.importKey('jwk', keyMaterialToJwk(k), params, false, ['verify'])
  } catch (e) {
    throw new BootproofError('ERR_KEY_INVALID', `public key rejected by WebCrypto: ${(e as Error).message}`, { cause: e })
  }
}

/** TPM signing-scheme IDs of the three verifiable schemes. */
export const SIG_SCHEMES = { RSASSA: TPM_ALG.RSASSA, RSAPSS: TPM_ALG.RSAPSS, ECDSA: TPM_ALG.ECDSA } as const
