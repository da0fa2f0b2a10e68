/**
 * EAR (EAT Attestation Result, draft-ietf-rats-ear) claim model, status tiers (AR4SI), and the
 * two JSON spellings: the current draft's (`ear_status`, commit 126b500, 2026) and veraison's
 * (`ear.status`, drafts ≤ -02). Input accepts both; output uses the current names unless asked
 * otherwise (IETF EAR, draft-ietf-rats-ear).
 */
import type { TokenCheckError } from './error_codes.js'
import { EAR_STATUSES, EAR_STATUS_VALUE, isEarStatus, isTrustClaimValue, statusFromVector, worstStatus, type EarStatus, type TrustVector } from '../ear/model.js'

// Status tiers, claim names and tier arithmetic are the one model of src/ear/model.ts.
export { EAR_STATUS_VALUE, tierOf, worstStatus, statusFromVector, type EarStatus, type TrustClaimName, type TrustVector } from '../ear/model.js'

/** Profile of the current draft (-03). */
export const EAR_PROFILE_DRAFT = 'tag:ietf.org,2026:rats/ear#03'
/** veraison/ear's profile. */
export const EAR_PROFILE_VERAISON = 'tag:github.com,2023:veraison/ear'
/** Confidential Containers Trustee's profile (veraison/ear accepts it). */
export const EAR_PROFILE_TRUSTEE = 'tag:github.com,2024:confidential-containers/Trustee'
/** July 2025 drafts. */
export const EAR_PROFILE_2025_07 = 'tag:ietf.org,2025-07:ear'
/** Profiles `verifyEar` accepts by default. */
export const DEFAULT_EAR_PROFILES: readonly string[] = [EAR_PROFILE_DRAFT, EAR_PROFILE_VERAISON, EAR_PROFILE_TRUSTEE, EAR_PROFILE_2025_07]

/** One submodule's appraisal (`EAR-appraisal`). */
export interface EarAppraisal {
  status: EarStatus
  trustworthinessVector?: TrustVector
  /** Policy ids in application order (legacy single `ear.appraisal-policy-id` becomes one entry). */
  policyIds?: string[]
  /** Per-submodule profile and nonce (draft -03). */
  profile?: string
  nonce?: string | string[]
  /** `ear_veraison_annotated_evidence` / `ear.veraison.annotated-evidence`. */
  annotatedEvidence?: Record<string, unknown>
  /** `ear_veraison_policy_claims` / `ear.veraison.policy-claims`. */
  policyClaims?: Record<string, unknown>
  /** `ear_veraison_key_attestation` / `ear.veraison.key-attestation`. */
  keyAttestation?: Record<string, unknown>
  /** Other members, by raw name (receivers ignore unknown claims but keep them). */
  extensions?: Record<string, unknown>
}

export interface EarVerifierId {
  developer: string
  build: string
}

/** An attestation result (what bootproof signs with `issueEar` and reads with `verifyEar`). */
export interface EarVerdict {
  profile: string
  issuedAt: Date
  expiresAt?: Date
  verifierId: EarVerifierId
  /** Top-level `ear_status` when present. */
  status?: EarStatus
  /** base64url, as carried. */
  rawEvidence?: string
  nonce?: string | string[]
  submods: Record<string, EarAppraisal>
  extensions?: Record<string, unknown>
}

/** Claim spellings: [current, legacy]. */
export const EAR_NAMES = {
  status: ['ear_status', 'ear.status'],
  trustworthinessVector: ['ear_trustworthiness_vector', 'ear.trustworthiness-vector'],
  policyIds: ['ear_appraisal_policy_ids', 'ear.appraisal-policy-id'],
  verifierId: ['ear_verifier_id', 'ear.verifier-id'],
  rawEvidence: ['ear_raw_evidence', 'ear.raw-evidence'],
  annotatedEvidence: ['ear_veraison_annotated_evidence', 'ear.veraison.annotated-evidence'],
  policyClaims: ['ear_veraison_policy_claims', 'ear.veraison.policy-claims'],
  keyAttestation: ['ear_veraison_key_attestation', 'ear.veraison.key-attestation'],
} as const

export type EarClaimNames = 'draft' | 'veraison'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const TOP_KNOWN = new Set(['eat_profile', 'iat', 'exp', 'nbf', 'eat_nonce', 'submods', ...EAR_NAMES.verifierId, ...EAR_NAMES.rawEvidence, ...EAR_NAMES.status])
const SUB_KNOWN = new Set([
  'eat_profile',
  'eat_nonce',
  ...EAR_NAMES.status,
  ...EAR_NAMES.trustworthinessVector,
  ...EAR_NAMES.policyIds,
  ...EAR_NAMES.annotatedEvidence,
  ...EAR_NAMES.policyClaims,
  ...EAR_NAMES.keyAttestation,
])

