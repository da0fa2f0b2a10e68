/**
 * The verdict: JSON shaped like an IETF EAR (draft-ietf-rats-ear -03 claim names), with
 * bootproof's per-step record and every finding. EAR receivers ignore unknown claims, so
 * `bootproof_*` members ride along in the same object.
 */
import type { Finding } from '../findings.js'
import type { EarStatus, TrustVector } from './ar4si.js'

export const EAR_PROFILE = 'tag:ietf.org,2026:rats/ear#03'

export type StepName = 'parse' | 'key' | 'quote' | 'replay' | 'integrity' | 'state' | 'appraisal' | 'token' | 'cvm'
export type StepStatus = 'success' | 'failed' | 'skipped'

export interface VerdictFinding extends Finding {
  /** The pipeline step that produced it. */
  step: StepName
  /** The submodule it counts against. */
  submod?: string
  /** Human component name ("shim", "dbx", "kernel command line", ...). */
  component?: string
}

export interface EarAppraisal {
  ear_status: EarStatus
  ear_trustworthiness_vector: TrustVector
  ear_appraisal_policy_ids?: string[]
  /** bootproof: the findings of this submodule. */
  bootproof_findings: VerdictFinding[]
}

export interface Verdict {
  eat_profile: typeof EAR_PROFILE
  /** Seconds since the epoch. */
  iat: number
  ear_verifier_id: { developer: string; build: string }
  /** Overall status: the worst submodule. */
  ear_status: EarStatus
  /** The nonce of this attestation, base64url (EAR `eat_nonce`). */
  eat_nonce?: string
  ear_appraisal_policy_ids?: string[]
  submods: Record<string, EarAppraisal>
  /** bootproof: each pipeline step and its outcome. */
  bootproof_steps: Record<StepName, { status: StepStatus; findings: number; note?: string }>
  /** bootproof: every finding, in pipeline order. */
  bootproof_findings: VerdictFinding[]
  /** bootproof: the policy that was applied (`none` when no policy was given). */
  bootproof_policy_id: string
}
