/**
 * bootproof: verify a machine's boot path from TPM evidence.
 *
 * Parse TCG event logs, replay every PCR bank, check that event content matches its digest,
 * verify TPM 2.0 quotes, and report findings that say what failed, where and why.
 */
export * as errors from './errors.js'
export { BootproofError, TruncatedInputError, LimitExceededError, isBootproofError } from './errors.js'
export type { BootproofErrorCode, EventLogErrorCode, CommonErrorCode, TpmErrorCode } from './errors.js'
export type { Finding, Severity } from './findings.js'
export { hasErrors } from './findings.js'
export { DEFAULT_EVENTLOG_LIMITS, type EventLogLimits } from './limits.js'
export { HASH_ALGS, bankName, hashAlgName, type HashAlgName } from './alg.js'
export { defaultHashProvider, nobleHashProvider, nodeCryptoHashProvider, type HashProvider } from './hash/provider.js'
export { toHex, fromHex } from './bytes/hex.js'

export { parseEventLog, type ParseEventLogOptions } from './eventlog/parse.js'
export type { EventLog, TcgEvent, EventDigest, SpecIdEvent, SpecIdAlgorithm, StartupLocalityInfo, EventLogFormat } from './eventlog/types.js'
export type { DecodedEventData } from './eventlog/decode/types.js'
export { EV, eventTypeName } from './eventlog/event_types.js'
export { replayEventLog, replayedValues, initialPcrValue, type ReplayResult, type ReplayOptions, type ReplayedBank, type ReplayedPcr, type PcrComparison } from './eventlog/replay.js'
export { verifyEventIntegrity, type IntegrityReport, type EventIntegrity, type IntegrityStatus } from './eventlog/integrity.js'
export { checkEventLogStructure } from './eventlog/structure.js'
export { analyzeEventLog, type EventLogAnalysis } from './attest/analyze.js'
// The authentication stage (one pass; trust decided in one place)
export * from './attest/index.js'
export { normalizePcrValues, pcrValuesToJSON, type PcrValues, type PcrValuesInput } from './pcr_values.js'
export { eventLogToJSON, eventToJSON } from './eventlog/json.js'

// TPM 2.0 structures, quotes and keys (TPM 2.0 Part 2)
export { verifyQuote, type VerifyQuoteInput, type VerifyQuoteResult, type VerifyQuoteOptions, type QuoteSummary, type AkSummary, type AuthenticatedPcrs } from './tpm/verify_quote.js'
export { verifyQuotes, type VerifyQuotesInput, type VerifyQuotesResult } from './tpm/verify_quotes.js'
export type { QuoteCheckCode, QuoteCheck, QuoteError } from './tpm/check_codes.js'
export { parseTpmsAttest, type TpmsAttest, type ClockInfo, type Attested, type QuoteInfo } from './tpm/attest.js'
export { parseTpmtPublic, parseTpm2bPublic, computeName, type TpmtPublic, type ObjectAttributes } from './tpm/public.js'
export { parseTpmtSignature, type TpmtSignature } from './tpm/signature.js'
export { parsePcrSelectionList, parseDigestList, type PcrSelection } from './tpm/pcr_selection.js'
export { parseTpm2ToolsPcrFile, type Tpm2ToolsPcrFile } from './tpm/pcr_file.js'
export { parseAk, type AkInput, type AkMaterial, type AkParts } from './tpm/ak.js'
export { tpmPublicToKeyMaterial, type KeyMaterial } from './tpm/keys.js'
export { makeCredential, toTpm2ToolsCredentialBlob, type MakeCredentialInput, type MakeCredentialResult } from './tpm/make_credential.js'
export { TPM_ALG, TPM_ST_ATTEST, TPM_ECC_CURVE, TPMA_OBJECT, TPM_GENERATED_VALUE } from './tpm/constants.js'

// X.509: AK / EK certificates, RFC 5280 path validation (pkijs)
export { parseCertificate, parseCertificates, type CertificateInfo } from './x509/certificate.js'
export { verifyCertificateChain, type ChainOptions, type ChainResult } from './x509/chain.js'
export { akCertificateProblems } from './x509/ak_cert.js'
export { tpmDeviceAttributes, type TpmDeviceAttributes } from './x509/ek_cert.js'

