/**
 * Result shape of confidential-VM verification (`verifyCvm`, `verifyHclReport`): one entry per
 * check in `checks[]`, the failing ones again in `errors[]`, `valid` only when every check passed
 * (the style of the TPM quote and SEV-SNP verifiers).
 */
import type { CvmCheckErrorCode, SnpCheckErrorCode, TdxErrorCode } from '../../error_codes.js'
import type { SnpVerifyResult } from '../snp/verify.js'
import type { HclPlatform } from './hcl_report.js'

/** Every code a CVM check can return: the HCL / CVM codes, the SEV-SNP check codes, the TDX codes. */
export type CvmResultCode = CvmCheckErrorCode | SnpCheckErrorCode | TdxErrorCode

export interface CvmCheck {
  /** Stable id: `hcl.*` (binding), SEV-SNP ids (`report.signature`, `vcek.chain`, ...), `tdx.*`, `cvm.*` (policy). */
  id: string
  ok: boolean
  message: string
  /** Set when `ok` is false. */
  code?: CvmResultCode
}

export interface CvmError {
  code: CvmResultCode
  message: string
}

export interface CvmVerifyResult {
  valid: boolean
  platform: HclPlatform
  checks: CvmCheck[]
  errors: CvmError[]
  /** The hardware report's decoded fields (SEV-SNP report summary, or TD report / TD quote fields), hex lowercase. */
  report: Record<string, unknown>
  /** HCL reports only: the header, IGVM request header and runtime data. */
  hcl?: Record<string, unknown>
  /**
   * HCL reports only: the AK given is the runtime data's HCLAkPub, the runtime data is bound to
   * the hardware report and the hardware report verified. False when no AK was given.
   */
  akBound?: boolean
  /** HCL reports only: the runtime data's HCLAkPub as DER SubjectPublicKeyInfo, hex. */
  ak?: string
  /** The launch measurement (SEV-SNP MEASUREMENT / TDX MRTD), hex. */
  measurement?: string
  /** The guest allows debugging (SEV-SNP POLICY bit 19 / TDX TDATTRIBUTES bit 0). */
  debug?: boolean
  /** The hardware report verified (signature / quote chain, TCB, endorsement). */
  hardwareVerified: boolean
  /** SEV-SNP: what the VCEK / VLEK says. */
  endorsement?: SnpVerifyResult['endorsement']
}

/** Check ids whose failure means the hardware report itself is not authentic. */
export const HARDWARE_CHECK_IDS: ReadonlySet<string> = new Set(['vcek.profile', 'product', 'report.signingKey', 'vcek.chain', 'report.signature', 'tcb.reported', 'tcb.current', 'chipId', 'hcl.endorsement', 'hcl.tdReport'])

export class CvmChecks {
  readonly list: CvmCheck[] = []
  add(id: string, ok: boolean, message: string, code: CvmResultCode): boolean {
    const c: CvmCheck = { id, ok, message }
    if (!ok) c.code = code
    this.list.push(c)
    return ok
  }
  push(...checks: CvmCheck[]): void {
    this.list.push(...checks)
  }
  errors(): CvmError[] {
    return this.list.filter((c) => !c.ok).map((c) => ({ code: c.code!, message: c.message }))
  }
}
