/**
 * `verifyTdxQuote`: an Intel TDX quote (v4 / v5) against the pinned Intel SGX Root CA and the
 * caller's policy (checklist in docs/cvm.md). Shape as the SNP verifier: one entry per check in
 * `checks[]`, the failing ones again in `errors[]`, `valid` only when every check passed.
 * Unparseable input (quote, certificate, collateral, CRL) throws. Nothing is fetched.
 *
 * The chain of trust (Intel TDX DCAP Quote Verification Library, ECDSA quote verification): the
 * attestation key signs header and body; the attestation key is bound to the QE report by
 * QE_REPORT.REPORTDATA = SHA-256(attestation key ‖ QE authentication data) ‖ 32 zero bytes; the PCK
 * key signs the QE report; the PCK certificate chains to the Intel SGX Root CA. Every link is
 * needed: without the binding, anyone can swap the attestation key and re-sign the body.
 */
import { bytesEqual, concatBytes, constantTimeEqual, toHex } from '../../bytes/hex.js'
import { defaultHashProvider } from '../../hash/provider.js'
import type { CertificateInfo } from '../../x509/certificate.js'
import { toCertificateInfo, verifyCertificateChain } from '../../x509/chain.js'
import { TdxChecks, type TdxCheck, type TdxError } from './checks.js'
import type { TdxTcbStatus } from './collateral_types.js'
import { verifyP256 } from './ecdsa.js'
import type { PckExtensions } from './pck.js'
import { INTEL_QE_VENDOR_ID, parseTdxQuote, type ParseTdxQuoteOptions, type TdxQuote } from './quote.js'
import { INTEL_SGX_ROOT_CA, INTEL_SGX_ROOT_CA_SHA256, isPinnedIntelRoot } from './roots.js'
import { summarizeTdxQuote, type TdxQuoteSummary } from './summary.js'
import { acceptedStatuses, type TdxTcbEvaluation } from './tcb_status.js'
import { verifyTdxCollateral, type TdxCollateral } from './verify_collateral.js'

export interface VerifyTdxOptions {
  /** Verification time for certificates, CRLs and collateral (default now). */
  now?: Date
  /** Accept a TD whose TDATTRIBUTES.DEBUG is set. Default false. */
  allowDebug?: boolean
  /** Expected REPORTDATA (64 bytes; constant-time comparison). */
  reportData?: Uint8Array
  /** Expected MRTD (48 bytes). */
  mrTd?: Uint8Array
  /** Expected RTMR0-3 (48 bytes each); an undefined entry is not compared. */
  rtmrs?: readonly (Uint8Array | undefined)[]
  /** TCB Info, QE Identity and CRLs: enables revocation and TCB status checks. */
  collateral?: TdxCollateral
  /** TCB statuses accepted (with TCB Info or QE Identity). Default: better than OutOfDate. */
  allowedTcbStatuses?: readonly TdxTcbStatus[]
  /** Or: the worst status accepted, in `TDX_TCB_STATUSES` order. */
  minimumTcbStatus?: TdxTcbStatus
  /** Options for parsing quote bytes (trailing bytes, limits). */
  parse?: ParseTdxQuoteOptions
  /** WebCrypto implementation (default globalThis.crypto). */
  crypto?: Crypto
}

export interface TdxPckSummary {
  subject: string
  issuer: string
  /** Which PCK CA issued it (selects the PCK CRL). */
  ca?: 'platform' | 'processor'
  serial: string
  notBefore: string
  notAfter: string
  extensions?: PckExtensions
}

export interface TdxVerifyResult {
  valid: boolean
  checks: TdxCheck[]
  errors: TdxError[]
  report: TdxQuoteSummary
  pck?: TdxPckSummary
  /** With collateral: the TCB evaluation. */
  tcb?: TdxTcbEvaluation
}

const PCK_CN = 'Intel SGX PCK Certificate'
const PCK_CAS: Record<string, 'platform' | 'processor'> = { 'Intel SGX PCK Platform CA': 'platform', 'Intel SGX PCK Processor CA': 'processor' }

const cn = (c: CertificateInfo): string | undefined => c.subjectAttributes.find((a) => a.name === 'CN')?.value
const isSelfIssued = (c: CertificateInfo): boolean => c.pkijs.subject.isEqual(c.pkijs.issuer)

