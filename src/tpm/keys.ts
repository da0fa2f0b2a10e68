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
 * Imported verification keys, per SubtleCrypto instance, keyed by the exact key material and
 * import parameters. Public keys only, so caching is safe; an import that fails is never cached
 * (every call re-imports and fails closed again). Bounded LRU: an attacker who sends many
 * distinct keys only evicts entries, memory stays below KEY_CACHE_MAX keys per implementation.
 */
export const KEY_CACHE_MAX = 1024
const keyCaches = new WeakMap<SubtleCrypto, Map<string, CryptoKey>>()

/**
 * Exact, collision-free cache key: kind, parameters and length-prefixed raw bytes (latin1).
 * Recomputed from the bytes on every call (no memo per object: bytes can be mutated).
 */
function keyCacheId(k: KeyMaterial, alg: VerifyAlgorithm, h: string): string {
  const raw = (b: Uint8Array) => {
    let s = ''
    for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, b.subarray(i, i + 4096) as unknown as number[])
    return `${b.length}:${s}`
  }
  // ECDSA keys do not bind a hash at import (the hash is a verify parameter): one entry per point.
  return k.kty === 'RSA' ? `RSA|${alg}|${h}|${raw(k.n)}|${raw(k.e)}` : `EC|${k.crv}|${raw(k.x)}|${raw(k.y)}`
}

/** Uncompressed SEC1 point of `crv`; coordinates left-padded to the field size (longer ones throw). */
function ecPoint(crv: 'P-256' | 'P-384' | 'P-521', x: Uint8Array, y: Uint8Array): Uint8Array<ArrayBuffer> {
  const size = CURVE_PARAMS[crv].size
  const out = new Uint8Array(1 + 2 * size)
  out[0] = 0x04
  out.set(leftPad(x, size, 'x'), 1)
  out.set(leftPad(y, size, 'y'), 1 + size)
  return out
}

/** Drop every cached key (tests, or a caller that wants to bound memory further). */
export function clearVerifyKeyCache(subtle: SubtleCrypto = globalThis.crypto.subtle): void {
  keyCaches.delete(subtle)
}

/**
 * Import key material as a WebCrypto verification key for one algorithm and hash. Imports are
 * cached per SubtleCrypto instance (see KEY_CACHE_MAX).
 * @throws BootproofError ERR_KEY_INVALID when the runtime rejects the key (e.g. point not on curve).
 */
export async function importVerifyKey(k: KeyMaterial, alg: VerifyAlgorithm, hash: HashAlgName, subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<CryptoKey> {
  const h = WEBCRYPTO_HASH[hash]
  if (!h) throw new BootproofError('ERR_KEY_UNSUPPORTED', `hash ${hash} is not available in WebCrypto`)
  if ((k.kty === 'RSA') !== (alg !== 'ECDSA')) throw new BootproofError('ERR_KEY_INVALID', `${k.kty} key cannot be used with ${alg}`)
  let cache = keyCaches.get(subtle)
  const id = keyCacheId(k, alg, h)
  const hit = cache?.get(id)
  if (hit) {
    // LRU: move to the most recent end.
    cache!.delete(id)
    cache!.set(id, hit)
    return hit
  }
  const params: RsaHashedImportParams | EcKeyImportParams =
    k.kty === 'RSA' ? { name: alg, hash: h } : { name: 'ECDSA', namedCurve: k.crv }
  let key: CryptoKey
  try {
    // EC keys as the uncompressed point 0x04 ‖ x ‖ y ("raw"): the runtime still rejects a point
    // off the curve, and Node imports it several times faster than a JWK (P-384: ~10x).
    key = k.kty === 'EC'
      ? await subtle.importKey('raw', ecPoint(k.crv, k.x, k.y), params, false, ['verify'])
      : await subtle.importKey('jwk', keyMaterialToJwk(k), params, false, ['verify'])
  } catch (e) {
    throw new BootproofError('ERR_KEY_INVALID', `public key rejected by WebCrypto: ${(e as Error).message}`, { cause: e })
  }
  if (!cache) keyCaches.set(subtle, (cache = new Map()))
  cache.set(id, key)
  if (cache.size > KEY_CACHE_MAX) cache.delete(cache.keys().next().value!)
  return key
}

/** TPM signing-scheme IDs of the three verifiable schemes. */
export const SIG_SCHEMES = { RSASSA: TPM_ALG.RSASSA, RSAPSS: TPM_ALG.RSAPSS, ECDSA: TPM_ALG.ECDSA } as const
