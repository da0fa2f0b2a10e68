/**
 * `verifySnpReport`: an AMD SEV-SNP ATTESTATION_REPORT against its VCEK (or VLEK), the pinned AMD
 * roots of its product line, and the caller's policy (checklist in docs/cvm.md). Shape as the TPM
 * quote verifier: one entry per check in `checks[]`, the failing ones again in `errors[]`,
 * `valid` only when every check passed. Unparseable input (report, certificate) throws.
 *
 * References: SEV Secure Nested Paging Firmware ABI Specification (doc 56860), ATTESTATION_REPORT
 * (signature over bytes 0x000-0x29F, ECDSA P-384 / SHA-384, r and s little-endian in 72-byte
 * fields) and TCB_VERSION; VCEK Certificate and KDS Interface Specification (doc 57230) for the
 * certificate chain ARK -> ASK -> VCEK and ARK -> ASVK -> VLEK and the TCB / hwID extensions.
 */
import { bytesEqual, concatBytes, constantTimeEqual, toHex } from '../../bytes/hex.js'
import type { SnpCheckErrorCode } from '../../error_codes.js'
import type { CertificateInfo } from '../../x509/certificate.js'
import { toCertificateInfo, verifyCertificateChain, type CertificateInput } from '../../x509/chain.js'
import { parseSnpReport, type SnpReport } from './report.js'
import { pinnedArkProduct, SNP_ROOTS, type SnpProduct } from './roots.js'
import { summarizeSnpReport, type SnpReportSummary } from './summary.js'
import { checkMinimumTcb, decodeTcb, tcbBelow, tcbDifferences, type SnpMinimumTcb, type SnpTcbLevels } from './tcb.js'
import { readEndorsementKey, VcekProfileError, type SnpEndorsementKey } from './vcek.js'

export interface VerifySnpOptions {
  /** The VCEK or VLEK certificate (DER, PEM, or decoded) whose key signed the report. */
  vcek: CertificateInput
  /**
   * Intermediates to use instead of the pinned ASK / ASVK (e.g. a KDS `cert_chain`). A root in it
   * is ignored when it is the pinned ARK and fails the chain check otherwise.
   */
  chain?: readonly CertificateInput[]
  /** Minimum TCB: REPORTED_TCB, COMMITTED_TCB and LAUNCH_TCB must each meet every component given. */
  minimumTcb?: SnpMinimumTcb
  /** Accept a guest whose policy allows debugging (POLICY bit 19). Default false. */
  allowDebug?: boolean
  /** Verification time for the certificates (default now). */
  now?: Date
  /** Expected product line; must agree with CPUID and the certificate when they name one. */
  product?: SnpProduct
  /** Expected VMPL (checked when given; Azure's HCL reports are VMPL 0). */
  vmpl?: number
  /** Expected REPORT_DATA (64 bytes; compared in constant time when given). */
  reportData?: Uint8Array
  /** WebCrypto implementation (default globalThis.crypto). */
  crypto?: Crypto
}

export interface SnpCheck {
  /** Stable check id, e.g. `report.signature`, `vcek.chain`, `tcb.reported`. */
  id: string
  ok: boolean
  message: string
  /** Set when `ok` is false. */
  code?: SnpCheckErrorCode
}

export interface SnpError {
  code: SnpCheckErrorCode
  message: string
}

export interface SnpVerifyResult {
  valid: boolean
  checks: SnpCheck[]
  errors: SnpError[]
  report: SnpReportSummary
  /** What the certificate says, when it has the VCEK / VLEK profile (hwID hex). */
  endorsement?: { kind: 'vcek' | 'vlek'; productName?: string; tcb: SnpTcbLevels; hwId?: string; cspId?: string; subject: string }
}

/** Order n of the P-384 group (FIPS 186-4 D.1.2.4). */
const P384_N = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n

const big = (b: Uint8Array): bigint => (b.length ? BigInt('0x' + toHex(b)) : 0n)

function isSelfIssued(c: CertificateInfo): boolean {
  return c.pkijs.subject.isEqual(c.pkijs.issuer)
}

class Checks {
  readonly list: SnpCheck[] = []
  add(id: string, ok: boolean, message: string, code: SnpCheckErrorCode): boolean {
    const c: SnpCheck = { id, ok, message }
    if (!ok) c.code = code
    this.list.push(c)
    return ok
  }
}

/** Product line from CPUID, the certificate's productName and the caller; all that are known must agree. */
function resolveProduct(report: SnpReport, key: SnpEndorsementKey | undefined, expected: SnpProduct | undefined, checks: Checks): SnpProduct | undefined {
  const sources: [string, SnpProduct][] = []
  if (report.product) sources.push(['CPUID', report.product])
  if (key?.product) sources.push([`productName "${key.productName}"`, key.product])
  if (expected) sources.push(['the caller', expected])
  const named = new Set(sources.map((s) => s[1]))
  if (named.size === 0) {
    const cpu = report.cpuid ? `CPUID family 0x${report.cpuid.family.toString(16)} model 0x${report.cpuid.model.toString(16)}` : `a version ${report.version} report (no CPUID)`
    checks.add('product', false, `product line unknown: ${cpu}, no known productName, none given`, 'ERR_SNP_PRODUCT')
    return undefined
  }
  const said = sources.map(([who, p]) => `${who}: ${p}`).join(', ')
  if (named.size > 1) {
    checks.add('product', false, `product lines disagree (${said})`, 'ERR_SNP_PRODUCT')
    return undefined
  }
  const product = sources[0]![1]
  checks.add('product', true, `${product} (${said})`, 'ERR_SNP_PRODUCT')
  return product
}

