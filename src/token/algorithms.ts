/**
 * JWS algorithm allow-lists and signature verification through jose (WebCrypto).
 * Only asymmetric algorithms exist here: an HMAC algorithm can never be allowed, so a token
 * MAC'd with a public key as the secret (RS/HS confusion, J-02) has no path to acceptance.
 */
import { compactVerify, errors as joseErrors, importJWK, importX509, type CryptoKey, type JWK } from 'jose'
import type { TokenCheckError } from './error_codes.js'
import { base64Encode } from './base64url.js'

/** Asymmetric JWS algorithms bootproof can verify. */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number]

/** @throws TypeError when the list is empty or names a symmetric / unknown algorithm. */
export function checkAllowList(list: readonly string[], what: string): readonly string[] {
  if (!Array.isArray(list) || !list.length) throw new TypeError(`${what}: the algorithm allow-list must be a non-empty array`)
  for (const a of list) {
    if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(a)) {
      throw new TypeError(`${what}: algorithm ${JSON.stringify(a)} is not allowed; only asymmetric JWS algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')})`)
    }
  }
  return list
}

/** `alg` checks (J-01, J-02): `none` in any case, then the allow-list (exact, case-sensitive). */
export function checkAlg(alg: string, allowed: readonly string[], errors: TokenCheckError[]): boolean {
  if (alg.toLowerCase() === 'none') {
    errors.push({ code: 'ERR_JWT_ALG_NONE', message: `unsecured JWS ("alg":${JSON.stringify(alg)}) is never accepted` })
    return false
  }
  if (!allowed.includes(alg)) {
    errors.push({ code: 'ERR_JWT_ALG_NOT_ALLOWED', message: `"alg" ${JSON.stringify(alg)} is not in the allow-list [${allowed.join(', ')}]` })
    return false
  }
  return true
}

/** `crit` (J-08): bootproof implements no critical header extension, so any `crit` rejects. */
export function checkCrit(header: Record<string, unknown>, errors: TokenCheckError[]): boolean {
  if (!('crit' in header)) return true
  errors.push({ code: 'ERR_JWT_CRIT_UNSUPPORTED', message: `header "crit" ${JSON.stringify(header.crit)} names extensions bootproof does not implement` })
  return false
}

const KTY_FOR: Record<string, string> = { RS: 'RSA', PS: 'RSA', ES: 'EC', Ed: 'OKP' }
const CRV_FOR: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }

/** Whether a JWK's type (and curve) can serve `alg` at all. */
export function jwkFitsAlg(jwk: Record<string, unknown>, alg: string): boolean {
  if (jwk.kty !== KTY_FOR[alg.slice(0, 2)]) return false
  if (alg in CRV_FOR && jwk.crv !== CRV_FOR[alg]) return false
  if ((alg === 'EdDSA' || alg === 'Ed25519') && jwk.crv !== 'Ed25519' && !(alg === 'EdDSA' && jwk.crv === 'Ed448')) return false
  return true
}

/** Public members only: a private JWK in a verification key set must not turn into a signer. */
export function publicJwk(jwk: Record<string, unknown>): JWK {
  const out: Record<string, unknown> = { kty: jwk.kty }
  for (const k of ['n', 'e', 'crv', 'x', 'y']) if (jwk[k] !== undefined) out[k] = jwk[k]
  return out as JWK
}

export type KeyOrError = { key: CryptoKey } | { error: TokenCheckError }

/** Import a JWK (public members) for `alg`; a misfit is ERR_JWT_KEY_UNSUITABLE. */
export async function importJwkFor(jwk: Record<string, unknown>, alg: string): Promise<KeyOrError> {
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    return { error: { code: 'ERR_JWT_KEY_UNSUITABLE', message: `key is restricted to ${JSON.stringify(jwk.alg)}, the token uses ${alg}` } }
  }
  if (!jwkFitsAlg(jwk, alg)) {
    return { error: { code: 'ERR_JWT_KEY_UNSUITABLE', message: `key type ${String(jwk.kty)}${jwk.crv ? `/${String(jwk.crv)}` : ''} cannot verify ${alg}` } }
  }
  try {
    let key: CryptoKey | Uint8Array
    if (jwk.n !== undefined || jwk.x !== undefined) key = await importJWK(publicJwk(jwk), alg)
    else if (Array.isArray(jwk.x5c) && typeof jwk.x5c[0] === 'string') key = await importX509(pemCertificate(jwk.x5c[0]), alg)
    else return { error: { code: 'ERR_JWT_KEY_UNSUITABLE', message: 'JWK has neither public key members nor an x5c certificate' } }
    if (key instanceof Uint8Array) return { error: { code: 'ERR_JWT_KEY_UNSUITABLE', message: 'symmetric key material is never a verification key' } }
    return { key }
  } catch (e) {
    return { error: { code: 'ERR_JWT_KEY_UNSUITABLE', message: `key cannot be imported for ${alg}: ${(e as Error).message}` } }
  }
}

/** Import the public key of a DER certificate for `alg`. */
export async function importCertificateFor(der: Uint8Array, alg: string): Promise<KeyOrError> {
  try {
    return { key: await importX509(pemCertificate(base64Encode(der)), alg) }
  } catch (e) {
    return { error: { code: 'ERR_JWT_KEY_UNSUITABLE', message: `certificate key cannot verify ${alg}: ${(e as Error).message}` } }
  }
}

function pemCertificate(b64: string): string {
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----`
}

/**
 * Verify the compact JWS signature with a trusted key, allowing exactly `alg` (already checked
 * against the allow-list). jose enforces key/alg consistency, RSA ≥ 2048 bits and the ECDSA
 * signature length; WebCrypto rejects r = 0 / s = 0 (J-11).
 */
export async function verifySignature(token: string, key: CryptoKey, alg: string): Promise<TokenCheckError | undefined> {
  try {
    await compactVerify(token, key, { algorithms: [alg] })
    return undefined
  } catch (e) {
    if (e instanceof joseErrors.JWSSignatureVerificationFailed) return { code: 'ERR_JWT_SIGNATURE', message: 'signature does not verify with the trusted key' }
    if (e instanceof TypeError || e instanceof joseErrors.JOSENotSupported) return { code: 'ERR_JWT_KEY_UNSUITABLE', message: `key cannot verify ${alg}: ${(e as Error).message}` }
    return { code: 'ERR_JWT_SIGNATURE', message: `signature verification failed: ${(e as Error).message}` }
  }
}
