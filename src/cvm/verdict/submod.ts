/**
 * The `cvm` submodule of the verdict: confidential-VM hardware evidence as AR4SI claims
 * (draft-ietf-rats-ar4si "Specific Claims"):
 *
 * - hardware: 2 (genuine) when the report / quote chain verified to the pinned vendor root and its
 *   TCB is consistent (and meets the policy minimum); 97 when it could not be verified, 96 when it
 *   verified but is contraindicated (TCB mismatch, below the minimum, unexpected platform);
 * - instance-identity: 2 when the vTPM AK that signed the quote is bound to that hardware report
 *   (Azure HCL runtime data), 96 when the binding fails;
 * - runtime-opaque: 2 when the guest's memory is protected (debugging not allowed), 96 (32 when the
 *   caller allowed it) when the hypervisor may debug it;
 * - configuration: 2 when the policy approved HOST_DATA / debug, 96 on a violation;
 * - executables: 2 when the launch measurement is an allowed one, 96 when it is not.
 * A signature or chain failure is 99 (crypto failed) in every claim. Like every submodule, it is
 * affirming only under a policy that speaks about it (a `cvm` section).
 */
import { AR4SI, lower, statusFromVector, type Ar4siVector } from '../../ear/model.js'
import type { Severity } from '../../findings.js'
import type { CvmPolicy } from '../../policy/types.js'
import type { EarAppraisal, VerdictFinding } from '../../verdict/types.js'
import type { CvmCheck, CvmVerifyResult } from '../azure/cvm_checks.js'

export const CVM_SUBMOD = 'cvm'

export interface CvmSubmodInput {
  /** The CVM verification result; undefined when the attestation carried no CVM evidence. */
  result?: CvmVerifyResult
  policy?: CvmPolicy
  /** The id of the policy applied; without one the submodule is never affirming. */
  policyId?: string
  /** The TPM quote verified (false: every claim is crypto-failed, as in the other submodules). */
  quoteValid?: boolean
}

export interface CvmSubmodResult {
  appraisal: EarAppraisal
  findings: VerdictFinding[]
  step: { status: 'success' | 'failed' | 'skipped'; note: string }
}

type Group = 'crypto' | 'hardware' | 'tcb' | 'debug' | 'binding' | 'measurement' | 'hostData'

const BINDING_IDS = new Set(['hcl.reportData', 'hcl.ak', 'hcl.vmpl', 'hcl.tdReport'])

function groupOf(c: CvmCheck): Group {
  const code = String(c.code ?? '')
  if (c.id === 'report.signature' || c.id === 'vcek.chain' || /SIGNATURE|CHAIN/.test(code)) return 'crypto'
  if (c.id === 'tcb.minimum') return 'tcb'
  if (c.id === 'policy.debug' || c.id === 'td.debug' || /DEBUG/.test(code)) return 'debug'
  if (BINDING_IDS.has(c.id)) return 'binding'
  if (c.id === 'cvm.measurement') return 'measurement'
  if (c.id === 'cvm.hostData') return 'hostData'
  return 'hardware'
}

function finding(code: string, severity: Severity, message: string, component: string): VerdictFinding {
  return { code, severity, message, step: 'cvm', submod: CVM_SUBMOD, component }
}

