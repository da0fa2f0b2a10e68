/**
 * Options of confidential-VM verification (`verifyCvm`, `verifyHclReport`), and the policy checks
 * shared by every platform: allowed launch measurements and expected SEV-SNP HOST_DATA.
 */
import { bytesEqual, fromHexOrUndefined, toHex } from '../../bytes/hex.js'
import type { HashProvider } from '../../hash/provider.js'
import type { AkInput } from '../../tpm/ak.js'
import type { CertificateInput } from '../../x509/chain.js'
import { parseCertificates } from '../../x509/certificate.js'
import { looksLikePem } from '../../x509/pem.js'
import type { KeyMaterial } from '../../x509/spki.js'
import type { SnpProduct } from '../snp/roots.js'
import type { SnpMinimumTcb } from '../snp/tcb.js'
import type { VerifySnpOptions } from '../snp/verify.js'
import type { CvmChecks } from './cvm_checks.js'
import type { HclReportLimits } from './hcl_report.js'

export interface VerifyCvmOptions {
  /** The AK that signed the TPM quote (or the one to compare): must be the runtime data's HCLAkPub. */
  ak?: AkInput | KeyMaterial
  /** SEV-SNP: the VCEK or VLEK (DER, PEM or decoded) whose key signed the report; PEM text may go on with its chain (ASK, ARK), used as `chain`. */
  vcek?: CertificateInput
  /** SEV-SNP: intermediates to use instead of the pinned ASK / ASVK. */
  chain?: readonly CertificateInput[]
  /** TDX HCL reports: the TD quote whose body must equal the HCL report's TD report. */
  tdQuote?: Uint8Array
  /** Verification time (certificates, collateral). Default now. */
  now?: Date
  /** Accept a guest that allows debugging. Default false. */
  allowDebug?: boolean
  /** SEV-SNP: minimum TCB (REPORTED, COMMITTED and LAUNCH TCB must meet every component given). */
  minimumTcb?: SnpMinimumTcb
  /** SEV-SNP: expected product line. */
  product?: SnpProduct
  /** Allowed launch measurements (SEV-SNP MEASUREMENT / TDX MRTD, 48 bytes; hex or bytes). */
  measurements?: readonly (string | Uint8Array)[]
  /** Expected SEV-SNP HOST_DATA values (32 bytes; hex or bytes). A TDX report has none: given, it fails. */
  hostData?: readonly (string | Uint8Array)[]
  /**
   * TDX: collateral (TCB info, QE identity, CRLs) and a CCEL log, passed to the TDX verifier; for a
   * bare TD quote, `reportData`: the 64-byte REPORTDATA the verifier asked the TD to bind (its
   * nonce, in whatever convention the caller and the TD agreed), checked as `td.reportData`
   * (ERR_TDX_REPORT_DATA). Ignored for an HCL report, whose REPORTDATA binds its runtime data.
   */
  tdx?: { collateral?: unknown; ccel?: Uint8Array; reportData?: Uint8Array }
  /** HCL report parsing limits. */
  limits?: Partial<HclReportLimits>
  crypto?: Crypto
  hash?: HashProvider
}

function asBytes(v: string | Uint8Array): Uint8Array | undefined {
  return typeof v === 'string' ? fromHexOrUndefined(v) : v
}

/**
 * Allowed measurements: the launch digest must be one of them. A value that is not hex of the
 * right size is the caller's mistake (TypeError), not evidence.
 */
export function checkMeasurement(checks: CvmChecks, what: string, measurement: Uint8Array, allowed: readonly (string | Uint8Array)[] | undefined): void {
  if (!allowed) return
  const list = allowed.map((a, i) => {
    const b = asBytes(a)
    if (!b || b.length !== measurement.length) throw new TypeError(`measurements[${i}] is not ${measurement.length} bytes of hex`)
    return b
  })
  const ok = list.some((b) => bytesEqual(b, measurement))
  checks.add('cvm.measurement', ok, ok ? `${what} ${toHex(measurement)} is an allowed measurement` : `${what} ${toHex(measurement)} is not one of the ${list.length} allowed measurement(s)`, 'ERR_CVM_MEASUREMENT')
}

/** Expected HOST_DATA (SEV-SNP); `hostData` undefined for a platform without it. */
export function checkHostData(checks: CvmChecks, hostData: Uint8Array | undefined, expected: readonly (string | Uint8Array)[] | undefined): void {
  if (!expected) return
  if (!hostData) {
    checks.add('cvm.hostData', false, 'expected HOST_DATA given, but this platform\'s report has no HOST_DATA (SEV-SNP only)', 'ERR_CVM_HOST_DATA')
    return
  }
  const list = expected.map((a, i) => {
    const b = asBytes(a)
    if (!b || b.length !== 32) throw new TypeError(`hostData[${i}] is not 32 bytes of hex`)
    return b
  })
  const ok = list.some((b) => bytesEqual(b, hostData))
  checks.add('cvm.hostData', ok, ok ? `HOST_DATA ${toHex(hostData)} is expected` : `HOST_DATA ${toHex(hostData)} is not one of the ${list.length} expected value(s)`, 'ERR_CVM_HOST_DATA')
}

/**
 * The VCEK and its chain from one PEM text holding several certificates (the VCEK first, as KDS
 * and Azure serve it), unless the caller gave the chain separately.
 */
export function resolveEndorsement(vcek: CertificateInput, chain: readonly CertificateInput[] | undefined): { vcek: CertificateInput; chain?: readonly CertificateInput[] } {
  if (chain !== undefined || !(typeof vcek === 'string' || (vcek instanceof Uint8Array && looksLikePem(vcek)))) return { vcek, ...(chain ? { chain } : {}) }
  const certs = parseCertificates(vcek)
  if (certs.length <= 1) return { vcek }
  return { vcek: certs[0]!, chain: certs.slice(1) }
}

/** The SEV-SNP verifier's options from the confidential-VM options (one mapping for HCL and bare reports). */
export function snpVerifyOptions(o: VerifyCvmOptions & { vcek: CertificateInput }): VerifySnpOptions {
  return {
    ...resolveEndorsement(o.vcek, o.chain),
    ...(o.minimumTcb ? { minimumTcb: o.minimumTcb } : {}),
    ...(o.allowDebug !== undefined ? { allowDebug: o.allowDebug } : {}),
    ...(o.now ? { now: o.now } : {}),
    ...(o.product ? { product: o.product } : {}),
    ...(o.crypto ? { crypto: o.crypto } : {}),
  }
}
