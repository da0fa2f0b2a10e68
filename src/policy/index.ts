/**
 * Policy v1: reference values as data, validation, appraisal, derivation and importers (issue 4).
 * See docs/policy.md.
 */
export type {
  Policy,
  PolicyBank,
  ComponentKind,
  DigestSpec,
  EventEntry,
  Alternative,
  EventRule,
  PcrValueRule,
  DigestReference,
  SignatureRef,
  SecureBootPolicy,
  LinuxPolicy,
  KernelCmdlinePolicy,
  WindowsPolicy,
  FreshnessPolicy,
  CounterRule,
  PcrRequirements,
  SbatMinimum,
  AuthorityMatch,
  AuthorityRequirement,
  PlatformPolicy,
  TpmPolicy,
} from './types.js'
export { POLICY_BANKS, COMPONENT_KINDS, WINDOWS_CLAIM_NAMES } from './types.js'
export { POLICY_SCHEMA, POLICY_SCHEMA_ID } from './schema.js'
export { validatePolicy, checkPolicy, SUPPORTED_POLICY_VERSIONS } from './validate.js'
export { PolicyError, type PolicyIssue } from './policy_error.js'
export type { PolicyErrorCode } from './error_codes.js'
export { POLICY_ERROR_CODES } from './error_codes.js'
export { POLICY_FINDING_CODES, type PolicyFinding, type PolicyFindingCode, type AppraisalComponent, type Ar4siClaim, type PolicyCodeInfo } from './codes.js'
export {
  appraisePolicy,
  policyTrustAnchors,
  componentForPcr,
  type AppraisalInput,
  type AppraisalResult,
  type AppraisalState,
  type ComponentResult,
  type ComponentStatus,
  type ComponentMatch,
  type CheckName,
  type CheckSummary,
  type QuoteEvidenceSummary,
  type PreviousQuoteState,
  type PolicyFact,
  type WindowsStateLike,
} from './appraise.js'
export { parseSbatLevel, sbatShortfalls, type SbatLevel, type SbatParseResult } from './sbat.js'
export { derivePolicy, type DerivePolicyOptions, type KnownGoodLog } from './derive.js'
export { importPcrlock, type PcrlockFile, type ImportPcrlockOptions } from './import_pcrlock.js'
export { importKeylimeRefstate, pythonRegexToPolicyPattern, type ImportKeylimeOptions } from './import_keylime.js'
export { compileSafePattern, PatternError, MAX_PATTERN_LENGTH, type SafePattern } from './safe_pattern.js'
