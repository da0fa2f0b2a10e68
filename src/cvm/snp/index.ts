/** AMD SEV-SNP attestation reports: parsing, verification, pinned AMD roots (docs/cvm.md). */
export { parseSnpReport, productFromCpuid, SNP_REPORT_SIZE, SNP_SIGNED_SIZE, SNP_REPORT_VERSIONS, type SnpReport, type SnpPolicy, type SnpPlatformInfo, type SnpSigningKey } from './report.js'
export { verifySnpReport, type VerifySnpOptions, type SnpVerifyResult, type SnpCheck, type SnpError } from './verify.js'
export { summarizeSnpReport, type SnpReportSummary } from './summary.js'
export { SNP_ROOTS, SNP_PRODUCTS, type SnpProduct, type SnpProductRoots } from './roots.js'
export { decodeTcb, type SnpTcb, type SnpTcbLevels, type SnpMinimumTcb } from './tcb.js'
export { readEndorsementKey, AMD_OID, type SnpEndorsementKey } from './vcek.js'
export { SNP_THROWN_CODES, type SnpErrorCode, type SnpParseErrorCode, type SnpCheckErrorCode } from '../../error_codes.js'
