/**
 * Verify a Microsoft Azure Attestation (MAA) token without trusting anything the token says
 * about its own key (RFC 7515 / RFC 7519; attacks J-01 to J-10).
 *
 * Order: parse (size cap, strict JSON; these failures throw), header checks (`alg`, `crit`,
 * key-reference headers), key resolution from a caller source only, signature (jose/WebCrypto),
 * then every claim check. All failed checks are reported, not only the first.
 */
import { calculateJwkThumbprint, type CryptoKey, type JWK } from 'jose'
import type { CertificateInput } from '../x509/chain.js'
import type { TokenCheckError } from './error_codes.js'
import { parseCompactJws, DEFAULT_MAX_TOKEN_BYTES } from './compact.js'
import { checkAlg, checkAllowList, checkCrit, importJwkFor, verifySignature } from './algorithms.js'
import { certsUrlOf, jwksProblem, pinnedInstanceUrl, selectJwk, type JsonWebKeySetInput, type MaaJwksFetcher } from './jwks_source.js'
import { keyFromX5c, MAA_SIGNING_EKU } from './x5c.js'
import { checkTimeClaims, clockSeconds, type Clock } from './time_claims.js'
import { parseMaaClaims, type MaaClaims } from './maa_claims.js'
import { base64urlEncode } from './base64url.js'

export interface VerifyMaaOptions {
  /** Pinned instance URL; `iss` must equal it exactly (e.g. `https://myinst.eus.attest.azure.net`). */
  issuer: string
  /** Key source 1: a JWKS the caller trusts (e.g. a saved copy of `<issuer>/certs`). */
  jwks?: JsonWebKeySetInput
  /** Key source 2: a fetcher bound to the same instance (`createMaaJwksFetcher`). */
  jwksFetcher?: MaaJwksFetcher
  /** Key source 3: roots for the token's `x5c` chain (e.g. Microsoft Root Certificate Authority 2011). */
  roots?: readonly CertificateInput[]
  /** EKU the `x5c` leaf must carry (default 1.3.6.1.4.1.311.76.50.3); `null` disables. */
  x5cLeafEku?: string | null
  /** JWS algorithm allow-list (default `['RS256']`); asymmetric algorithms only. */
  algorithms?: readonly string[]
  /**
   * Verifier's challenge: `nonce` (and `rp_data`, when present) must equal it. Bytes are
   * compared as base64url; a string is compared as is. `false` skips the binding explicitly
   * (e.g. when re-checking a recorded token).
   */
  nonce: Uint8Array | string | false
  /** Pinned `x-ms-policy-hash` (base64url). */
  policyHash?: string
  /** Expected `x-ms-attestation-type`; `'tpm'` means a TPM token (no type, classified by its claims). */
  attestationType?: string
  /**
   * Session key the token must attest: `cnf.jwk` and `x-ms-tpm-request-key.jwk` (whichever are
   * present, at least one) must have its RFC 7638 thumbprint (RFC 7800 `cnf`).
   */
  requestKey?: JWK
  /** Expected audience; when set, `aud` must equal or contain it. */
  audience?: string
  /** Verification time (default: now). */
  now?: Clock
  /** Allowed clock skew (default 60 s). */
  clockToleranceSec?: number
  /** Maximum token age from `iat` (default 86 400 s). */
  maxAgeSec?: number
  /** Size cap in characters (default 1 MiB). */
  maxTokenBytes?: number
  /** WebCrypto implementation for certificate checks (default `globalThis.crypto`). */
  crypto?: Crypto
}

/** How the key was found. */
export interface TokenKeyInfo {
  source: 'jwks' | 'jwks-fetch' | 'x5c' | 'caller-key'
  kid?: string
  /** Certificate subjects, leaf first, when the key came from `x5c`. */
  chain?: string[]
}

export interface MaaVerifyResult {
  /** True only when every check passed. */
  valid: boolean
  errors: TokenCheckError[]
  header: Record<string, unknown>
  /** Payload as decoded (not trustworthy unless `valid`). */
  payload: Record<string, unknown>
  /** Typed claims (not trustworthy unless `valid`). */
  claims: MaaClaims
  /** Set when a trusted key was found. */
  key?: TokenKeyInfo
}

