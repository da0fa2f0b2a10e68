/**
 * Bridge from bootproof's pipeline verdict (src/verdict/types.ts, already in EAR wire names)
 * to `issueEar`. The `bootproof_*` members travel as extension claims, which EAR receivers
 * ignore (draft-ietf-rats-ear: unknown claims are ignored).
 */
import type { CryptoKey, JWK } from 'jose'
import type { Verdict } from '../verdict/types.js'
import type { EarAppraisal, TrustVector } from './ear_claims.js'
import { issueEar, type EarVerdictInput, type IssueEarOptions } from './issue_ear.js'

/** Convert a pipeline verdict into `issueEar` input (draft names; `iat` comes from the verdict). */
export function earInputFromVerdict(v: Verdict): EarVerdictInput {
  const submods: Record<string, EarAppraisal> = {}
  for (const [label, s] of Object.entries(v.submods)) {
    const a: EarAppraisal = { status: s.ear_status, trustworthinessVector: { ...s.ear_trustworthiness_vector } as TrustVector }
    if (s.ear_appraisal_policy_ids?.length) a.policyIds = [...s.ear_appraisal_policy_ids]
    a.extensions = { bootproof_findings: s.bootproof_findings }
    submods[label] = a
  }
  const out: EarVerdictInput = {
    verifierId: { ...v.ear_verifier_id },
    submods,
    status: v.ear_status,
    extensions: {
      bootproof_steps: v.bootproof_steps,
      bootproof_findings: v.bootproof_findings,
      bootproof_policy_id: v.bootproof_policy_id,
      ...(v.ear_appraisal_policy_ids ? { ear_appraisal_policy_ids: v.ear_appraisal_policy_ids } : {}),
    },
  }
  if (v.eat_nonce !== undefined) out.nonce = v.eat_nonce
  return out
}

/**
 * Sign a pipeline verdict as an EAR (draft -03 names), keeping its `iat` unless
 * `options.issuedAt` overrides it.
 */
export function issueVerdictEar(verdict: Verdict, key: CryptoKey | JWK, options: Omit<IssueEarOptions, 'claimNames'> = {}): Promise<string> {
  return issueEar(earInputFromVerdict(verdict), key, { issuedAt: new Date(verdict.iat * 1000), ...options, claimNames: 'draft' })
}
