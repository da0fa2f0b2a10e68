/**
 * EAR status tiers and AR4SI trustworthiness claims (draft-ietf-rats-ear; draft-ietf-rats-ar4si
 * "Specific Claims"; tokens.md §4-5). Values are the standard int8 codes.
 */
export type EarStatus = 'none' | 'affirming' | 'warning' | 'contraindicated'

export const AR4SI_CLAIMS = ['instance-identity', 'configuration', 'executables', 'file-system', 'hardware', 'runtime-opaque', 'storage-opaque', 'sourced-data'] as const
export type Ar4siClaim = (typeof AR4SI_CLAIMS)[number]
export type TrustVector = Partial<Record<Ar4siClaim, number>>

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
} as const

/** Tier of one claim value (tokens.md §4.2). */
export function tierOf(v: number): EarStatus {
  if (v >= -1 && v <= 1) return 'none'
  if ((v >= 2 && v <= 31) || (v >= -32 && v <= -2)) return 'affirming'
  if ((v >= 32 && v <= 95) || (v >= -96 && v <= -33)) return 'warning'
  return 'contraindicated'
}

const RANK: Record<EarStatus, number> = { none: 0, affirming: 1, warning: 2, contraindicated: 3 }

/** The less trustworthy of two statuses ("none" ranks below affirming: it asserts nothing). */
export function worse(a: EarStatus, b: EarStatus): EarStatus {
  return RANK[a] >= RANK[b] ? a : b
}

/** Status of a vector: the worst tier among its claims (veraison UpdateStatusFromTrustVector). */
export function statusOfVector(v: TrustVector): EarStatus {
  let s: EarStatus = 'none'
  for (const x of Object.values(v)) if (x !== undefined) s = worse(s, tierOf(x))
  return s
}

/** Set a claim only if the new value is less trustworthy than what is there. */
export function lower(v: TrustVector, claim: Ar4siClaim, value: number): void {
  const cur = v[claim]
  if (cur === undefined || RANK[tierOf(value)] > RANK[tierOf(cur)] || (tierOf(value) === tierOf(cur) && value > cur)) v[claim] = value
}
