/**
 * Attestation tokens: Microsoft Azure Attestation (MAA) JWTs and IETF EAR, verified without
 * trusting the token (docs/tokens.md). Re-exports only.
 */
export { verifyMaaToken, type VerifyMaaOptions, type MaaVerifyResult, type TokenKeyInfo } from './verify_maa.js'
export {
  parseMaaClaims,
  type MaaClaims,
  type MaaTokenKind,
  type MaaBootClaims,
  type MaaBootClaim,
  type MaaVbsClaims,
  type MaaSevSnpClaims,
} from './maa_claims.js'
export { maaResultToSubmod, type MaaSubmod, type MaaSubmodOptions } from './maa_submod.js'
export {
  createMaaJwksFetcher,
  certsUrlOf,
  type MaaJwksFetcher,
  type MaaJwksFetcherOptions,
  type JsonWebKeySetInput,
  type FetchLike,
} from './jwks_source.js'
export { MAA_SIGNING_EKU } from './x5c.js'
export { verifyEar, DEFAULT_EAR_ALGORITHMS, type VerifyEarOptions, type EarVerifyResult } from './verify_ear.js'
export { issueEar, type EarVerdictInput, type IssueEarOptions } from './issue_ear.js'
export {
  EAR_PROFILE_DRAFT,
  EAR_PROFILE_VERAISON,
  EAR_PROFILE_TRUSTEE,
  DEFAULT_EAR_PROFILES,
  EAR_STATUS_VALUE,
  tierOf,
  worstStatus,
  statusFromVector,
  type EarStatus,
  type EarAppraisal,
  type EarVerdict,
  type EarVerifierId,
  type TrustVector,
  type TrustClaimName,
} from './ear_claims.js'
export { DEFAULT_MAX_TOKEN_BYTES } from './compact.js'
export type { Clock } from './time_claims.js'
export { TOKEN_THROWN_CODES, type TokenErrorCode, type TokenParseErrorCode, type TokenCheckErrorCode, type TokenCheckError } from './error_codes.js'
export { earInputFromVerdict, issueVerdictEar } from './from_verdict.js'