// Boot state (issue 5)
export { extractBootState, stateFromEvidence, type BootState, type BootStateResult, type ExtractBootStateOptions, type ConfidentialState } from './state/boot_state.js'
export type { Fact, StateContext } from './state/fact.js'
export type { SecureBootState, SignatureDb, SignatureDbEntry, Authority } from './state/secure_boot.js'
export type { BootAppsState, BootApplication, BootEntry } from './state/boot_apps.js'
export type { LinuxState, MeasuredFile } from './state/linux.js'
export type { PlatformState, FirmwareBlob } from './state/platform.js'
export type { SystemdState, SystemdMeasurement, SystemdNvPcr } from './state/systemd.js'
export { stateToJSON } from './state/render.js'

// Linux IMA measurement lists (PCR 10)
export { parseImaLog, replayImaLog, analyzeImaLog, parseImaBankRules, isImaList, detectImaFormat,
  resolveImaLimits, DEFAULT_IMA_LIMITS, IMA_TEMPLATES, templateFields, templateHashInput,
  type ImaLog, type ImaEntry, type ImaFields, type ImaDigest, type ImaRawField, type ImaListFormat,
  type ImaLimits, type ImaTemplateHashStatus, type ParseImaLogOptions, type ReplayImaOptions,
  type ImaBankRule, type ImaReplayedBank, type ImaReplayResult, type ImaAnalysis } from './ima/index.js'

// Attestation pipeline and verdict (issue 4)
export { verifyAttestation, type VerifyAttestationInput, type AttestationResult } from './verify.js'
export type { AkIdentity } from './verdict/build.js'
export { parseEvidenceBundle, evidenceBundleToJSON, bundleEvidence, MAX_BUNDLE_CHARS, type EvidenceBundle } from './evidence/bundle.js'
export { buildVerdict, BOOTPROOF_VERIFIER, type VerdictInputs } from './verdict/build.js'
export { renderReport } from './verdict/report.js'
export { EAR_PROFILE, type Verdict, type VerdictFinding, type EarAppraisal, type StepName, type StepStatus } from './verdict/types.js'
export { AR4SI, AR4SI_CLAIMS, tierOf, statusOfVector, type EarStatus, type Ar4siClaim, type TrustVector } from './verdict/ar4si.js'
export { SUBMODS, submodForPcr, type SubmodName } from './verdict/submods.js'

// Windows boot configuration (SIPA, MAA claim names)
export { extractWindowsState, type WindowsState, type WindowsClaims, type WindowsClaimName, type BootModule, type ElamDriver, type WindowsSipaEvent } from './state/windows/windows_state.js'
export { decodeSipa, walkSipa, type SipaRecord, type SipaValue, type SipaError, type SipaDecodeResult, type SipaDecodeOptions } from './state/windows/sipa_decode.js'
export { SIPA, SIPA_IDS, SIPA_PCRS, sipaName, sipaCategory } from './state/windows/sipa_constants.js'

// Attestation tokens: Azure Attestation (MAA) and EAR (issue 6)
export * as token from './token/index.js'
export { verifyMaaToken, parseMaaClaims, maaResultToSubmod, createMaaJwksFetcher, verifyEar, issueEar, issueVerdictEar, TOKEN_THROWN_CODES } from './token/index.js'
export type { VerifyMaaOptions, MaaVerifyResult, MaaClaims, MaaBootClaims, MaaJwksFetcher, VerifyEarOptions, EarVerifyResult, EarVerdict, EarVerdictInput, IssueEarOptions, TokenCheckError } from './token/index.js'

// Boot-chain diff, Authenticode and PCR 4 prediction
export { diffBootChains, renderBootChainDiff, COMPONENT_LABELS, type BootChainDiff, type ComponentChange, type ComponentSide, type PcrDiff, type EventRef, type SignatureEntriesDiff, type SignatureEntryRef, type DiffBootChainsOptions, type ComponentKind as DiffComponentKind } from './diff/index.js'
export { parsePe, authenticodeDigest, authenticodeDigests, authenticodeRanges, predictPcr4, pcr4Alternatives, pcr4PolicyRules, type PeImage, type PeSection, type Pcr4Prediction, type Pcr4Component, type PeBinaryInput, type AuthenticodeErrorCode } from './authenticode/index.js'

