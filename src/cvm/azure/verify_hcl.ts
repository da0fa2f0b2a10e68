/**
 * `verifyHclReport`: an Azure confidential VM's HCL report as evidence for its vTPM.
 *
 * Chain of trust, each link a check:
 *   hardware report authentic  SEV-SNP: the report inside verifies with its VCEK / VLEK to the
 *                              pinned AMD roots (verifySnpReport); TDX: the TD quote verifies and
 *                              its body equals the HCL report's TD report (MAC'd, not signed)
 *   runtime data bound         H(runtime data) = REPORT_DATA[0:n], rest zero (`hcl.reportData`)
 *   AK bound                   the runtime data's HCLAkPub is the AK that signed the TPM quote
 *                              (`hcl.ak`)
 *   SEV-SNP VMPL 0             the report was requested by the paravisor (`hcl.vmpl`): at a
 *                              higher VMPL the guest OS chooses REPORT_DATA itself
 * plus the guest policy: debug refused unless allowed, minimum TCB, allowed measurements and
 * HOST_DATA. The TPM quote itself is verified by the caller (verifyQuote / verifyAttestation)
 * with that same AK.
 */
import { toHex } from '../../bytes/hex.js'
import { defaultHashProvider } from '../../hash/provider.js'
import { parseSnpReport, type SnpReport } from '../snp/report.js'
import { summarizeSnpReport } from '../snp/summary.js'
import { verifySnpReport } from '../snp/verify.js'
import { checkAkBinding, checkRuntimeDataBinding } from './binding.js'
import { CvmChecks, HARDWARE_CHECK_IDS, type CvmVerifyResult } from './cvm_checks.js'
import { parseHclReport, type HclReport } from './hcl_report.js'
import { checkHostData, checkMeasurement, snpVerifyOptions, type VerifyCvmOptions } from './options.js'
import { compareTdReport, parseTdReport, summarizeTdReport } from './td_report.js'
import { verifyTdxHardware } from './tdx_hardware.js'

/** The JSON view of the HCL report's own fields and runtime data. */
export function summarizeHclReport(hcl: HclReport): Record<string, unknown> {
  const rd = hcl.runtimeData
  return {
    version: hcl.version,
    reportSize: hcl.reportSize,
    requestType: hcl.requestType,
    status: hcl.status,
    reportType: hcl.platform,
    igvmVersion: hcl.igvmVersion,
    hashType: hcl.hashType,
    runtimeDataSize: hcl.runtimeDataBytes.length,
    paddingBytes: hcl.paddingBytes,
    runtimeData: {
      keys: rd.keys.map((k) => ({ kid: k.kid, kty: k.kty, ...(k.keyOps ? { keyOps: k.keyOps } : {}), ...(k.spki ? { spki: toHex(k.spki) } : {}) })),
      ...(rd.vmConfiguration ? { vmConfiguration: rd.vmConfiguration } : {}),
      ...(rd.userData ? { userData: toHex(rd.userData) } : {}),
    },
  }
}

function debugCheck(checks: CvmChecks, snp: SnpReport, allowDebug: boolean | undefined): void {
  checks.add('policy.debug', !snp.policy.debug || allowDebug === true, snp.policy.debug ? `POLICY 0x${snp.policy.raw} allows debugging (bit 19)${allowDebug ? '; accepted (allowDebug)' : ''}` : 'POLICY does not allow debugging', 'ERR_SNP_DEBUG')
}

interface HardwarePart {
  report: Record<string, unknown>
  reportData: Uint8Array
  measurement: Uint8Array
  debug: boolean
  verified: boolean
  endorsement?: CvmVerifyResult['endorsement']
}

async function snpPart(hcl: HclReport, o: VerifyCvmOptions, checks: CvmChecks): Promise<HardwarePart> {
  const snp = parseSnpReport(hcl.hardwareReport)
  let part: HardwarePart
  if (o.vcek === undefined) {
    checks.add('hcl.endorsement', false, 'no VCEK / VLEK given: the SEV-SNP report\'s signature cannot be verified', 'ERR_CVM_ENDORSEMENT_MISSING')
    debugCheck(checks, snp, o.allowDebug)
    part = { report: summarizeSnpReport(snp) as unknown as Record<string, unknown>, reportData: snp.reportData, measurement: snp.measurement, debug: snp.policy.debug, verified: false }
  } else {
    const r = await verifySnpReport(snp, snpVerifyOptions({ ...o, vcek: o.vcek }))
    checks.push(...r.checks)
    const verified = r.checks.every((c) => c.ok || !HARDWARE_CHECK_IDS.has(c.id)) && r.checks.some((c) => c.id === 'report.signature' && c.ok)
    part = { report: r.report as unknown as Record<string, unknown>, reportData: snp.reportData, measurement: snp.measurement, debug: snp.policy.debug, verified, ...(r.endorsement ? { endorsement: r.endorsement } : {}) }
  }
  // Azure's paravisor runs at VMPL 0 and requests the report there; a report from VMPL 1-3 was
  // requested by less privileged guest code, which chooses its REPORT_DATA freely.
  checks.add('hcl.vmpl', snp.vmpl === 0, snp.vmpl === 0 ? 'the report was requested at VMPL 0 (the paravisor)' : `the report was requested at VMPL ${snp.vmpl}, not 0: the guest, not the paravisor, chose REPORT_DATA`, 'ERR_HCL_VMPL')
  checkHostData(checks, snp.hostData, o.hostData)
  return part
}