function checkOptions(o: VerifyMaaOptions): { issuer: string; algorithms: readonly string[] } {
  if (!o || typeof o !== 'object') throw new TypeError('verifyMaaToken: options are required')
  if (typeof o.issuer !== 'string') throw new TypeError('verifyMaaToken: options.issuer (the pinned instance URL) is required')
  const issuer = pinnedInstanceUrl(o.issuer)
  if (issuer !== o.issuer) throw new TypeError(`verifyMaaToken: issuer must be written as the exact origin ${JSON.stringify(issuer)}`)
  if (o.nonce === undefined) throw new TypeError('verifyMaaToken: options.nonce is required (bytes, a string, or false to skip explicitly)')
  if (!o.jwks && !o.jwksFetcher && !o.roots?.length) throw new TypeError('verifyMaaToken: give at least one key source (jwks, jwksFetcher or roots)')
  if (o.jwks) {
    const p = jwksProblem(o.jwks)
    if (p) throw new TypeError(`verifyMaaToken: options.jwks: ${p}`)
  }
  if (o.jwksFetcher && o.jwksFetcher.instanceUrl !== issuer) {
    throw new TypeError(`verifyMaaToken: the JWKS fetcher is bound to ${o.jwksFetcher.instanceUrl}, not to the pinned issuer ${issuer}`)
  }
  return { issuer, algorithms: checkAllowList(o.algorithms ?? ['RS256'], 'verifyMaaToken') }
}

/** Constant-time string equality (lengths are not secret). */
export function safeEqual(a: string, b: string): boolean {
  let d = a.length ^ b.length
  for (let i = 0; i < Math.max(a.length, b.length); i++) d |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0)
  return d === 0
}

async function thumbprint(jwk: unknown): Promise<string | undefined> {
  try {
    return await calculateJwkThumbprint(jwk as JWK, 'sha256')
  } catch {
    return undefined
  }
}

async function checkKeyBinding(payload: Record<string, unknown>, requestKey: JWK, errors: TokenCheckError[]): Promise<void> {
  const want = await thumbprint(requestKey)
  if (!want) throw new TypeError('verifyMaaToken: options.requestKey is not a public JWK')
  const holders: [string, unknown][] = []
  for (const name of ['cnf', 'x-ms-tpm-request-key']) {
    const v = payload[name]
    if (typeof v === 'object' && v !== null && 'jwk' in v) holders.push([name, (v as { jwk: unknown }).jwk])
  }
  if (!holders.length) errors.push({ code: 'ERR_JWT_KEY_BINDING', message: 'the token attests no key ("cnf.jwk" / "x-ms-tpm-request-key.jwk")' })
  for (const [name, jwk] of holders) {
    if ((await thumbprint(jwk)) !== want) errors.push({ code: 'ERR_JWT_KEY_BINDING', message: `"${name}.jwk" is not the session key` })
  }
}

/**
 * Verify an MAA token.
 *
 * @param jwt compact JWS as received.
 * @returns `{valid, errors, header, payload, claims, key}`; `valid` is true only when the signature
 *   verifies under a trusted key and every claim check passes.
 * @throws BootproofError `ERR_JWT_TOO_LARGE`, `ERR_JWT_MALFORMED`, `ERR_JWT_DUPLICATE_KEY` when the
 *   token cannot be parsed; TypeError for invalid options.
 *
 * @example
 * ```ts
 * const r = await verifyMaaToken(jwt, {
 *   issuer: 'https://myinst.eus.attest.azure.net',
 *   roots: [microsoftRoot2011Pem],
 *   nonce: challengeBytes,
 *   policyHash: 'gyvwpw0gyv_-uJoWgD8o3PsZJcoaBgw3KkOOizeKYNg',
 * })
 * if (!r.valid) throw new Error(r.errors.map((e) => e.code).join(', '))
 * r.claims.boot.secureBootEnabled?.value
 * ```
 */
