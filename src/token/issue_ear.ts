/**
 * Sign bootproof's own verdict as an EAR JWT (draft-ietf-rats-ear; jose `CompactSign`).
 * Emits the current draft's claim names and profile unless veraison's are asked for.
 */
import { CompactSign, importJWK, type CryptoKey, type JWK } from 'jose'
import {
  EAR_NAMES,
  EAR_PROFILE_DRAFT,
  EAR_PROFILE_VERAISON,
  appraisalToClaims,
  worstStatus,
  type EarAppraisal,
  type EarClaimNames,
  type EarStatus,
  type EarVerifierId,
} from './ear_claims.js'
import { checkAllowList } from './algorithms.js'
import { base64urlEncode } from './base64url.js'

/** What to sign: a verdict with at least one submodule. */
export interface EarVerdictInput {
  verifierId: EarVerifierId
  submods: Record<string, EarAppraisal>
  /** Top-level status; default: the worst submodule (current names only). */
  status?: EarStatus
  /** Raw evidence bytes (encoded base64url) or an already-encoded string. */
  rawEvidence?: Uint8Array | string
  /** `eat_nonce`: bytes (encoded base64url, 8–64 bytes) or a string of 12–88 characters. */
  nonce?: Uint8Array | string
  /** Extra top-level claims (must not collide with EAR claims). */
  extensions?: Record<string, unknown>
}

export interface IssueEarOptions {
  /** Signature algorithm (default `ES256`); asymmetric only. */
  alg?: string
  /** Header `kid`. */
  kid?: string
  /** `'draft'` (default: `ear_status`, profile `tag:ietf.org,2026:rats/ear#03`) or `'veraison'` (`ear.status`). */
  claimNames?: EarClaimNames
  /** Override `eat_profile`. */
  profile?: string
  /** Issue time (default now). */
  issuedAt?: Date
  /** Lifetime in seconds; sets `exp` (draft -03 only; default none). */
  expiresInSec?: number
}

/**
 * Sign an EAR.
 * @param key private key: WebCrypto `CryptoKey` or a private JWK.
 * @returns the compact JWS.
 * @throws TypeError for an empty verdict, a bad nonce or a symmetric algorithm.
 * @example
 * ```ts
 * const { privateKey } = await generateKeyPair('ES256')
 * const jwt = await issueEar({ verifierId: { developer: 'https://example.org', build: 'bootproof 0.1.0' },
 *   submods: { tpm: { status: 'affirming', trustworthinessVector: { executables: 3 } } } }, privateKey)
 * ```
 */
export async function issueEar(verdict: EarVerdictInput, key: CryptoKey | JWK, options: IssueEarOptions = {}): Promise<string> {
  const alg = options.alg ?? 'ES256'
  checkAllowList([alg], 'issueEar')
  const names = options.claimNames ?? 'draft'
  const i = names === 'draft' ? 0 : 1
  if (!verdict || typeof verdict !== 'object') throw new TypeError('issueEar: verdict is required')
  const labels = Object.keys(verdict.submods ?? {})
  if (!labels.length) throw new TypeError('issueEar: a verdict needs at least one submodule')
  const dev = verdict.verifierId?.developer
  const build = verdict.verifierId?.build
  if (typeof dev !== 'string' || typeof build !== 'string') throw new TypeError('issueEar: verifierId {developer, build} is required')

  const iatMs = (options.issuedAt ?? new Date()).getTime()
  if (!Number.isFinite(iatMs)) throw new TypeError('issueEar: issuedAt is not a valid Date')
  const iat = Math.floor(iatMs / 1000)
  const claims: Record<string, unknown> = {
    eat_profile: options.profile ?? (names === 'draft' ? EAR_PROFILE_DRAFT : EAR_PROFILE_VERAISON),
    iat,
    [EAR_NAMES.verifierId[i]]: { developer: dev, build },
  }
  if (options.expiresInSec !== undefined) {
    if (!Number.isInteger(options.expiresInSec) || options.expiresInSec <= 0) throw new TypeError('issueEar: expiresInSec must be a positive integer')
    claims.exp = iat + options.expiresInSec
  }
  if (verdict.rawEvidence !== undefined) {
    claims[EAR_NAMES.rawEvidence[i]] = typeof verdict.rawEvidence === 'string' ? verdict.rawEvidence : base64urlEncode(verdict.rawEvidence)
  }
  if (verdict.nonce !== undefined) {
    const n = typeof verdict.nonce === 'string' ? verdict.nonce : base64urlEncode(verdict.nonce)
    if (n.length < 8 || n.length > 88 || (verdict.nonce instanceof Uint8Array && (verdict.nonce.length < 8 || verdict.nonce.length > 64))) {
      throw new TypeError('issueEar: eat_nonce must be 8 to 64 bytes')
    }
    claims.eat_nonce = n
  }
  const submods: Record<string, unknown> = {}
  for (const l of labels) submods[l] = appraisalToClaims(verdict.submods[l]!, names)
  claims.submods = submods
  if (names === 'draft') claims[EAR_NAMES.status[0]] = verdict.status ?? worstStatus(labels.map((l) => verdict.submods[l]!.status))
  else if (verdict.status !== undefined) throw new TypeError('issueEar: a top-level status exists only with the draft claim names')
  for (const [k, v] of Object.entries(verdict.extensions ?? {})) {
    if (k in claims) throw new TypeError(`issueEar: extension claim ${JSON.stringify(k)} collides with an EAR claim`)
    claims[k] = v
  }

  const signingKey = isCryptoKey(key) ? key : await importJWK(key, alg)
  const header: Record<string, unknown> = { alg, typ: 'JWT' }
  if (options.kid !== undefined) header.kid = options.kid
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims))).setProtectedHeader(header as { alg: string }).sign(signingKey)
}

function isCryptoKey(k: unknown): k is CryptoKey {
  return typeof k === 'object' && k !== null && (k as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === 'CryptoKey'
}
