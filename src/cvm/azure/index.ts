/** Azure confidential-VM vTPM evidence: HCL report parsing and its bindings (docs/cvm.md). */
export { parseHclReport, DEFAULT_HCL_REPORT_LIMITS, TD_REPORT_SIZE, type HclReport, type HclReportLimits, type HclPlatform, type HclHashType, type ParseHclReportOptions } from './hcl_report.js'
export { parseRuntimeData, HCL_AK_KID, HCL_EK_KID, type HclRuntimeData, type HclJwk } from './runtime_data.js'
export { checkRuntimeDataBinding, checkAkBinding, akKeyMaterial, type BindingOutcome, type AkBindingOutcome } from './binding.js'
export { parseTdReport, compareTdReport, summarizeTdReport, type TdReport, type TdMeasurements } from './td_report.js'
export { verifyHclReport, summarizeHclReport } from './verify_hcl.js'
export { rsaSpkiDer } from './rsa_spki.js'
export type { VerifyCvmOptions } from './options.js'
export type { CvmVerifyResult, CvmCheck, CvmError, CvmResultCode } from './cvm_checks.js'
