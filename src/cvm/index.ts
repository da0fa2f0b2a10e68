/** Confidential-VM evidence (docs/cvm.md). */
export * from './snp/index.js'
export * from './tdx/index.js'
export * from './azure/index.js'
export { verifyCvm, type CvmEvidence } from './verify_cvm.js'
export { CVM_THROWN_CODES, type CvmErrorCode, type CvmParseErrorCode, type CvmCheckErrorCode } from '../error_codes.js'
