/**
 * Verify an EAR (EAT Attestation Result) JWT with a key the caller supplies (attack J-12).
 * Header key references (`jwk`, `x5c`, `jku`, `x5u`) are never used: veraison embeds its
 * public key as `jwk`, which only proves that someone holding *a* key signed the token.
 * Both claim spellings are accepted (`ear.status` and `ear_status`).
 */
import type { CryptoKey, JWK } from 'jose'
import type { TokenCheckError } from './error_codes.js'
import { parseCompactJws, DEFAULT_MAX_TOKEN_BYTES } from './compact.js'
import { checkAlg, checkAllowList, checkCrit, importJwkFor, verifySignature } from './algorithms.js'
import { jwksProblem, selectJwk, type JsonWebKeySetInput } from './jwks_source.js'
import { checkTimeClaims, clockSeconds, type Clock } from './time_claims.js'
import { DEFAULT_EAR_PROFILES, parseEarClaims, worstStatus, type EarStatus, type EarVerdict, type EarVerifierId } from './ear_claims.js'
import { base64urlEncode } from './base64url.js'
import { safeEqual, type TokenKeyInfo } from './verify_maa.js'

/** Default EAR algorithms: asymmetric only (veraison signs ES256). */
export const DEFAULT_EAR_ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'EdDSA', 'Ed25519']

export interface VerifyEarOptions {
  /** The verifier's public key: a WebCrypto key, a JWK, or a JWKS (selected by `kid`). */
  key: CryptoKey | JWK | JsonWebKeySetInput
  /** JWS algorithm allow-list (default {@link DEFAULT_EAR_ALGORITHMS}). */
  algorithms?: readonly string[]
  /** Accepted `eat_profile` values (default: current draft, veraison, Trustee, 2025-07 draft). */
  profiles?: readonly string[]
  /** Pinned verifier identity; `build` optional. */
  verifierId?: { developer: string; build?: string }
  /**
   * Expected `eat_nonce` (top level, and in each submodule that carries one); bytes compare as
   * base64url. `false` skips the binding explicitly.
   */
  nonce: Uint8Array | string | false
  now?: Clock
  clockToleranceSec?: number
  /** Maximum age from `iat` (default 86 400 s). */
  maxAgeSec?: number
  maxTokenBytes?: number
}

export interface EarVerifyResult {
  valid: boolean
  errors: TokenCheckError[]
  header: Record<string, unknown>
  payload: Record<string, unknown>
  /** Interpreted result (not trustworthy unless `valid`). */
  ear?: EarVerdict
  /** Overall status: the worst submodule (and the top-level status when worse). */
  status?: EarStatus
  key?: TokenKeyInfo
}

