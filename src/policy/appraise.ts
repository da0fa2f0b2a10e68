/**
 * `appraisePolicy` and its public types. The engine lives in ./appraise/ (one module per check);
 * this entry keeps the import path every caller already uses.
 */
export {
  appraisePolicy,
  componentForPcr,
  policyTrustAnchors,
  type AppraisalInput,
  type AppraisalResult,
  type AppraisalState,
  type CheckName,
  type CheckSummary,
  type ComponentMatch,
  type ComponentResult,
  type ComponentStatus,
  type PolicyFact,
  type PreviousQuoteState,
  type QuoteEvidenceSummary,
  type WindowsClaimName,
  type WindowsStateLike,
} from './appraise/index.js'