/** Read a claim under either spelling; both present → an error (two readers, two values). */
function either(obj: Record<string, unknown>, names: readonly [string, string], where: string, errors: TokenCheckError[]): unknown {
  const has0 = Object.prototype.hasOwnProperty.call(obj, names[0])
  const has1 = Object.prototype.hasOwnProperty.call(obj, names[1])
  if (has0 && has1) {
    errors.push({ code: 'ERR_JWT_CLAIM_INVALID', message: `${where}: both "${names[0]}" and "${names[1]}" are present` })
    return undefined
  }
  return has0 ? obj[names[0]] : has1 ? obj[names[1]] : undefined
}

function parseStatus(v: unknown, where: string, errors: TokenCheckError[]): EarStatus | undefined {
  if (isEarStatus(v)) return v
  errors.push({ code: 'ERR_EAR_STATUS', message: `${where}: status ${JSON.stringify(v)} is not one of ${EAR_STATUSES.join(', ')}` })
  return undefined
}

function parseVector(v: unknown, where: string, errors: TokenCheckError[]): TrustVector | undefined {
  if (!isObject(v)) {
    errors.push({ code: 'ERR_EAR_TRUST_VECTOR', message: `${where}: trustworthiness vector is not an object` })
    return undefined
  }
  const out: Record<string, number> = {}
  for (const [k, x] of Object.entries(v)) {
    if (!isTrustClaimValue(x)) {
      errors.push({ code: 'ERR_EAR_TRUST_VECTOR', message: `${where}: trustworthiness claim "${k}" = ${JSON.stringify(x)} is not an int8` })
      return undefined
    }
    out[k] = x
  }
  return out as TrustVector
}

function parseNonce(v: unknown, where: string, errors: TokenCheckError[]): string | string[] | undefined {
  const ok = (s: unknown): s is string => typeof s === 'string' && s.length >= 8 && s.length <= 88
  if (ok(v)) return v
  if (Array.isArray(v) && v.length && v.every(ok)) return v as string[]
  errors.push({ code: 'ERR_JWT_NONCE', message: `${where}: "eat_nonce" must be a string of 8 to 88 characters (or an array of them)` })
  return undefined
}

function parseAppraisal(label: string, v: unknown, errors: TokenCheckError[]): EarAppraisal | undefined {
  const where = `submods.${label}`
  if (!isObject(v)) {
    errors.push({ code: 'ERR_EAR_SUBMODS', message: `${where} is not an object` })
    return undefined
  }
  const n = errors.length
  const rawStatus = either(v, EAR_NAMES.status, where, errors)
  if (errors.length > n) return undefined
  if (rawStatus === undefined) {
    errors.push({ code: 'ERR_EAR_STATUS', message: `${where} has no status` })
    return undefined
  }
  const status = parseStatus(rawStatus, where, errors)
  if (!status) return undefined
  const out: EarAppraisal = { status }
  const tv = either(v, EAR_NAMES.trustworthinessVector, where, errors)
  if (tv !== undefined) {
    const vec = parseVector(tv, where, errors)
    if (vec) {
      out.trustworthinessVector = vec
      const implied = statusFromVector(vec)
      if (EAR_STATUS_VALUE[implied] > EAR_STATUS_VALUE[status]) {
        errors.push({ code: 'ERR_EAR_STATUS_INCONSISTENT', message: `${where}: status "${status}" is more trustworthy than its vector ("${implied}")` })
      }
    }
  }
  const pid = either(v, EAR_NAMES.policyIds, where, errors)
  if (typeof pid === 'string') out.policyIds = [pid]
  else if (Array.isArray(pid) && pid.length && pid.every((x) => typeof x === 'string')) out.policyIds = [...(pid as string[])]
  else if (pid !== undefined) errors.push({ code: 'ERR_JWT_CLAIM_INVALID', message: `${where}: appraisal policy ids must be a string or a non-empty array of strings` })
  if (v.eat_profile !== undefined) {
    if (typeof v.eat_profile === 'string') out.profile = v.eat_profile
    else errors.push({ code: 'ERR_EAR_PROFILE', message: `${where}: "eat_profile" is not a string` })
  }
  if (v.eat_nonce !== undefined) {
    const n = parseNonce(v.eat_nonce, where, errors)
    if (n !== undefined) out.nonce = n
  }
  for (const [key, names] of [
    ['annotatedEvidence', EAR_NAMES.annotatedEvidence],
    ['policyClaims', EAR_NAMES.policyClaims],
    ['keyAttestation', EAR_NAMES.keyAttestation],
  ] as const) {
    const x = either(v, names, where, errors)
    if (x === undefined) continue
    if (isObject(x)) out[key] = x
    else errors.push({ code: 'ERR_JWT_CLAIM_INVALID', message: `${where}: "${names[0]}" is not an object` })
  }
  const ext = Object.fromEntries(Object.entries(v).filter(([k]) => !SUB_KNOWN.has(k)))
  if (Object.keys(ext).length) out.extensions = ext
  return out
}

/**
 * Interpret an EAR payload (either spelling). Pushes one error per structural problem; the time
 * claims, profile pinning and nonce binding are `verifyEar`'s job.
 */