async function checkChain(leaf: CertificateInfo, key: SnpEndorsementKey, product: SnpProduct, options: VerifySnpOptions, now: Date, checks: Checks): Promise<void> {
  const roots = SNP_ROOTS[product]
  let intermediates: CertificateInfo[]
  if (options.chain) {
    const supplied = options.chain.map(toCertificateInfo)
    const foreign = supplied.find((c) => isSelfIssued(c) && pinnedArkProduct(c.der) !== product)
    if (foreign) {
      checks.add('vcek.chain', false, `the supplied chain carries a root "${foreign.subject}" that is not the pinned ARK-${product}`, 'ERR_SNP_CHAIN')
      return
    }
    intermediates = supplied.filter((c) => !isSelfIssued(c))
  } else {
    intermediates = [toCertificateInfo(key.kind === 'vcek' ? roots.ask : roots.asvk)]
  }
  const r = await verifyCertificateChain(leaf, { trustAnchors: [roots.ark], intermediates, now, ...(options.crypto ? { crypto: options.crypto } : {}) })
  if (!r.ok) {
    checks.add('vcek.chain', false, `${key.kind.toUpperCase()} does not chain to the pinned ARK-${product}: ${r.message}`, 'ERR_SNP_CHAIN')
    return
  }
  // ARK -> ASK -> VCEK or ARK -> ASVK -> VLEK, nothing else: a VLEK-signing key must not vouch for a VCEK.
  const issuerCn = r.path.length === 3 ? r.path[1]!.subjectAttributes.find((a) => a.name === 'CN')?.value : undefined
  const wanted = key.kind === 'vcek' ? `SEV-${product}` : `SEV-VLEK-${product}`
  if (issuerCn !== wanted) {
    checks.add('vcek.chain', false, `the path is ${r.path.map((c) => `"${c.subject}"`).join(' <- ')}, expected ${key.kind.toUpperCase()} <- ${wanted} <- ARK-${product}`, 'ERR_SNP_CHAIN')
    return
  }
  checks.add('vcek.chain', true, `${key.kind.toUpperCase()} <- ${wanted} <- pinned ARK-${product} (SHA-256 ${roots.sha256.ark}) at ${now.toISOString()}`, 'ERR_SNP_CHAIN')
}

async function checkSignature(report: SnpReport, leaf: CertificateInfo, subtle: SubtleCrypto, checks: Checks): Promise<void> {
  const r = big(report.signature.r)
  const s = big(report.signature.s)
  if (r < 1n || r >= P384_N || s < 1n || s >= P384_N) {
    checks.add('report.signature', false, 'signature r or s is outside [1, n-1] of P-384', 'ERR_SNP_SIGNATURE')
    return
  }
  let ok = false
  try {
    const key = await subtle.importKey('spki', leaf.spki.slice(), { name: 'ECDSA', namedCurve: 'P-384' }, false, ['verify'])
    ok = await subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, key, concatBytes(report.signature.r, report.signature.s).slice(), report.signedBytes.slice())
  } catch (e) {
    checks.add('report.signature', false, `the certificate key cannot verify: ${e instanceof Error ? e.message : String(e)}`, 'ERR_SNP_SIGNATURE')
    return
  }
  checks.add('report.signature', ok, ok ? 'ECDSA P-384 / SHA-384 over bytes 0x000-0x29F verifies with the certificate key' : 'the report signature does not verify with the certificate key', 'ERR_SNP_SIGNATURE')
}

function checkTcbs(report: SnpReport, key: SnpEndorsementKey, product: SnpProduct, minimum: SnpMinimumTcb | undefined, checks: Checks): void {
  const reported = decodeTcb(report.reportedTcb, product)
  const diff = tcbDifferences(reported, key.tcb)
  checks.add('tcb.reported', diff.length === 0, diff.length ? `REPORTED_TCB differs from the certificate's TCB extensions: ${diff.join(', ')} (report != certificate)` : `REPORTED_TCB equals the certificate's TCB ${JSON.stringify(key.tcb)}`, 'ERR_SNP_TCB_MISMATCH')
  const current = decodeTcb(report.currentTcb, product)
  const above = tcbBelow(current, reported)
  checks.add('tcb.current', above.length === 0, above.length ? `CURRENT_TCB is below REPORTED_TCB: ${above.join(', ')}` : 'REPORTED_TCB <= CURRENT_TCB in every component', 'ERR_SNP_TCB_INCONSISTENT')
  if (minimum) {
    const low: string[] = []
    for (const [name, bytes] of [['REPORTED_TCB', report.reportedTcb], ['COMMITTED_TCB', report.committedTcb], ['LAUNCH_TCB', report.launchTcb]] as const) {
      const b = tcbBelow(decodeTcb(bytes, product), minimum)
      if (b.length) low.push(`${name}: ${b.join(', ')}`)
    }
    checks.add('tcb.minimum', low.length === 0, low.length ? `TCB below the minimum ${JSON.stringify(minimum)}: ${low.join('; ')}` : `REPORTED, COMMITTED and LAUNCH TCB meet ${JSON.stringify(minimum)}`, 'ERR_SNP_TCB_MINIMUM')
  }
}

