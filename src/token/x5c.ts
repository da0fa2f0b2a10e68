/**
 * `x5c` (RFC 7515 §4.1.6) as a key source: the chain must validate under RFC 5280 to a root the
 * caller pinned (never to a certificate inside the token), at the verification time, with the
 * leaf EKU pinned (MAA signing certificates carry 1.3.6.1.4.1.311.76.50.3), and `kid`, when
 * present, equal to base64url(SHA-1(leaf DER)) (RFC 5280 path validation; attack J-04).
 *
 * Path validation is src/x509/chain.ts (`verifyCertificateChain`, pkijs + the checks pkijs
 * leaves out); this module only adapts it to JOSE.
 */
import type { CryptoKey } from 'jose'
import { verifyCertificateChain, type CertificateInput } from '../x509/chain.js'
import type { CertificateInfo } from '../x509/certificate.js'
import { decodedCertificate } from '../x509/decoded_cache.js'
import type { TokenCheckError } from './error_codes.js'
import { base64Decode, base64urlEncode } from './base64url.js'
import { importCertificateFor } from './algorithms.js'

/** EKU observed on every Microsoft-CA-issued MAA token-signing certificate (observed in MAA's x5c / JWKS chains; not documented). */
export const MAA_SIGNING_EKU = '1.3.6.1.4.1.311.76.50.3'

export interface X5cOptions {
  /** Pinned roots (DER, PEM or parsed). */
  roots: readonly CertificateInput[]
  /** Validation time. */
  now: Date
  /** EKU the leaf must carry; `null` to skip (not recommended). */
  leafEku: string | null
  /** WebCrypto implementation (default `globalThis.crypto`). */
  crypto?: Crypto
}

export interface X5cKey {
  key: CryptoKey
  /** Subjects, leaf first, anchor last. */
  chain: string[]
}

/** Validate the header `x5c` and import the leaf key for `alg`. */
export async function keyFromX5c(x5c: readonly string[], kid: string | undefined, alg: string, options: X5cOptions): Promise<X5cKey | { error: TokenCheckError }> {
  const untrusted = (message: string): { error: TokenCheckError } => ({ error: { code: 'ERR_JWT_X5C_UNTRUSTED', message } })
  const certs: CertificateInfo[] = []
  // The header is attacker-controlled: an empty or non-string x5c is an untrusted chain, not a
  // TypeError further down (RFC 7515 §4.1.6 requires at least one base64 certificate).
  if (!Array.isArray(x5c) || x5c.length === 0) return untrusted('x5c is empty')
  for (const [i, b64] of x5c.entries()) {
    if (typeof b64 !== 'string') return untrusted(`x5c[${i}] is not a string`)
    const der = base64Decode(b64)
    if (!der) return untrusted(`x5c[${i}] is not standard base64`)
    try {
      certs.push(decodedCertificate(der))
    } catch (e) {
      return untrusted(`x5c[${i}] is not a certificate: ${(e as Error).message}`)
    }
  }
  const [leaf, ...rest] = certs as [CertificateInfo, ...CertificateInfo[]]
  const chain = await verifyCertificateChain(leaf, {
    trustAnchors: options.roots,
    intermediates: rest,
    now: options.now,
    ...(options.crypto ? { crypto: options.crypto } : {}),
  })
  if (!chain.ok) return untrusted(`x5c does not chain to a pinned root at ${options.now.toISOString()}: ${chain.message}`)
  if (options.leafEku !== null && !(leaf.extKeyUsage ?? []).includes(options.leafEku)) {
    return untrusted(`x5c leaf "${leaf.subject}" lacks the pinned EKU ${options.leafEku}`)
  }
  if (kid !== undefined) {
    const subtle = (options.crypto ?? globalThis.crypto).subtle
    const thumb = base64urlEncode(new Uint8Array(await subtle.digest('SHA-1', new Uint8Array(leaf.der))))
    if (kid !== thumb) return { error: { code: 'ERR_JWT_KID_MISMATCH', message: `"kid" ${JSON.stringify(kid)} is not the x5c leaf's SHA-1 thumbprint ${thumb}` } }
  }
  const imported = await importCertificateFor(leaf.der, alg)
  if ('error' in imported) return imported
  return { key: imported.key, chain: chain.path.map((c) => c.subject) }
}