export async function verifyMaaToken(jwt: string, options: VerifyMaaOptions): Promise<MaaVerifyResult> {
  const { issuer, algorithms } = checkOptions(options)
  const nowSec = clockSeconds(options.now)
  const now = new Date(nowSec * 1000)
  const parsed = parseCompactJws(jwt, options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES)
  const { header, payload } = parsed
  const errors: TokenCheckError[] = []
  const alg = header.alg as string
  const kid = header.kid as string | undefined

  // Header: algorithm, crit, and key references that must never be followed (J-01, J-03, J-08).
  const algOk = checkAlg(alg, algorithms, errors)
  const critOk = checkCrit(header, errors)
  const certsUrl = certsUrlOf(issuer)
  let keyRefOk = true
  if ('jku' in header && header.jku !== certsUrl) {
    keyRefOk = false
    errors.push({ code: 'ERR_JWT_KEY_SOURCE_FORBIDDEN', message: `"jku" ${JSON.stringify(header.jku)} is not the pinned instance's ${certsUrl}; it is never fetched` })
  }
  for (const name of ['x5u', 'jwk'] as const) {
    if (name in header) {
      keyRefOk = false
      errors.push({ code: 'ERR_JWT_KEY_SOURCE_FORBIDDEN', message: `header "${name}" names key material; MAA keys come only from the pinned JWKS or x5c to pinned roots` })
    }
  }

  // Key: only from a caller source (J-03, J-04, J-05). No fallback between sources.
  let key: CryptoKey | undefined
  let keyInfo: TokenKeyInfo | undefined
  if (algOk && critOk && keyRefOk) {
    const x5c = header.x5c as string[] | undefined
    if (x5c && options.roots?.length) {
      const r = await keyFromX5c(x5c, kid, alg, {
        roots: options.roots,
        now,
        leafEku: options.x5cLeafEku === undefined ? MAA_SIGNING_EKU : options.x5cLeafEku,
        ...(options.crypto ? { crypto: options.crypto } : {}),
      })
      if ('error' in r) errors.push(r.error)
      else {
        key = r.key
        keyInfo = { source: 'x5c', chain: r.chain, ...(kid !== undefined ? { kid } : {}) }
      }
    } else if (options.jwks || options.jwksFetcher) {
      let sel = options.jwks ? selectJwk(options.jwks, kid, alg) : undefined
      let source: TokenKeyInfo['source'] = 'jwks'
      if ((!sel || 'error' in sel) && options.jwksFetcher) {
        const fetched = await options.jwksFetcher.resolve(kid, alg)
        if (!sel || 'jwk' in fetched || fetched.error.code !== 'ERR_JWT_KID_UNKNOWN') {
          sel = fetched
          source = 'jwks-fetch'
        }
      }
      if (sel && 'error' in sel) errors.push(sel.error)
      else if (sel) {
        const imp = await importJwkFor(sel.jwk, alg)
        if ('error' in imp) errors.push(imp.error)
        else {
          key = imp.key
          keyInfo = { source, ...(kid !== undefined ? { kid } : {}) }
        }
      }
    } else if (x5c) {
      errors.push({ code: 'ERR_JWT_X5C_UNTRUSTED', message: 'the token carries x5c but no roots are pinned; an embedded chain is never trusted on its own' })
    } else {
      errors.push({ code: 'ERR_JWT_KEY_UNAVAILABLE', message: `no configured key source can supply a key for this token (${kid !== undefined ? 'jku/kid' : 'no kid'}; only roots are pinned)` })
    }
  }
  if (key) {
    const sigErr = await verifySignature(parsed.token, key, alg)
    if (sigErr) {
      errors.push(sigErr)
      keyInfo = undefined
    }
  }

  // Claims (J-06, J-07).
  if (!('iss' in payload)) errors.push({ code: 'ERR_JWT_CLAIM_MISSING', message: 'required claim "iss" is missing' })
  else if (payload.iss !== issuer) errors.push({ code: 'ERR_JWT_ISSUER', message: `"iss" ${JSON.stringify(payload.iss)} is not the pinned instance ${issuer}` })
  checkTimeClaims(
    payload,
    { now, clockToleranceSec: options.clockToleranceSec ?? 60, maxAgeSec: options.maxAgeSec ?? 86_400, require: ['exp', 'iat'] },
    errors,
  )
  if (options.audience !== undefined) {
    const aud = payload.aud
    const ok = aud === options.audience || (Array.isArray(aud) && aud.includes(options.audience))
    if (!ok) errors.push({ code: 'ERR_JWT_AUDIENCE', message: `"aud" ${JSON.stringify(aud ?? null)} does not name ${JSON.stringify(options.audience)}` })
  }
  if (options.nonce !== false) {
    const expected = typeof options.nonce === 'string' ? options.nonce : base64urlEncode(options.nonce)
    if (typeof payload.nonce !== 'string') errors.push({ code: 'ERR_JWT_NONCE', message: 'the token has no "nonce" claim; it is not bound to this challenge' })
    else if (!safeEqual(payload.nonce, expected)) errors.push({ code: 'ERR_JWT_NONCE', message: '"nonce" differs from the verifier\'s challenge' })
    if ('rp_data' in payload && (typeof payload.rp_data !== 'string' || !safeEqual(payload.rp_data, expected))) {
      errors.push({ code: 'ERR_JWT_NONCE', message: '"rp_data" differs from the verifier\'s challenge' })
    }
  }
  if (options.policyHash !== undefined) {
    const got = payload['x-ms-policy-hash']
    if (got !== options.policyHash) errors.push({ code: 'ERR_JWT_POLICY_HASH', message: `"x-ms-policy-hash" ${JSON.stringify(got ?? null)} is not the pinned ${options.policyHash}` })
  }
  if (options.requestKey !== undefined) await checkKeyBinding(payload, options.requestKey, errors)
  const claims = parseMaaClaims(payload)
  if (options.attestationType !== undefined) {
    const want = options.attestationType.toLowerCase()
    const got = want === 'tpm' ? claims.kind : (claims.attestationType ?? '').toLowerCase()
    if (got !== want) {
      errors.push({ code: 'ERR_JWT_ATTESTATION_TYPE', message: `attestation type ${JSON.stringify(claims.attestationType ?? claims.kind)} is not the expected ${JSON.stringify(options.attestationType)}` })
    }
  }

  const result: MaaVerifyResult = { valid: errors.length === 0 && key !== undefined, errors, header, payload, claims }
  if (keyInfo) result.key = keyInfo
  return result
}
