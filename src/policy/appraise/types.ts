/**
 * The appraisal's public input and result shapes (docs/policy.md). Kept apart from the checks so the
 * CLI, the verdict bridge and the checks all read one definition.
 */
import type { AuthenticatedEvidence } from '../../attest/evidence.js'
import type { Pcr11SignatureEvidence } from '../../attest/pcr_signature.js'
import type { IntegrityReport } from '../../eventlog/integrity.js'
import type { ReplayResult } from '../../eventlog/replay.js'
import type { EventLog } from '../../eventlog/types.js'
import type { BootState } from '../../state/boot_state.js'
import type { AkInput } from '../../tpm/ak.js'
import type { VerifyQuoteResult } from '../../tpm/verify_quote.js'
import type { VerifyQuotesResult } from '../../tpm/verify_quotes.js'
import type { AppraisalComponent, PolicyFinding } from '../codes.js'
import type { Policy } from '../types.js'
import type { WindowsClaimName } from '../../state/windows/windows_state.js'

/** A boot-state fact as the appraisal reads it (structurally `Fact<T>` of src/state/fact.ts). */
export interface PolicyFact<T = unknown> {
  value: T
  trusted: boolean
  events: number[]
  reason?: string
}

/** The part of the Windows state (src/state/windows) the appraisal reads. */
export interface WindowsStateLike {
  detected?: boolean
  claims: Partial<Record<WindowsClaimName, PolicyFact>>
  bootModules?: { authenticodeHash?: string; filePath?: string; events: number[] }[]
}

/** One definition: the Windows boot-state claim names (src/state/windows). */
export type { WindowsClaimName }

/** A `BootState`, or a hand-built one whose Windows part has only what the appraisal reads. */
export type AppraisalState = Omit<BootState, 'windows'> & { windows?: WindowsStateLike }

/** What the appraisal needs from a quote verification. `VerifyQuoteResult` / `VerifyQuotesResult` are accepted as is. */
export interface QuoteEvidenceSummary {
  /** Every quote check passed (signature, nonce, selection, pcrDigest, ...). */
  valid: boolean
  /** PCR values authenticated by the quote: bank → decimal index → lowercase hex. */
  pcrs: Record<string, Record<string, string>>
  resetCount?: number
  restartCount?: number
  clock?: bigint | number
  /** The AK certificate chained to the policy's `trustedAkRoots` (passed as trust anchors). */
  akChainVerified?: boolean
}

export interface PreviousQuoteState {
  resetCount: number
  restartCount: number
  clock: bigint | number
}

export interface AppraisalInput {
  /** A Policy v1 object (validated again here) or JSON text. */
  policy: Policy | unknown
  log?: EventLog
  /**
   * The authentication stage's value for `log` (verifyAttestation passes it). Without it, `log`
   * and `quote` go through that stage here, once.
   */
  evidence?: AuthenticatedEvidence
  /** @deprecated Ignored: the evidence carries the replay. */
  replay?: ReplayResult
  /** @deprecated Ignored: the evidence carries the integrity report. */
  integrity?: IntegrityReport
  /** Boot state; extracted from `log` (with the authenticated PCRs) when absent. */
  state?: AppraisalState
  quote?: VerifyQuoteResult | VerifyQuotesResult | QuoteEvidenceSummary
  /** Counters of the last accepted quote of this AK, for the freshness rules. */
  previous?: PreviousQuoteState
  /** The quote's extraData was compared with the verifier's fresh nonce and matched. */
  nonceChecked?: boolean
  /**
   * The AK given to verifyQuote (public area, SPKI, certificate or parts). Its RSA modulus is
   * tested for the ROCA fingerprint (attack P-07); without it the `tpm` check does not run.
   */
  ak?: AkInput
  /**
   * The `.pcrsig` entries that verified under the policy's `pcr11Signed` keys
   * (`verifyPcr11Signatures`; verifyAttestation passes it). Without it a `pcr11Signed` rule
   * fails (POLICY_PCR11_SIGNATURE_MISSING).
   */
  pcr11Signatures?: Pcr11SignatureEvidence
}

export type ComponentStatus = 'affirming' | 'warning' | 'contraindicated' | 'none'

export interface ComponentMatch {
  /** JSON pointer of the rule, e.g. `/eventRules/3`. */
  reference: string
  id?: string
  name?: string
  /** Alternative index and name that matched. */
  alternative?: number
  alternativeName?: string
  events: number[]
}

export interface ComponentResult {
  component: AppraisalComponent
  status: ComponentStatus
  findings: PolicyFinding[]
  /** Rules of this component that matched, with the alternative chosen. */
  matched: ComponentMatch[]
}

export type CheckName = 'quote' | 'banks' | 'pcrs' | 'pcrValues' | 'eventRules' | 'digests' | 'secureBoot' | 'kernelCmdline' | 'windows' | 'platform' | 'freshness' | 'akRoots' | 'tpm' | 'pcr11Signed'

export interface CheckSummary {
  status: 'pass' | 'warn' | 'fail' | 'not-configured'
  findings: number
}

export interface AppraisalResult {
  policyId: string
  /** No error-severity finding. The verdict still decides the status (this is one input). */
  ok: boolean
  findings: PolicyFinding[]
  components: ComponentResult[]
  checks: Record<CheckName, CheckSummary>
  /** PCRs the policy uses (required, pinned, governed by rules, PCR 7 for Secure Boot rules, PCR 0 for a pinned start locality). */
  relevantPcrs: number[]
  /** PCRs that are authenticated: quoted in every required bank, replayed, structurally sound. */
  authenticatedPcrs: number[]
}
