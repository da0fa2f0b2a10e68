/**
 * Turn a verified MAA token into an appraisal submodule: the typed claims as evidence, findings
 * for the boot claims, and an AR4SI trustworthiness vector / EAR status
 * (draft-ietf-rats-ar4si "Specific Claims"; IETF EAR). A token that failed verification contributes only
 * `crypto_failed` (99): its claims are not evidence of anything.
 */
import type { Finding } from '../findings.js'
import type { MaaClaims, MaaBootClaims } from './maa_claims.js'
import type { MaaVerifyResult } from './verify_maa.js'
import { lower, statusFromVector } from '../ear/model.js'
import type { EarAppraisal, TrustVector } from './ear_claims.js'

export interface MaaSubmod {
  /** Submodule label (default `"maa"`). */
  label: string
  /** EAR appraisal (status, vector) ready for `issueEar`'s `submods`. */
  appraisal: EarAppraisal
  /** What the claims say, one finding per notable claim; token failures as `ERR_JWT_*` findings. */
  findings: Finding[]
  /** The typed claims (evidence for the appraisal policy). */
  claims: MaaClaims
  /** Whether the token itself verified. */
  tokenValid: boolean
}

export interface MaaSubmodOptions {
  label?: string
  /** Policy id recorded in the appraisal (default none). */
  policyId?: string
}

type Rule = {
  claim: keyof MaaBootClaims
  bad: boolean
  code: string
  severity: Finding['severity']
  vector: keyof TrustVector
  value: number
  message: string
}

/** Boot-claim rules: when `boot[claim].value === bad`, emit the finding and lower the vector. */
const RULES: Rule[] = [
  { claim: 'secureBootEnabled', bad: false, code: 'MAA_SECURE_BOOT_DISABLED', severity: 'error', vector: 'configuration', value: 96, message: 'Secure Boot is not enabled' },
  { claim: 'bootDebuggingDisabled', bad: false, code: 'MAA_BOOT_DEBUGGING_ENABLED', severity: 'error', vector: 'configuration', value: 96, message: 'boot debugging is enabled' },
  { claim: 'osKernelDebuggingDisabled', bad: false, code: 'MAA_KERNEL_DEBUGGING_ENABLED', severity: 'error', vector: 'configuration', value: 96, message: 'OS kernel debugging is enabled' },
  { claim: 'testSigningDisabled', bad: false, code: 'MAA_TEST_SIGNING_ENABLED', severity: 'error', vector: 'configuration', value: 96, message: 'test signing is enabled' },
  { claim: 'codeIntegrityEnabled', bad: false, code: 'MAA_CODE_INTEGRITY_DISABLED', severity: 'warning', vector: 'configuration', value: 32, message: 'code integrity is not enabled' },
  { claim: 'flightSigningNotEnabled', bad: false, code: 'MAA_FLIGHT_SIGNING_ENABLED', severity: 'warning', vector: 'configuration', value: 32, message: 'flight signing is enabled' },
  { claim: 'notSafeMode', bad: false, code: 'MAA_SAFE_MODE', severity: 'warning', vector: 'configuration', value: 32, message: 'the machine booted in safe mode' },
  { claim: 'notWinPE', bad: false, code: 'MAA_WINPE', severity: 'warning', vector: 'configuration', value: 32, message: 'the machine booted Windows PE' },
  { claim: 'vbsEnabled', bad: false, code: 'MAA_VBS_DISABLED', severity: 'info', vector: 'configuration', value: 0, message: 'virtualization-based security is not enabled' },
  { claim: 'maliciousDriverLoaded', bad: true, code: 'MAA_MALICIOUS_DRIVER_LOADED', severity: 'error', vector: 'executables', value: 96, message: 'the policy flagged a malicious driver as loaded' },
  { claim: 'aikValidated', bad: false, code: 'MAA_AIK_NOT_VALIDATED', severity: 'error', vector: 'instance-identity', value: 97, message: 'the AIK certificate was not validated by MAA' },
]

/**
 * Build the submodule for a verification result (or claims already verified by the caller).
 * @example
 * ```ts
 * const r = await verifyMaaToken(jwt, opts)
 * const sub = maaResultToSubmod(r)
 * await issueEar({ verifierId, submods: { [sub.label]: sub.appraisal } }, key, { alg: 'ES256' })
 * ```
 */
export function maaResultToSubmod(result: Pick<MaaVerifyResult, 'valid' | 'errors' | 'claims'>, options: MaaSubmodOptions = {}): MaaSubmod {
  const label = options.label ?? 'maa'
  const findings: Finding[] = []
  const vector: Record<string, number> = {}
  const policyIds = options.policyId ? { policyIds: [options.policyId] } : {}
  if (!result.valid) {
    for (const e of result.errors) findings.push({ code: e.code, severity: 'error', message: e.message })
    if (!result.errors.length) findings.push({ code: 'ERR_JWT_SIGNATURE', severity: 'error', message: 'token not verified' })
    for (const k of ['instance-identity', 'configuration', 'executables', 'hardware']) vector[k] = 99
    return { label, appraisal: { status: 'contraindicated', trustworthinessVector: vector as TrustVector, ...policyIds }, findings, claims: result.claims, tokenValid: false }
  }
  const c = result.claims
  const boot = c.boot
  if (boot.aikValidated?.value === true) vector['instance-identity'] = 2
  if (boot.secureBootEnabled?.value === true) vector.configuration = 2
  for (const r of RULES) {
    const claim = boot[r.claim]
    if (!claim || claim.value !== r.bad) continue
    findings.push({ code: r.code, severity: r.severity, message: `${r.message} (${claim.rawName} = ${JSON.stringify(claim.negated ? !claim.value : claim.value)})`, observed: String(claim.value) })
    if (r.value !== 0) lower(vector, r.vector, r.value)
  }
  if (c.kind === 'tpm' && !Object.keys(boot).length) {
    findings.push({ code: 'MAA_BOOT_CLAIMS_ABSENT', severity: 'info', message: 'the TPM token carries no boot claims (the instance policy issued none); appraise its events instead' })
  }
  for (const snp of [c.sevSnp, c.isolationTee]) {
    if (!snp) continue
    if (snp.isDebuggable === true) {
      findings.push({ code: 'MAA_SNP_DEBUGGABLE', severity: 'error', message: 'the SEV-SNP guest is debuggable', observed: 'true' })
      lower(vector, 'runtime-opaque', 96)
    } else if (snp.isDebuggable === false) lower(vector, 'runtime-opaque', 2)
    if (snp.complianceStatus !== undefined && !snp.complianceStatus.startsWith('azure-compliant')) {
      findings.push({ code: 'MAA_SNP_NOT_COMPLIANT', severity: 'warning', message: `compliance status is ${JSON.stringify(snp.complianceStatus)}`, observed: snp.complianceStatus })
      lower(vector, 'hardware', 32)
    }
  }
  const appraisal: EarAppraisal = { status: statusFromVector(vector), ...policyIds }
  if (Object.keys(vector).length) appraisal.trustworthinessVector = vector as TrustVector
  return { label, appraisal, findings, claims: c, tokenValid: true }
}