async function resolveKey(k: VerifyEarOptions['key'], kid: string | undefined, alg: string): Promise<{ key: CryptoKey } | { error: TokenCheckError }> {
  if (typeof CryptoKey !== 'undefined' && k instanceof CryptoKey) return { key: k }
  if (typeof k === 'object' && k !== null && (k as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === 'CryptoKey') return { key: k as CryptoKey }
  if (typeof k === 'object' && k !== null && Array.isArray((k as JsonWebKeySetInput).keys)) {
    const sel = selectJwk(k as JsonWebKeySetInput, kid, alg)
    if ('error' in sel) return sel
    return importJwkFor(sel.jwk, alg)
  }
  return importJwkFor(k as Record<string, unknown>, alg)
}

function nonceMatches(got: string | string[] | undefined, expected: string): boolean {
  if (got === undefined) return false
  return Array.isArray(got) ? got.some((g) => safeEqual(g, expected)) : safeEqual(got, expected)
}

/**
 * Verify an EAR JWT.
 * @returns `{valid, errors, header, payload, ear, status}`; `status` is the overall verdict
 *   (worst submodule): a valid token can still say `contraindicated`.
 * @throws BootproofError `ERR_JWT_TOO_LARGE`, `ERR_JWT_MALFORMED`, `ERR_JWT_DUPLICATE_KEY`;
 *   TypeError for invalid options.
 * @example
 * ```ts
 * const r = await verifyEar(token, { key: verifierJwk, nonce: challenge, verifierId: { developer: 'https://veraison-project.org' } })
 * if (r.valid && r.status === 'affirming') grantAccess()
 * ```
 */
export async function verifyEar(jwt: string, options: VerifyEarOptions): Promise<EarVerifyResult> {
  if (!options || typeof options !== 'object') throw new TypeError('verifyEar: options are required')
  if (!options.key || typeof options.key !== 'object') throw new TypeError('verifyEar: options.key (the verifier public key) is required')
  if ('keys' in options.key) {
    const p = jwksProblem(options.key)
    if (p) throw new TypeError(`verifyEar: options.key: ${p}`)
  }
  if (options.nonce === undefined) throw new TypeError('verifyEar: options.nonce is required (bytes, a string, or false to skip explicitly)')
  const algorithms = checkAllowList(options.algorithms ?? DEFAULT_EAR_ALGORITHMS, 'verifyEar')
  const profiles = options.profiles ?? DEFAULT_EAR_PROFILES
  const now = new Date(clockSeconds(options.now) * 1000)

  const parsed = parseCompactJws(jwt, options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES)
  const { header, payload } = parsed
  const errors: TokenCheckError[] = []
  const alg = header.alg as string
  const kid = header.kid as string | undefined

  let keyInfo: TokenKeyInfo | undefined
  let verified = false
  if (checkAlg(alg, algorithms, errors) && checkCrit(header, errors)) {
    const k = await resolveKey(options.key, kid, alg)
    if ('error' in k) errors.push(k.error)
    else {
      const sigErr = await verifySignature(parsed.token, k.key, alg)
      if (sigErr) errors.push(sigErr)
      else {
        verified = true
        keyInfo = { source: 'caller-key', ...(kid !== undefined ? { kid } : {}) }
      }
    }
  }

  checkTimeClaims(payload, { now, clockToleranceSec: options.clockToleranceSec ?? 60, maxAgeSec: options.maxAgeSec ?? 86_400, require: ['iat'] }, errors)
  const ear = parseEarClaims(payload, errors)
  let status: EarStatus | undefined
  if (ear) {
    if (ear.profile && !profiles.includes(ear.profile)) errors.push({ code: 'ERR_EAR_PROFILE', message: `"eat_profile" ${JSON.stringify(ear.profile)} is not accepted (${profiles.join(', ')})` })
    for (const [label, sm] of Object.entries(ear.submods)) {
      if (sm.profile !== undefined && !profiles.includes(sm.profile)) errors.push({ code: 'ERR_EAR_PROFILE', message: `submods.${label}: "eat_profile" ${JSON.stringify(sm.profile)} is not accepted` })
    }
    const pin = options.verifierId
    if (pin && (ear.verifierId.developer !== pin.developer || (pin.build !== undefined && ear.verifierId.build !== pin.build))) {
      errors.push({ code: 'ERR_EAR_VERIFIER_ID', message: `verifier ${JSON.stringify(ear.verifierId)} is not the pinned ${JSON.stringify(pin)}` })
    }
    if (options.nonce !== false) {
      const expected = typeof options.nonce === 'string' ? options.nonce : base64urlEncode(options.nonce)
      if (!nonceMatches(ear.nonce, expected)) {
        errors.push({ code: 'ERR_JWT_NONCE', message: ear.nonce === undefined ? 'the EAR has no "eat_nonce"; it is not bound to this challenge' : '"eat_nonce" differs from the verifier\'s challenge' })
      }
      for (const [label, sm] of Object.entries(ear.submods)) {
        if (sm.nonce !== undefined && !nonceMatches(sm.nonce, expected)) errors.push({ code: 'ERR_JWT_NONCE', message: `submods.${label}: "eat_nonce" differs from the verifier's challenge` })
      }
    }
    const subs = Object.values(ear.submods).map((s) => s.status)
    if (subs.length) status = worstStatus(ear.status ? [...subs, ear.status] : subs)
  }
  const result: EarVerifyResult = { valid: verified && errors.length === 0, errors, header, payload }
  if (ear) result.ear = ear
  if (status) result.status = status
  if (keyInfo) result.key = keyInfo
  return result
}

export type { EarVerifierId }