// Reference values: policy v1 (validation, appraisal, derivation, importers)
export * from './policy/index.js'
export { isRocaVulnerableModulus } from './tpm/roca.js'
export { verifyFleet, summarizeFleet, queryFleet, FleetSummaryBuilder, createFleetLineVerifier, splitLines, isBlankLine, bootChainOf, compareWithBaseline, isFleetSummary, assertFleetSummary, fleetResultLine, FLEET_GROUPS, DEFAULT_MAX_LINE_BYTES, type QuotedPcrs } from './fleet/index.js'
export type { VerifyFleetOptions, FleetVerifyOptions, FleetTask, FleetLineVerifier, FleetResult, FleetSummary, FleetCluster, FleetComponent, FleetChange, FleetBootChain, FleetGroup, FleetGroupState, FleetLineError, FleetLineErrorCode, FleetQueryResult, FleetQueryMatch, SummarizeFleetOptions, SplitLinesOptions } from './fleet/index.js'

export { parseSnpReport, verifySnpReport, summarizeSnpReport, SNP_ROOTS, SNP_THROWN_CODES, type SnpReport, type SnpReportSummary, type VerifySnpOptions, type SnpVerifyResult, type SnpCheck, type SnpProduct, type SnpTcb, type SnpMinimumTcb, type SnpErrorCode } from './cvm/index.js'
// Confidential-VM evidence: Azure HCL reports (vTPM AK binding) and one entry point for every form
export { verifyCvm, verifyHclReport, parseHclReport, parseRuntimeData, parseTdReport, compareTdReport, checkRuntimeDataBinding, checkAkBinding, rsaSpkiDer, DEFAULT_HCL_REPORT_LIMITS, CVM_THROWN_CODES, type CvmEvidence, type VerifyCvmOptions, type CvmVerifyResult, type CvmCheck, type CvmError, type HclReport, type HclRuntimeData, type HclJwk, type HclPlatform, type HclReportLimits, type TdReport, type CvmErrorCode } from './cvm/index.js'
export { parseTdxQuote, verifyTdxQuote, verifyCcelAgainstTdQuote, summarizeTdxQuote, INTEL_SGX_ROOT_CA, INTEL_SGX_ROOT_CA_SHA256, TDX_TCB_STATUSES, TDX_THROWN_CODES, type TdxQuote, type TdxQuoteHeader, type TdxQuoteBody, type TdxTdAttributes, type SgxReportBody, type ParseTdxQuoteOptions, type VerifyTdxOptions, type TdxVerifyResult, type TdxPckSummary, type TdxCollateral, type TdxCollateralDocument, type TdxTcbStatus, type TdxTcbEvaluation, type TdxCheck, type TdxError, type TdxQuoteSummary, type PckExtensions, type VerifyCcelOptions, type TdxCcelResult, type TdxRtmrComparison, type TdxErrorCode, type TdxParseErrorCode, type TdxCheckErrorCode } from './cvm/tdx/index.js'

// TCG Canonical Event Log (CEL-TLV, CEL-JSON, systemd tpm2-measure.log): parse and replay
export { parseCel, parseCelTlv, parseCelJson, detectCelFormat, isCelLog, replayCelLog, verifyCelContent, CEL_TLV, type CelIntegrityReport, type CelRecordIntegrity, type CelContentStatus, type CelLog, type CelRecord, type CelDigest, type CelContent, type CelManagement, type CelHandleKind, type CelFormat, type ParseCelOptions, type CelReplayOptions, type CelReplayResult, type CelErrorCode } from './cel/index.js'

// Unified kernel images: PCR 11 prediction (systemd-stub / systemd-measure) and .pcrsig verification
export { parseUki, predictPcr11, verifyPcrSignature, parsePcrSignature, parsePcrPublicKey, policyPcrDigest, sectionTable, parseStubMagic, normalizePhasePath, resolvePhasePaths, UKI_SECTIONS, PCR11_BANKS, DEFAULT_PHASE_PATHS, ALL_PHASE_PATHS, PHASE_WORDS, DEFAULT_UKI_LIMITS, UKI_THROWN_CODES, type UkiImage, type UkiSection, type Pcr11Prediction, type Pcr11Calculation, type Pcr11Entry, type Pcr11Bank, type Pcr11MeasuredSection, type Pcr11SectionFiles, type Pcr11Input, type PredictPcr11Options, type PcrSignatureDocument, type PcrSignatureEntry, type PcrPublicKey, type VerifyPcrSignatureOptions, type VerifyPcrSignatureResult, type PcrSignatureCheck, type PcrSignatureError, type PcrSignatureEntryResult, type PcrSignatureSubject, type UkiLimits, type UkiSectionInfo, type StubInfo, type PolicyPcrInput, type ParseUkiOptions, type UkiErrorCode, type UkiParseErrorCode, type UkiCheckErrorCode } from './uki/index.js'

