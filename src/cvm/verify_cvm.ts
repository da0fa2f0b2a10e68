/**
 * `verifyCvm`: one entry point for confidential-VM hardware evidence, whatever form it arrives in:
 * an Azure HCL report (SEV-SNP or TDX, bound to a vTPM AK), a bare SEV-SNP report with its VCEK,
 * or a bare TDX quote. One result shape (`CvmVerifyResult`), used by the `verify-cvm` command and
 * the `cvm` submodule of the verdict.
 */
import { toHex } from '../bytes/hex.js'
import type { CertificateInput } from '../x509/chain.js'
import { CvmChecks, HARDWARE_CHECK_IDS, type CvmVerifyResult } from './azure/cvm_checks.js'
import type { HclReport } from './azure/hcl_report.js'
import { checkHostData, checkMeasurement, snpVerifyOptions, type VerifyCvmOptions } from './azure/options.js'
import { verifyTdxHardware } from './azure/tdx_hardware.js'
import { verifyHclReport } from './azure/verify_hcl.js'
import { parseSnpReport } from './snp/report.js'
import { verifySnpReport } from './snp/verify.js'

/** The evidence: exactly one of an HCL report, a SEV-SNP report, a TDX quote. */
export type CvmEvidence =
  | { hclReport: Uint8Array | HclReport; vcek?: CertificateInput; tdQuote?: Uint8Array }
  | { snpReport: Uint8Array; vcek: CertificateInput }
  | { tdxQuote: Uint8Array }

async function verifyBareSnp(bytes: Uint8Array, o: VerifyCvmOptions & { vcek: CertificateInput }): Promise<CvmVerifyResult> {
  const snp = parseSnpReport(bytes)
  const r = await verifySnpReport(snp, snpVerifyOptions(o))
  const checks = new CvmChecks()
  checks.push(...r.checks)
  checkHostData(checks, snp.hostData, o.hostData)
  checkMeasurement(checks, 'MEASUREMENT', snp.measurement, o.measurements)
  const errors = checks.errors()
  const hardwareVerified = r.checks.every((c) => c.ok || !HARDWARE_CHECK_IDS.has(c.id)) && r.checks.some((c) => c.id === 'report.signature' && c.ok)
  const out: CvmVerifyResult = { valid: errors.length === 0, platform: 'sev-snp', checks: checks.list, errors, report: r.report as unknown as Record<string, unknown>, measurement: toHex(snp.measurement), debug: snp.policy.debug, hardwareVerified }
  if (r.endorsement) out.endorsement = r.endorsement
  return out
}

async function verifyBareTdx(quote: Uint8Array, o: VerifyCvmOptions): Promise<CvmVerifyResult> {
  const tdx = await verifyTdxHardware(quote, {
    ...(o.now ? { now: o.now } : {}),
    ...(o.allowDebug !== undefined ? { allowDebug: o.allowDebug } : {}),
    ...(o.tdx?.collateral !== undefined ? { collateral: o.tdx.collateral } : {}),
    ...(o.tdx?.ccel ? { ccel: o.tdx.ccel } : {}),
    ...(o.tdx?.reportData !== undefined ? { reportData: o.tdx.reportData } : {}),
    ...(o.crypto ? { crypto: o.crypto } : {}),
  })
  const checks = new CvmChecks()
  checks.push(...tdx.checks)
  const body = tdx.body
  const debug = body ? (body.tdAttributes[0]! & 1) === 1 : undefined
  if (body && !tdx.debugChecked) checks.add('td.debug', !debug || o.allowDebug === true, debug ? `TDATTRIBUTES ${toHex(body.tdAttributes)} allow debugging (bit 0)` : 'TDATTRIBUTES do not allow debugging', 'ERR_CVM_DEBUG')
  checkHostData(checks, undefined, o.hostData)
  if (body) checkMeasurement(checks, 'MRTD', body.mrTd, o.measurements)
  const errors = checks.errors()
  const out: CvmVerifyResult = { valid: errors.length === 0, platform: 'tdx', checks: checks.list, errors, report: tdx.summary ?? {}, hardwareVerified: tdx.verified }
  if (body) out.measurement = toHex(body.mrTd)
  if (debug !== undefined) out.debug = debug
  return out
}

/**
 * Verify confidential-VM evidence.
 * @throws BootproofError when the evidence cannot be parsed (ERR_HCL_*, ERR_SNP_REPORT_*, ERR_TDX_*,
 *   ERR_CERT_INVALID, ERR_PEM_INVALID, ERR_KEY_INVALID); TypeError for invalid options or evidence.
 * @example
 * const r = await verifyCvm({ hclReport, vcek }, { ak: akPublicArea, now })
 * r.valid; r.akBound; r.errors // [{ code: 'ERR_HCL_AK_MISMATCH', message }]
 */
export async function verifyCvm(evidence: CvmEvidence, options: VerifyCvmOptions = {}): Promise<CvmVerifyResult> {
  const kinds = ['hclReport', 'snpReport', 'tdxQuote'].filter((k) => (evidence as Record<string, unknown>)[k] !== undefined)
  if (kinds.length !== 1) throw new TypeError(`verifyCvm: give exactly one of hclReport, snpReport, tdxQuote (got ${kinds.length ? kinds.join(', ') : 'none'})`)
  if ('hclReport' in evidence && evidence.hclReport !== undefined) {
    return verifyHclReport(evidence.hclReport, { ...options, ...(evidence.vcek !== undefined ? { vcek: evidence.vcek } : {}), ...(evidence.tdQuote !== undefined ? { tdQuote: evidence.tdQuote } : {}) })
  }
  if ('snpReport' in evidence && evidence.snpReport !== undefined) {
    if (evidence.vcek === undefined) throw new TypeError('verifyCvm: a SEV-SNP report needs its vcek')
    return verifyBareSnp(evidence.snpReport, { ...options, vcek: evidence.vcek })
  }
  return verifyBareTdx((evidence as { tdxQuote: Uint8Array }).tdxQuote, options)
}