/** PCK leaf <- PCK Platform / Processor CA <- pinned Intel SGX Root CA, at `now`; returns the path when valid. */
async function checkPckChain(certs: CertificateInfo[], now: Date, crypto: Crypto | undefined, checks: TdxChecks): Promise<CertificateInfo[] | undefined> {
  const [leaf, ...rest] = certs
  if (!leaf) return void checks.add('pck.chain', false, 'the quote carries no PCK certificate', 'ERR_TDX_CHAIN')
  const foreign = rest.find((c) => isSelfIssued(c) && !isPinnedIntelRoot(c.der))
  if (foreign) return void checks.add('pck.chain', false, `the quote's chain ends at "${foreign.subject}", which is not the pinned Intel SGX Root CA`, 'ERR_TDX_CHAIN')
  const r = await verifyCertificateChain(leaf, { trustAnchors: [INTEL_SGX_ROOT_CA], intermediates: rest.filter((c) => !isSelfIssued(c)), now, ...(crypto ? { crypto } : {}) })
  if (!r.ok) return void checks.add('pck.chain', false, `the PCK certificate does not chain to the pinned Intel SGX Root CA: ${r.message}`, 'ERR_TDX_CHAIN')
  const issuerCn = r.path.length === 3 ? cn(r.path[1]!) : undefined
  if (cn(leaf) !== PCK_CN || !issuerCn || !PCK_CAS[issuerCn]) {
    return void checks.add('pck.chain', false, `the path is ${r.path.map((c) => `"${c.subject}"`).join(' <- ')}, expected "${PCK_CN}" <- Intel SGX PCK Platform / Processor CA <- Intel SGX Root CA`, 'ERR_TDX_CHAIN')
  }
  checks.add('pck.chain', true, `"${PCK_CN}" <- "${issuerCn}" <- pinned Intel SGX Root CA (SHA-256 ${INTEL_SGX_ROOT_CA_SHA256}) at ${now.toISOString()}`, 'ERR_TDX_CHAIN')
  return r.path
}

function checkExpected(quote: TdxQuote, options: VerifyTdxOptions, checks: TdxChecks): void {
  const body = quote.body
  if (options.reportData !== undefined) {
    const ok = options.reportData.length === 64 && constantTimeEqual(body.reportData, options.reportData)
    checks.add('td.reportData', ok, ok ? 'REPORTDATA equals the expected value' : `REPORTDATA ${toHex(body.reportData)} differs from the expected ${toHex(options.reportData)}`, 'ERR_TDX_REPORT_DATA')
  }
  if (options.mrTd !== undefined) {
    const ok = bytesEqual(body.mrTd, options.mrTd)
    checks.add('td.mrTd', ok, ok ? 'MRTD equals the expected value' : `MRTD ${toHex(body.mrTd)} differs from the expected ${toHex(options.mrTd)}`, 'ERR_TDX_MRTD')
  }
  if (options.rtmrs !== undefined) {
    if (options.rtmrs.length > 4) throw new TypeError('rtmrs: at most 4 values (RTMR0-3)')
    options.rtmrs.forEach((want, i) => {
      if (want === undefined) return
      const ok = bytesEqual(body.rtmrs[i]!, want)
      checks.add(`td.rtmr${i}`, ok, ok ? `RTMR${i} equals the expected value` : `RTMR${i} ${toHex(body.rtmrs[i]!)} differs from the expected ${toHex(want)}`, 'ERR_TDX_RTMR')
    })
  }
}

/**
 * Verify a TD quote (bytes, or a quote from `parseTdxQuote`).
 * @throws BootproofError ERR_TDX_QUOTE_* when the quote cannot be parsed, ERR_CERT_INVALID /
 *   ERR_PEM_INVALID when a certificate cannot be decoded, ERR_TDX_COLLATERAL_MALFORMED /
 *   ERR_TDX_CRL_MALFORMED for unreadable collateral; TypeError for invalid options.
 */