function checkChipId(report: SnpReport, key: SnpEndorsementKey, checks: Checks): void {
  if (key.kind !== 'vcek') return
  const hw = key.hwId!
  if (report.chipId.every((b) => b === 0)) {
    checks.add('chipId', true, 'CHIP_ID is masked (all zero); the VCEK signature binds the chip', 'ERR_SNP_CHIP_ID')
    return
  }
  const ok = bytesEqual(report.chipId, hw)
  checks.add('chipId', ok, ok ? 'CHIP_ID equals the VCEK hwID' : `CHIP_ID ${toHex(report.chipId)} differs from the VCEK hwID ${toHex(hw)}`, 'ERR_SNP_CHIP_ID')
}

/**
 * Verify an SNP attestation report (bytes, or a report from `parseSnpReport`).
 * @throws BootproofError ERR_SNP_REPORT_* when the report cannot be parsed, ERR_CERT_INVALID /
 *   ERR_PEM_INVALID when a certificate cannot be decoded; TypeError for an invalid `minimumTcb`.
 */
export async function verifySnpReport(input: Uint8Array | SnpReport, options: VerifySnpOptions): Promise<SnpVerifyResult> {
  const report = input instanceof Uint8Array ? parseSnpReport(input) : input
  if (options.minimumTcb) checkMinimumTcb(options.minimumTcb)
  const now = options.now ?? new Date()
  const subtle = (options.crypto ?? globalThis.crypto).subtle
  const leaf = toCertificateInfo(options.vcek)
  const checks = new Checks()

  let key: SnpEndorsementKey | undefined
  try {
    key = readEndorsementKey(leaf)
    checks.add('vcek.profile', true, `${key.kind.toUpperCase()} "${leaf.subject}", productName ${key.productName ?? '(none)'}, ECDSA P-384`, 'ERR_SNP_VCEK_INVALID')
  } catch (e) {
    if (!(e instanceof VcekProfileError)) throw e
    checks.add('vcek.profile', false, `not a VCEK / VLEK: ${e.message}`, 'ERR_SNP_VCEK_INVALID')
  }
  const product = resolveProduct(report, key, options.product, checks)
  if (key) {
    checks.add('report.signingKey', report.signingKey === key.kind, `the report says SIGNING_KEY ${report.signingKey}, the certificate is a ${key.kind.toUpperCase()}`, 'ERR_SNP_SIGNING_KEY')
    if (product) await checkChain(leaf, key, product, options, now, checks)
    await checkSignature(report, leaf, subtle, checks)
    if (product) checkTcbs(report, key, product, options.minimumTcb, checks)
    checkChipId(report, key, checks)
  }
  checks.add('policy.debug', !report.policy.debug || options.allowDebug === true, report.policy.debug ? `POLICY 0x${report.policy.raw} allows debugging (bit 19)${options.allowDebug ? '; accepted (allowDebug)' : ''}` : 'POLICY does not allow debugging', 'ERR_SNP_DEBUG')
  if (options.vmpl !== undefined) checks.add('report.vmpl', report.vmpl === options.vmpl, `VMPL ${report.vmpl}, expected ${options.vmpl}`, 'ERR_SNP_VMPL')
  if (options.reportData !== undefined) {
    const ok = options.reportData.length === 64 && constantTimeEqual(report.reportData, options.reportData)
    checks.add('report.reportData', ok, ok ? 'REPORT_DATA equals the expected value' : `REPORT_DATA ${toHex(report.reportData)} differs from the expected ${toHex(options.reportData)}`, 'ERR_SNP_REPORT_DATA')
  }

  const errors = checks.list.filter((c) => !c.ok).map((c) => ({ code: c.code!, message: c.message }))
  const result: SnpVerifyResult = { valid: errors.length === 0, checks: checks.list, errors, report: summarizeSnpReport(report, product ?? report.product) }
  if (key) {
    result.endorsement = {
      kind: key.kind,
      ...(key.productName === undefined ? {} : { productName: key.productName }),
      tcb: key.tcb,
      ...(key.hwId ? { hwId: toHex(key.hwId) } : {}),
      ...(key.cspId === undefined ? {} : { cspId: key.cspId }),
      subject: leaf.subject,
    }
  }
  return result
}