export function parseEarClaims(p: Record<string, unknown>, errors: TokenCheckError[]): EarVerdict | undefined {
  const before = errors.length
  let profile: string | undefined
  if (p.eat_profile === undefined) errors.push({ code: 'ERR_JWT_CLAIM_MISSING', message: 'required claim "eat_profile" is missing' })
  else if (typeof p.eat_profile !== 'string') errors.push({ code: 'ERR_EAR_PROFILE', message: '"eat_profile" is not a string' })
  else profile = p.eat_profile

  let verifierId: EarVerifierId | undefined
  const vid = either(p, EAR_NAMES.verifierId, 'EAR', errors)
  if (vid === undefined) errors.push({ code: 'ERR_EAR_VERIFIER_ID', message: 'required claim "ear_verifier_id" is missing' })
  else if (!isObject(vid) || typeof vid.developer !== 'string' || typeof vid.build !== 'string') {
    errors.push({ code: 'ERR_EAR_VERIFIER_ID', message: 'verifier id must be {"developer": string, "build": string}' })
  } else verifierId = { developer: vid.developer, build: vid.build }

  const submods: Record<string, EarAppraisal> = {}
  if (p.submods === undefined) errors.push({ code: 'ERR_EAR_SUBMODS', message: 'required claim "submods" is missing' })
  else if (!isObject(p.submods)) errors.push({ code: 'ERR_EAR_SUBMODS', message: '"submods" is not an object' })
  else if (!Object.keys(p.submods).length) errors.push({ code: 'ERR_EAR_SUBMODS', message: '"submods" is empty; an EAR has at least one submodule' })
  else {
    for (const [label, v] of Object.entries(p.submods)) {
      const a = parseAppraisal(label, v, errors)
      if (a) submods[label] = a
    }
  }

  let status: EarStatus | undefined
  const top = either(p, EAR_NAMES.status, 'EAR', errors)
  if (top !== undefined) {
    status = parseStatus(top, 'EAR', errors)
    const worst = worstStatus(Object.values(submods).map((s) => s.status))
    if (status && EAR_STATUS_VALUE[worst] > EAR_STATUS_VALUE[status]) {
      errors.push({ code: 'ERR_EAR_STATUS_INCONSISTENT', message: `top-level status "${status}" is more trustworthy than the worst submodule ("${worst}")` })
    }
  }
  let rawEvidence: string | undefined
  const re = either(p, EAR_NAMES.rawEvidence, 'EAR', errors)
  if (typeof re === 'string' && /^[A-Za-z0-9_-]*$/.test(re)) rawEvidence = re
  else if (re !== undefined) errors.push({ code: 'ERR_JWT_CLAIM_INVALID', message: 'raw evidence must be unpadded base64url' })
  let nonce: string | string[] | undefined
  if (p.eat_nonce !== undefined) nonce = parseNonce(p.eat_nonce, 'EAR', errors)

  if (errors.length > before && (!profile || !verifierId)) return undefined
  const out: EarVerdict = {
    profile: profile ?? '',
    issuedAt: new Date(typeof p.iat === 'number' && Number.isFinite(p.iat) ? p.iat * 1000 : NaN),
    verifierId: verifierId ?? { developer: '', build: '' },
    submods,
  }
  if (typeof p.exp === 'number' && Number.isFinite(p.exp)) out.expiresAt = new Date(p.exp * 1000)
  if (status) out.status = status
  if (rawEvidence !== undefined) out.rawEvidence = rawEvidence
  if (nonce !== undefined) out.nonce = nonce
  const ext = Object.fromEntries(Object.entries(p).filter(([k]) => !TOP_KNOWN.has(k)))
  if (Object.keys(ext).length) out.extensions = ext
  return out
}

/** Build the JSON claims of an appraisal in one spelling. */
export function appraisalToClaims(a: EarAppraisal, names: EarClaimNames): Record<string, unknown> {
  const i = names === 'draft' ? 0 : 1
  const out: Record<string, unknown> = { [EAR_NAMES.status[i]]: a.status }
  if (a.trustworthinessVector) out[EAR_NAMES.trustworthinessVector[i]] = { ...a.trustworthinessVector }
  if (a.policyIds?.length) {
    if (names === 'draft') out[EAR_NAMES.policyIds[0]] = [...a.policyIds]
    else if (a.policyIds.length === 1) out[EAR_NAMES.policyIds[1]] = a.policyIds[0]
    else throw new TypeError('veraison claim names carry a single appraisal policy id')
  }
  if (a.profile !== undefined) out.eat_profile = a.profile
  if (a.nonce !== undefined) out.eat_nonce = a.nonce
  if (a.annotatedEvidence) out[EAR_NAMES.annotatedEvidence[i]] = a.annotatedEvidence
  if (a.policyClaims) out[EAR_NAMES.policyClaims[i]] = a.policyClaims
  if (a.keyAttestation) out[EAR_NAMES.keyAttestation[i]] = a.keyAttestation
  for (const [k, v] of Object.entries(a.extensions ?? {})) if (!(k in out)) out[k] = v
  return out
}
