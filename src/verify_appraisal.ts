/**
 * Bridge between the pipeline and the policy engine (src/policy): runs the appraisal and maps
 * its components onto the verdict's EAR submodules.
 */
import type { AuthenticatedEvidence } from './attest/evidence.js'
import type { Pcr11SignatureEvidence } from './attest/pcr_signature.js'
import type { EventLog } from './eventlog/types.js'
import { appraisePolicy, type AppraisalResult } from './policy/appraise.js'
import type { Policy } from './policy/types.js'
import type { BootState } from './state/boot_state.js'
import type { QuoteEvidenceSummary } from './policy/appraise/types.js'
import type { VerifyQuotesResult } from './tpm/verify_quotes.js'
import type { AkInput } from './tpm/ak.js'
import { worse, type EarStatus } from './verdict/ar4si.js'
import { submodForComponent, type SubmodName } from './verdict/submods.js'
import type { VerdictFinding } from './verdict/types.js'

/** A policy object (validated strictly by the engine) or its JSON. */
export type PolicyInput = Policy | unknown

export interface AppraisalBridgeInput {
  policy: PolicyInput
  log: EventLog | undefined
  /** The authentication stage's value (absent without a log). */
  evidence?: AuthenticatedEvidence
  state: BootState | undefined
  /**
   * What authenticated the log's registers: the TPM quotes' result, or for a CC event log the
   * registers of its TD quote (RTMR0-3 as CC MR 1-4 of sha384, valid only when it verified).
   */
  quote: VerifyQuotesResult | QuoteEvidenceSummary
  previous: { clock: bigint; resetCount: number; restartCount: number } | undefined
  nonceChecked: boolean
  /** The AK the quote was verified with (for key-quality rules such as the ROCA check). */
  ak?: AkInput
  /** The `.pcrsig` entries verified under the policy's `pcr11Signed` keys. */
  pcr11Signatures?: Pcr11SignatureEvidence
}

export interface AppraisalBridgeResult {
  policyId: string
  findings: VerdictFinding[]
  submods: Partial<Record<SubmodName, EarStatus>>
  result: AppraisalResult
}

export function runAppraisal(input: AppraisalBridgeInput): AppraisalBridgeResult {
  const result = appraisePolicy({
    policy: input.policy,
    ...(input.log ? { log: input.log } : {}),
    ...(input.evidence ? { evidence: input.evidence } : {}),
    ...(input.state ? { state: input.state } : {}),
    quote: input.quote,
    ...(input.previous ? { previous: input.previous } : {}),
    nonceChecked: input.nonceChecked,
    ...(input.ak !== undefined ? { ak: input.ak } : {}),
    ...(input.pcr11Signatures ? { pcr11Signatures: input.pcr11Signatures } : {}),
  })
  const submods: Partial<Record<SubmodName, EarStatus>> = {}
  for (const c of result.components) {
    const name = submodForComponent(c.component)
    submods[name] = submods[name] ? worse(submods[name]!, c.status) : c.status
  }
  const findings: VerdictFinding[] = result.findings.map((f) => ({
    ...f,
    step: 'appraisal',
    submod: submodForComponent((f as { component?: string }).component),
  }))
  return { policyId: result.policyId, findings, submods, result }
}
