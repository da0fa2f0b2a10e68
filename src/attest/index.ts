/** The authentication stage: one pass, one immutable value (see ARCHITECTURE.md, "Stages"). */
export { authenticateAttestation, type AuthenticateInput, type Authentication, type LogCoverage } from './authenticate.js'
export { authenticateLog, buildEvidence, checkLog, type AuthenticateLogOptions, type LogChecks } from './authenticate_log.js'
export { authenticateCcel, compareCcelWithRtmrs, type AuthenticateCcelInput, type CcelAuthentication, type RtmrComparison } from './authenticate_ccel.js'
export { CC_MR_BANK, RTMR_COUNT, RTMR_SIZE, mrOfRtmr, recordsOutsideRtmrs, rtmrValues, type TdQuoteRegisters } from './td_quote_registers.js'
export { checkCel, compareCombined, type CelChecks, type CombinedPcr } from './combine_cel.js'
export { absenceTrust, celRecordTrust, eventTrust, pcrContentTrust, pcrDigestTrust, pcrTrust, type AuthenticatedEvidence, type CelEvidence, type EventTrust, type PcrBankStatus, type PcrStatus, type PcrTrust, type TrustBasis, type TrustReason, type TrustReasonCode } from './evidence.js'