// Types named in the signatures above (parameters, results, union members), exported so a
// consumer can name them and the API reference links them.
export type { EvidenceInput } from './attest/authenticate_log.js'
export type { AuthenticodeOptions, HashedRange } from './authenticode/authenticode.js'
export type { Pcr4Role, Pcr4TemplateEvent, PredictPcr4Options } from './authenticode/predict_pcr4.js'
export type { SnpPlatformInfo, SnpPolicy, SnpSigningKey } from './cvm/snp/report.js'
export type { SnpProductRoots } from './cvm/snp/roots.js'
export type { SnpTcbLevels } from './cvm/snp/tcb.js'
export type { SnpError } from './cvm/snp/verify.js'
export type { Ar4siVector } from './ear/model.js'
export type { SnpCheckErrorCode, SnpParseErrorCode } from './error_codes.js'
export type { ActionData, EventTagData, FirmwareBlobData, GceNonHostInfoData, GptData, GuidData, HandoffTablesData, ImageLoadData, IplData, LegacySpecIdData, LoadOption, NoActionPayloadData, NoActionUnknownData, RawData, SeparatorData, Sp800155Data, SpecIdData, StartupLocalityData, TextData, UefiVariableData, UnparsedData } from './eventlog/decode/types.js'
export type { StatusCounts } from './fleet/types.js'
export type { NodeCryptoLike } from './hash/provider.js'
export type { BootStateLimits, CelLimits } from './limits.js'
export type { PcrValueInput } from './pcr_values.js'
export type { FactReasonCode } from './state/fact.js'
export type { SipaIdInfo } from './state/windows/sipa_constants.js'
export type { EarClaimNames } from './token/ear_claims.js'
export type { CertifyInfo, CommandAuditInfo, CreationInfo, NvCertifyInfo, NvDigestCertifyInfo, SessionAuditInfo, TimeAttestInfo } from './tpm/attest.js'
export type { ObjectAttributeName, WebCryptoCurve } from './tpm/constants.js'
export type { EccPublicDetails, KeyedHashPublicDetails, RsaPublicDetails, SymCipherPublicDetails } from './tpm/public.js'
export type { CoreResult, QuoteEvidence } from './tpm/quote_core.js'
export type { EccSignature, HmacSignature, NullSignature, RsaSignature } from './tpm/signature.js'
export type { ReportContext } from './verdict/report.js'
export type { AkCertificateProblem, AkCertificateProfile } from './x509/ak_cert.js'
export type { KeyUsageName, NameAttribute } from './x509/certificate.js'
export type { CertificateInput } from './x509/chain.js'
export type { GptPartition, TaggedRecord, Sp800155Locator, VariableValue, DecodeFailure, SignatureList, SignatureEntry } from './eventlog/decode/types.js'
export type { TpmtKdfScheme, TpmtScheme, TpmtSymDefObject } from './tpm/public.js'
export type { SipaPayloadKind } from './state/windows/sipa_constants.js'
export type { CvmParseErrorCode, CvmCheckErrorCode } from './error_codes.js'
export type { CvmResultCode } from './cvm/azure/cvm_checks.js'
export type { HclHashType, ParseHclReportOptions, BindingOutcome, AkBindingOutcome, TdMeasurements } from './cvm/azure/index.js'
export type { AkBindingCode } from './cvm/azure/binding.js'
export type { FleetVerdictDigest } from './fleet/types.js'
export type { CvmPolicy } from './policy/types.js'
export type { Pcr11SignedPolicy, Pcr11SignedBank } from './policy/types.js'
export { verifyPcr11Signatures, DEFAULT_MAX_PCR11_SIGNATURE_CHECKS, type Pcr11SignatureEvidence, type VerifiedPcr11Signature, type VerifyPcr11SignaturesOptions } from './attest/pcr_signature.js'
export type { X509Limits } from './limits.js'
export type { ParseCertificateOptions } from './x509/certificate.js'