/** Build the `cvm` submodule (or undefined when there is neither evidence nor a policy requiring it). */
export function cvmSubmod(input: CvmSubmodInput): CvmSubmodResult | undefined {
  const { result, policy } = input
  const findings: VerdictFinding[] = []
  const vector: Ar4siVector = {}
  if (!result) {
    if (!policy?.required) return undefined
    findings.push(finding('CVM_EVIDENCE_MISSING', 'error', 'the policy requires confidential-VM evidence (cvm.required) and the attestation carries none', 'confidential VM'))
    vector.hardware = AR4SI.UNRECOGNIZED_HW
    return { appraisal: { ear_status: statusFromVector(vector), ear_trustworthiness_vector: vector, bootproof_findings: findings, ...(input.policyId ? { ear_appraisal_policy_ids: [input.policyId] } : {}) }, findings, step: { status: 'failed', note: 'no confidential-VM evidence' } }
  }
  const component = result.hcl ? `Azure HCL report (${result.platform})` : result.platform === 'sev-snp' ? 'SEV-SNP report' : 'TDX quote'
  const groups = new Set<Group>()
  for (const c of result.checks) {
    if (c.ok) continue
    const g = groupOf(c)
    groups.add(g)
    const text = `${c.code}: ${c.message}`
    if (g === 'crypto' || g === 'hardware') findings.push(finding('CVM_HARDWARE_UNVERIFIED', 'error', text, component))
    else if (g === 'tcb') findings.push(finding('CVM_TCB_BELOW_MINIMUM', 'error', text, component))
    else if (g === 'debug') findings.push(finding('CVM_DEBUG_ALLOWED', 'error', text, component))
    else if (g === 'binding') findings.push(finding('CVM_BINDING_FAILED', 'error', text, component))
    else if (g === 'measurement') findings.push(finding('CVM_MEASUREMENT_UNEXPECTED', 'error', text, component))
    else findings.push(finding('CVM_HOST_DATA_UNEXPECTED', 'error', text, component))
  }
  if (result.debug && !groups.has('debug')) findings.push(finding('CVM_DEBUG_ALLOWED', 'warning', 'the guest allows debugging, accepted because debugging was allowed: its memory is not confidential', component))
  if (policy?.platforms && !policy.platforms.includes(result.platform)) {
    findings.push(finding('CVM_PLATFORM_UNEXPECTED', 'error', `platform ${result.platform} is not one of the policy's platforms (${policy.platforms.join(', ')})`, component))
    groups.add('hardware')
  }

  // Positive claims first, only from verified hardware; then every problem lowers its claim.
  if (result.hardwareVerified) {
    vector.hardware = AR4SI.GENUINE_HW
    if (!result.debug) vector['runtime-opaque'] = AR4SI.ENCRYPTED_MEMORY
    if (result.akBound) vector['instance-identity'] = AR4SI.RECOGNIZED_INSTANCE
    // Debugging refused (the default) is the configuration check every policy makes.
    if (policy && !result.debug) vector.configuration = AR4SI.APPROVED_CONFIG
    if (policy?.measurements) vector.executables = AR4SI.APPROVED_RT
  } else {
    lower(vector, 'hardware', AR4SI.UNRECOGNIZED_HW)
  }
  if (groups.has('hardware') || groups.has('tcb')) lower(vector, 'hardware', AR4SI.CONTRAINDICATED_HW)
  if (groups.has('binding')) lower(vector, 'instance-identity', AR4SI.UNTRUSTWORTHY_INSTANCE)
  if (groups.has('debug')) {
    lower(vector, 'runtime-opaque', 96)
    lower(vector, 'configuration', AR4SI.UNSUPPORTABLE_CONFIG)
  } else if (result.debug) {
    lower(vector, 'runtime-opaque', AR4SI.VISIBLE_MEMORY)
    lower(vector, 'configuration', AR4SI.UNSAFE_CONFIG)
  }
  if (groups.has('hostData')) lower(vector, 'configuration', AR4SI.UNSUPPORTABLE_CONFIG)
  if (groups.has('measurement')) lower(vector, 'executables', AR4SI.CONTRAINDICATED_RT)
  if (groups.has('crypto') || input.quoteValid === false) for (const k of ['hardware', 'instance-identity', 'runtime-opaque', 'configuration', 'executables'] as const) lower(vector, k, AR4SI.CRYPTO_FAILED)

  let status = statusFromVector(vector)
  // Affirming only when a policy speaks about confidential VMs (draft-ietf-rats-ear: an appraisal
  // policy affirmed it); otherwise the hardware facts stand but nothing approved them.
  if (status === 'affirming' && (!input.policyId || !policy)) status = 'none'
  const appraisal: EarAppraisal = { ear_status: status, ear_trustworthiness_vector: vector, bootproof_findings: findings }
  if (input.policyId) appraisal.ear_appraisal_policy_ids = [input.policyId]
  const failed = findings.some((f) => f.severity === 'error')
  const note = `${component}: ${result.hardwareVerified ? 'hardware verified' : 'hardware NOT verified'}${result.akBound !== undefined ? `, AK ${result.akBound ? 'bound' : 'NOT bound'}` : ''}`
  return { appraisal, findings, step: { status: failed ? 'failed' : 'success', note } }
}
