/**
 * Build the EAR-shaped verdict from the pipeline's findings and outcomes.
 *
 * Fail closed (issue 4): a quote or nonce failure marks every submodule `crypto_failed` (99);
 * an error-severity finding makes its submodule contraindicated; a submodule is affirming only
 * when a policy affirmed it; the overall status is affirming only when every submodule is.
 */
import { AR4SI, lower, statusOfVector, worse, type EarStatus, type TrustVector } from './ar4si.js'
import { claimValues, SUBMODS, type SubmodName } from './submods.js'
import { EAR_PROFILE, type EarAppraisal, type StepName, type StepStatus, type Verdict, type VerdictFinding } from './types.js'


/** Who vouches for the AK: its certificate chain, the verifier's enrollment records, a verified confidential-VM hardware report, or nobody. */
export type AkIdentity = 'certificate' | 'enrolled' | 'hardware' | 'unknown'
export interface VerdictInputs {
  now: Date
  verifier?: { developer: string; build: string }
  nonce?: Uint8Array
  /** Undefined when no policy was applied. */
  policyId?: string
  steps: Partial<Record<StepName, { status: StepStatus; note?: string }>>
  findings: VerdictFinding[]
  /** Quote (and nonce) cryptographically valid; undefined when no quote was given. */
  quoteValid: boolean | undefined
  /** How the AK is known: a validated certificate chain, caller enrollment records, a verified confidential-VM hardware report that binds it, or not at all. */
  akIdentity: AkIdentity
  /** Per-submodule outcome of the policy appraisal (absent: not appraised). */
  appraised: Partial<Record<SubmodName, EarStatus>>
  /** Submodules that apply to this evidence (e.g. windows-boot only for Windows logs). */
  present: SubmodName[]
  /** Further submodules appraised elsewhere (e.g. `maa` from an Azure Attestation token). */
  extraSubmods?: Record<string, EarAppraisal>
}

export const BOOTPROOF_VERIFIER = { developer: 'bootproof', build: 'bootproof 0.1.0' }

function b64url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function buildVerdict(inp: VerdictInputs): Verdict {
  const submods: Record<string, EarAppraisal> = {}
  for (const name of inp.present) {
    const { claim } = SUBMODS[name]
    const values = claimValues(claim)
    const vector: TrustVector = {}
    const tier = inp.appraised[name]
    if (tier === 'affirming' || tier === 'warning' || tier === 'contraindicated') vector[claim] = values[tier]
    else vector[claim] = AR4SI.NO_CLAIM
    if (name === 'tpm') {
      if (inp.quoteValid === true) {
        vector['instance-identity'] = inp.akIdentity === 'unknown' ? AR4SI.UNRECOGNIZED_INSTANCE : AR4SI.RECOGNIZED_INSTANCE
      }
    }
    const findings = inp.findings.filter((f) => f.submod === name)
    for (const f of findings) {
      if (f.severity === 'error') lower(vector, claim, values.contraindicated)
      else if (f.severity === 'warning') lower(vector, claim, values.warning)
    }
    if (inp.quoteValid === false) lower(vector, claim, AR4SI.CRYPTO_FAILED)
    // A submodule is affirming only when a policy affirmed it (attack H-10): without one, a valid
    // quote and a known AK still leave the boot unappraised.
    let subStatus = statusOfVector(vector)
    if (subStatus === 'affirming' && !inp.policyId) subStatus = 'none'
    const app: EarAppraisal = { ear_status: subStatus, ear_trustworthiness_vector: vector, bootproof_findings: findings }
    if (inp.policyId) app.ear_appraisal_policy_ids = [inp.policyId]
    submods[name] = app
  }
  for (const [name, app] of Object.entries(inp.extraSubmods ?? {})) submods[name] = app
  let status: EarStatus = 'none'
  for (const s of Object.values(submods)) status = worse(status, s.ear_status)
  // Without a policy nothing was compared with reference values: never affirming. With one, a
  // submodule it did not appraise ('none') keeps the whole verdict from affirming: a deny-list
  // alone, or a policy silent about part of the boot chain, has not approved that part.
  if (status === 'affirming' && (!inp.policyId || Object.values(submods).some((s) => s.ear_status === 'none'))) status = 'none'
  const steps = {} as Verdict['bootproof_steps']
  for (const step of ['parse', 'key', 'quote', 'replay', 'integrity', 'state', 'appraisal', 'token', 'cvm'] as StepName[]) {
    const s = inp.steps[step] ?? { status: 'skipped' as const }
    steps[step] = { status: s.status, findings: inp.findings.filter((f) => f.step === step).length, ...(s.note ? { note: s.note } : {}) }
  }
  const v: Verdict = {
    eat_profile: EAR_PROFILE,
    iat: Math.floor(inp.now.getTime() / 1000),
    ear_verifier_id: inp.verifier ?? BOOTPROOF_VERIFIER,
    ear_status: status,
    submods,
    bootproof_steps: steps,
    bootproof_findings: inp.findings,
    bootproof_policy_id: inp.policyId ?? 'none',
  }
  if (inp.nonce && inp.nonce.length) v.eat_nonce = b64url(inp.nonce)
  if (inp.policyId) v.ear_appraisal_policy_ids = [inp.policyId]
  return v
}
