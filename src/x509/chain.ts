/**
 * RFC 5280 §6 path validation to caller-pinned roots, with pkijs's
 * CertificateChainValidationEngine (name chaining, signatures, validity at an injectable time,
 * CA-ness and keyCertSign of issuers, name constraints, policies) plus the checks pkijs leaves
 * out (attack X-03): pathLenConstraint, unknown critical extensions on every certificate, and
 * MD5/SHA-1 signatures.
 *
 * Crypto: a pkijs CryptoEngine is built per call over the caller's (or the global) WebCrypto and
 * passed to `verify()`; the pkijs global engine (`setEngine`) is never touched.
 */
import { CertificateChainValidationEngine, CryptoEngine, type Certificate } from 'pkijs'
import { bytesEqual } from '../bytes/hex.js'
import { BootproofError } from '../errors.js'
import type { X509Limits } from '../limits.js'
import { parseCertificate, type CertificateInfo } from './certificate.js'
import { decodedCertificate } from './decoded_cache.js'
import { UNDERSTOOD_EXTENSIONS, WEAK_SIGNATURE_ALGORITHMS } from './oids.js'

export type CertificateInput = Uint8Array | string | CertificateInfo

export interface ChainOptions {
  /** Pinned roots (or pinned intermediates). Certificates inside the evidence are never anchors. */
  trustAnchors: readonly CertificateInput[]
  /** Untrusted intermediates supplied with the evidence. */
  intermediates?: readonly CertificateInput[]
  /** Validation time (default: now). Inject for recorded evidence. */
  now?: Date
  /** WebCrypto implementation (default: globalThis.crypto). */
  crypto?: Crypto
  /** Accept SHA-1 / MD5 signatures inside the path (default false). */
  allowWeakSignatures?: boolean
  /**
   * Overrides of the certificate decoding limits (`DEFAULT_X509_LIMITS`) for the inputs given
   * as bytes or PEM; those are then decoded outside the shared cache.
   */
  limits?: Partial<X509Limits>
}

export interface ChainResult {
  ok: boolean
  code?: 'ERR_CHAIN_UNTRUSTED'
  message: string
  /** Leaf first, anchor last, when a path was found. */
  path: CertificateInfo[]
}

export function toCertificateInfo(c: CertificateInput): CertificateInfo {
  return certificateInfoWithin(c, undefined)
}

function certificateInfoWithin(c: CertificateInput, limits: Partial<X509Limits> | undefined): CertificateInfo {
  const options = limits ? { limits } : {}
  // Bytes go through the shared decode cache (pinned roots are decoded on every call otherwise).
  if (c instanceof Uint8Array) return decodedCertificate(c, options)
  return typeof c === 'string' ? parseCertificate(c, options) : c
}

function fail(message: string, path: CertificateInfo[] = []): ChainResult {
  return { ok: false, code: 'ERR_CHAIN_UNTRUSTED', message, path }
}

function isSelfIssued(c: CertificateInfo): boolean {
  return c.pkijs.subject.isEqual(c.pkijs.issuer)
}

/**
 * Validate `leaf` to one of `trustAnchors` at `now`.
 * Never throws for validation failures: returns `{ ok: false, code: 'ERR_CHAIN_UNTRUSTED' }`.
 * @throws BootproofError ERR_CERT_INVALID / ERR_CERT_LIMIT / ERR_PEM_INVALID when an input certificate cannot be parsed.
 */
export async function verifyCertificateChain(leafInput: CertificateInput, options: ChainOptions): Promise<ChainResult> {
  const info = (c: CertificateInput): CertificateInfo => certificateInfoWithin(c, options.limits)
  const leaf = info(leafInput)
  const anchors = options.trustAnchors.map(info)
  const intermediates = (options.intermediates ?? []).map(info)
  const now = options.now ?? new Date()
  if (!anchors.length) return fail('no trust anchors supplied: a certificate cannot be trusted on its own')
  try {
    return await validatePath(leaf, anchors, intermediates, now, options)
  } catch (e) {
    // pkijs walks attacker-supplied certificates (names, extensions, policies) and can throw
    // plain Errors / TypeErrors on shapes it does not expect: a path that cannot be evaluated
    // is an untrusted path, never an internal error.
    if (e instanceof BootproofError) throw e
    return fail(`path validation failed: ${e instanceof Error ? e.message : String(e)}`)
  }
}

async function validatePath(leaf: CertificateInfo, anchors: CertificateInfo[], intermediates: CertificateInfo[], now: Date, options: ChainOptions): Promise<ChainResult> {
  const engine = new CryptoEngine({ name: 'bootproof', crypto: options.crypto ?? globalThis.crypto })
  const chain = new CertificateChainValidationEngine({
    trustedCerts: anchors.map((a) => a.pkijs),
    // pkijs takes the LAST element of certs as the end-entity certificate.
    certs: [...intermediates.map((c) => c.pkijs), leaf.pkijs],
    checkDate: now,
  })
  let pkiPath: Certificate[] | undefined
  try {
    const r = await chain.verify({}, engine)
    if (!r.result) return fail(`path validation failed: ${r.resultMessage || `pkijs code ${r.resultCode}`}`)
    pkiPath = r.certificatePath
  } catch (e) {
    const m = (e as { resultMessage?: string; message?: string }).resultMessage ?? (e as Error).message
    return fail(`path validation failed: ${m}`)
  }
  if (!pkiPath?.length) return fail('path validation returned no path')
  const all = [leaf, ...intermediates, ...anchors]
  const path = pkiPath.map((p) => all.find((c) => c.pkijs === p || bytesEqual(c.pkijs.tbsView, p.tbsView)) ?? leaf)

  for (let i = 0; i < path.length; i++) {
    const c = path[i]!
    const isAnchor = i === path.length - 1
    if (!isAnchor && !options.allowWeakSignatures) {
      const weak = WEAK_SIGNATURE_ALGORITHMS.get(c.signatureAlgorithm)
      if (weak) return fail(`certificate "${c.subject}" is signed with ${weak}`, path)
    }
    for (const e of c.extensions) {
      if (e.critical && !UNDERSTOOD_EXTENSIONS.has(e.oid)) return fail(`certificate "${c.subject}" has an unknown critical extension ${e.oid}`, path)
    }
    if (i > 0) {
      // RFC 5280 §6.1.4 (l)/(m): pathLenConstraint counts the non-self-issued intermediates below.
      if (!c.basicConstraints?.ca) return fail(`issuer "${c.subject}" is not a CA (basicConstraints)`, path)
      if (c.keyUsage && !c.keyUsage.includes('keyCertSign')) return fail(`issuer "${c.subject}" lacks keyCertSign`, path)
      const below = path.slice(1, i).filter((x) => !isSelfIssued(x)).length
      if (c.basicConstraints.pathLen !== undefined && below > c.basicConstraints.pathLen) {
        return fail(`issuer "${c.subject}" allows ${c.basicConstraints.pathLen} intermediate(s) below it, the path has ${below}`, path)
      }
    }
  }
  return { ok: true, message: `chains to pinned "${path[path.length - 1]!.subject}" at ${now.toISOString()}`, path }
}