async function tdxPart(hcl: HclReport, o: VerifyCvmOptions, checks: CvmChecks): Promise<HardwarePart> {
  const hash = o.hash ?? defaultHashProvider()
  const td = parseTdReport(hcl.hardwareReport, hash)
  const report = summarizeTdReport(td)
  const debug = (td.tdAttributes[0]! & 1) === 1
  let reportData = td.reportData
  let verified = false
  let debugChecked = false
  if (o.tdQuote === undefined) {
    checks.add('hcl.endorsement', false, 'no TD quote given: the TD report in the HCL report is MAC\'d by the CPU, not signed; only a TD quote can authenticate it', 'ERR_CVM_ENDORSEMENT_MISSING')
  } else {
    const tdx = await verifyTdxHardware(o.tdQuote, {
      ...(o.now ? { now: o.now } : {}),
      ...(o.allowDebug !== undefined ? { allowDebug: o.allowDebug } : {}),
      ...(o.tdx?.collateral !== undefined ? { collateral: o.tdx.collateral } : {}),
      ...(o.tdx?.ccel ? { ccel: o.tdx.ccel } : {}),
      ...(o.crypto ? { crypto: o.crypto } : {}),
    })
    checks.push(...tdx.checks)
    debugChecked = tdx.debugChecked
    if (tdx.summary) report.tdQuote = tdx.summary
    if (tdx.body) {
      const diff = compareTdReport(td, tdx.body)
      const ok = diff.length === 0 && td.hashesConsistent
      checks.add('hcl.tdReport', ok, ok ? 'the TD report equals the TD quote body (TEE_TCB_SVN, MRSEAM, MRSIGNERSEAM, attributes, XFAM, MRTD, MRCONFIGID, MROWNER, MROWNERCONFIG, RTMR0-3, REPORTDATA) and its TEE_TCB_INFO / TDINFO hashes hold' : diff.length ? `the TD report differs from the TD quote body in ${diff.join(', ')}` : 'the TD report\'s TEE_TCB_INFO_HASH / TEE_INFO_HASH do not match its own fields', 'ERR_HCL_TD_REPORT_MISMATCH')
      // The signed copy of REPORTDATA is the quote's.
      reportData = tdx.body.reportData
      verified = tdx.verified && ok
    }
  }
  if (!debugChecked) checks.add('td.debug', !debug || o.allowDebug === true, debug ? `TDATTRIBUTES ${toHex(td.tdAttributes)} allow debugging (bit 0)${o.allowDebug ? '; accepted (allowDebug)' : ''}` : 'TDATTRIBUTES do not allow debugging', 'ERR_CVM_DEBUG')
  checkHostData(checks, undefined, o.hostData)
  return { report, reportData, measurement: td.mrTd, debug, verified }
}

/**
 * Verify an HCL report (bytes, or one from `parseHclReport`).
 * @throws BootproofError ERR_HCL_* (the HCL report or runtime data cannot be parsed), ERR_SNP_REPORT_*
 *   (the SEV-SNP report inside cannot be parsed), ERR_CERT_INVALID / ERR_PEM_INVALID (a certificate),
 *   ERR_KEY_INVALID / ERR_TPM_* (the AK); TypeError for invalid options.
 * @example
 * const r = await verifyHclReport(hclBytes, { vcek: vcekPem, ak: akPub })
 * if (!r.akBound) console.log(r.errors)
 */
export async function verifyHclReport(input: Uint8Array | HclReport, options: VerifyCvmOptions = {}): Promise<CvmVerifyResult> {
  const hcl = input instanceof Uint8Array ? parseHclReport(input, options.limits ? { limits: options.limits } : {}) : input
  const checks = new CvmChecks()
  const hw = hcl.platform === 'sev-snp' ? await snpPart(hcl, options, checks) : await tdxPart(hcl, options, checks)
  const bind = checkRuntimeDataBinding(hcl, hw.reportData, options.hash ?? defaultHashProvider())
  checks.add('hcl.reportData', bind.ok, bind.message, 'ERR_HCL_REPORT_DATA')
  let akOk = false
  if (options.ak !== undefined) {
    const a = checkAkBinding(hcl, options.ak)
    akOk = a.ok
    checks.add('hcl.ak', a.ok, a.message, a.code ?? 'ERR_HCL_AK_MISMATCH')
  } else {
    const ak = hcl.runtimeData.ak
    checks.add('hcl.ak', !!ak, ak ? `the runtime data carries HCLAkPub (RSA, ${ak.key!.n.length * 8} bits); no AK given to compare` : 'the runtime data has no "HCLAkPub" key: no AK is bound to the hardware report', 'ERR_HCL_AK_MISSING')
  }
  checkMeasurement(checks, hcl.platform === 'sev-snp' ? 'MEASUREMENT' : 'MRTD', hw.measurement, options.measurements)
  const vmplOk = checks.list.every((c) => c.id !== 'hcl.vmpl' || c.ok)
  const errors = checks.errors()
  const result: CvmVerifyResult = {
    valid: errors.length === 0,
    platform: hcl.platform,
    checks: checks.list,
    errors,
    report: hw.report,
    hcl: summarizeHclReport(hcl),
    akBound: akOk && bind.ok && hw.verified && vmplOk,
    measurement: toHex(hw.measurement),
    debug: hw.debug,
    hardwareVerified: hw.verified,
  }
  if (hcl.runtimeData.ak?.spki) result.ak = toHex(hcl.runtimeData.ak.spki)
  if (hw.endorsement) result.endorsement = hw.endorsement
  return result
}
