/**
 * The EAR / AR4SI model, defined once for the verdict builder and the token reader/writer:
 * status tiers and their order (draft-ietf-rats-ear §3.1), the AR4SI trustworthiness claims and
 * their standard int8 values (draft-ietf-rats-ar4si "Specific Claims"), and the tier arithmetic
 * (draft-ietf-rats-ar4si "Trustworthiness Tiers"). Imports nothing.
 */

export type EarStatus = 'none' | 'affirming' | 'warning' | 'contraindicated'

/** The four tier names, exact lowercase spelling, from least to most severe. */
export const EAR_STATUSES: readonly EarStatus[] = ['none', 'affirming', 'warning', 'contraindicated']

/**
 * Tier values (CBOR encoding); "worse" = numerically higher. `none` ranks below affirming: it
 * asserts nothing, so any appraisal overrides it.
 */
export const EAR_STATUS_VALUE: Readonly<Record<EarStatus, number>> = { none: 0, affirming: 2, warning: 32, contraindicated: 96 }

export function isEarStatus(v: unknown): v is EarStatus {
  return typeof v === 'string' && (EAR_STATUSES as readonly string[]).includes(v)
}

/** AR4SI trustworthiness claims (JSON keys of a trustworthiness vector). */
export const AR4SI_CLAIMS = ['instance-identity', 'configuration', 'executables', 'file-system', 'hardware', 'runtime-opaque', 'storage-opaque', 'sourced-data'] as const
export type Ar4siClaim = (typeof AR4SI_CLAIMS)[number]
/** Alias used by the token module. */
export type TrustClaimName = Ar4siClaim

/** A vector of the known claims only (what bootproof's verdict produces). */
export type Ar4siVector = Partial<Record<Ar4siClaim, number>>
/** A vector as received: known claims plus any other key (receivers keep unknown claims). */
export type TrustVector = Ar4siVector & Record<string, number>

/** Claim values are int8 (draft-ietf-rats-ar4si "Trustworthiness Claims"). */
export function isTrustClaimValue(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= -128 && x <= 127
}

/** Standard values used by bootproof (AR4SI §"Specific Claims"). */
export const AR4SI = {
  NO_CLAIM: 0,
  UNEXPECTED_EVIDENCE: 1,
  VERIFIER_MALFUNCTION: -1,
  CRYPTO_FAILED: 99,
  // instance-identity
  RECOGNIZED_INSTANCE: 2,
  UNTRUSTWORTHY_INSTANCE: 96,
  UNRECOGNIZED_INSTANCE: 97,
  // configuration
  APPROVED_CONFIG: 2,
  SAFE_CONFIG: 3,
  UNSAFE_CONFIG: 32,
  UNSUPPORTABLE_CONFIG: 96,
  // executables
  APPROVED_RT: 2,
  APPROVED_BOOT: 3,
  UNSAFE_RT: 32,
  UNRECOGNIZED_RT: 33,
  CONTRAINDICATED_RT: 96,
  // hardware
  GENUINE_HW: 2,
  UNSAFE_HW: 32,
  CONTRAINDICATED_HW: 96,
  UNRECOGNIZED_HW: 97,
  // runtime-opaque
  ENCRYPTED_MEMORY: 2,
  ISOLATED_MEMORY: 3,
  VISIBLE_MEMORY: 32,
} as const

/**
 * Tier of one claim value (draft-ietf-rats-ar4si "Trustworthiness Tiers"): -1..1 none, 2..31 / -32..-2 affirming,
 * 32..95 / -96..-33 warning, everything else (including non-integers) contraindicated.
 */
export function tierOf(v: number): EarStatus {
  if (v >= -1 && v <= 1) return 'none'
  if ((v >= 2 && v <= 31) || (v >= -32 && v <= -2)) return 'affirming'
  if ((v >= 32 && v <= 95) || (v >= -96 && v <= -33)) return 'warning'
  return 'contraindicated'
}

/** The less trustworthy of two statuses (ties return `a`). */
export function worse(a: EarStatus, b: EarStatus): EarStatus {
  return EAR_STATUS_VALUE[a] >= EAR_STATUS_VALUE[b] ? a : b
}

/** The worst of statuses; `none` for an empty list. */
export function worstStatus(statuses: Iterable<EarStatus>): EarStatus {
  let s: EarStatus = 'none'
  for (const x of statuses) s = worse(s, x)
  return s
}

/** Status implied by a vector: the worst tier among its claims (veraison `UpdateStatusFromTrustVector`). */
export function statusFromVector(v: Readonly<Record<string, number | undefined>>): EarStatus {
  let s: EarStatus = 'none'
  for (const x of Object.values(v)) if (x !== undefined) s = worse(s, tierOf(x))
  return s
}

/**
 * Set a claim only if the new value is less trustworthy than what is there: a worse tier, or
 * the same tier and a higher value (fail closed: never raise a claim's trust).
 */
export function lower<K extends string>(v: Partial<Record<K, number>>, claim: K, value: number): void {
  const cur = v[claim]
  if (cur === undefined) {
    v[claim] = value
    return
  }
  const a = EAR_STATUS_VALUE[tierOf(value)]
  const b = EAR_STATUS_VALUE[tierOf(cur)]
  if (a > b || (a === b && value > cur)) v[claim] = value
}