export async function verifyTdxQuote(input: Uint8Array | TdxQuote, options: VerifyTdxOptions = {}): Promise<TdxVerifyResult> {
  const quote = input instanceof Uint8Array ? parseTdxQuote(input, options.parse) : input
  const accepted = acceptedStatuses(options)
  const now = options.now ?? new Date()
  const subtle = (options.crypto ?? globalThis.crypto).subtle
  const certs = quote.pckChain.map((d) => toCertificateInfo(d))
  const checks = new TdxChecks()

  const vendor = toHex(quote.header.qeVendorId)
  checks.add('quote.qeVendor', vendor === INTEL_QE_VENDOR_ID, vendor === INTEL_QE_VENDOR_ID ? "QE vendor ID is Intel's" : `QE vendor ID ${vendor} is not Intel's (${INTEL_QE_VENDOR_ID})`, 'ERR_TDX_QE_VENDOR')

  const sig = await verifyP256(subtle, { raw: quote.attestationKey }, quote.signature, quote.signedBytes)
  const signedRange = `bytes 0-${quote.signedBytes.length - 1} (header${quote.header.version === 5 ? ', body descriptor' : ''} and TD quote body)`
  checks.add('quote.signature', sig.ok, sig.ok ? `ECDSA P-256 / SHA-256 over ${signedRange} verifies with the attestation key` : `the quote signature over ${signedRange} does not verify with the attestation key${sig.reason ? `: ${sig.reason}` : ''}`, 'ERR_TDX_SIGNATURE')

  const path = await checkPckChain(certs, now, options.crypto, checks)
  const leaf = certs[0]
  if (leaf) {
    const qs = await verifyP256(subtle, { spki: leaf.spki }, quote.qeReportSignature, quote.qeReport.bytes)
    checks.add('qe.signature', qs.ok, qs.ok ? 'the QE report signature verifies with the PCK certificate key' : `the QE report signature does not verify with the PCK certificate key${qs.reason ? `: ${qs.reason}` : ''}`, 'ERR_TDX_QE_REPORT_SIGNATURE')
  }
  const expected = defaultHashProvider().digest('sha256', concatBytes(quote.attestationKey, quote.qeAuthData))
  const rd = quote.qeReport.reportData
  const bound = bytesEqual(rd.subarray(0, 32), expected) && rd.subarray(32).every((b) => b === 0)
  checks.add('qe.binding', bound, bound ? 'QE report REPORTDATA = SHA-256(attestation key ‖ QE authentication data) ‖ 32 zero bytes' : `QE report REPORTDATA ${toHex(rd)} is not SHA-256(attestation key ‖ QE authentication data) ${toHex(expected)} followed by 32 zero bytes`, 'ERR_TDX_QE_BINDING')

  const debug = quote.tdAttributes.debug
  checks.add('td.debug', !debug || options.allowDebug === true, debug ? `TDATTRIBUTES 0x${quote.tdAttributes.raw} has DEBUG (bit 0) set: the host can read and change the TD${options.allowDebug ? '; accepted (allowDebug)' : ''}` : 'TDATTRIBUTES.DEBUG is clear', 'ERR_TDX_DEBUG')
  checkExpected(quote, options, checks)

  let tcb: TdxTcbEvaluation | undefined
  let extensions: PckExtensions | undefined
  if (options.collateral && leaf) {
    const c = await verifyTdxCollateral({ quote, leaf, path, collateral: options.collateral, accepted, now, ...(options.crypto ? { crypto: options.crypto } : {}) }, checks)
    tcb = c.tcb
    extensions = c.extensions
  }

  const errors = checks.errors()
  const result: TdxVerifyResult = { valid: errors.length === 0, checks: checks.list, errors, report: summarizeTdxQuote(quote) }
  if (leaf) {
    const issuerCn = leaf.issuerAttributes.find((a) => a.name === 'CN')?.value
    const ca = issuerCn ? PCK_CAS[issuerCn] : undefined
    result.pck = {
      subject: leaf.subject,
      issuer: leaf.issuer,
      ...(ca ? { ca } : {}),
      serial: leaf.serialNumber,
      notBefore: leaf.notBefore.toISOString(),
      notAfter: leaf.notAfter.toISOString(),
      ...(extensions ? { extensions } : {}),
    }
  }
  if (tcb) result.tcb = tcb
  return result
}
