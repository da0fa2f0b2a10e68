/**
 * The TDX side of confidential-VM verification: a TD quote (Intel TDX DCAP Quote Library API,
 * quote v4 / v5) verified by the TDX quote verifier (quote signature, QE report signature and
 * binding, PCK chain to the pinned Intel SGX Root CA, collateral when given, DEBUG attribute),
 * optionally a CCEL log replayed against RTMR0-3, reduced to what the HCL binding needs: the quote
 * body's measurements and whether the quote verified.
 */
import { parseTdxQuote, verifyCcelAgainstTdQuote, verifyTdxQuote, type TdxCheck, type TdxCollateral } from '../tdx/index.js'
import { CvmChecks, type CvmCheck } from './cvm_checks.js'
import type { TdMeasurements } from './td_report.js'

export interface TdxHardwareOptions {
  now?: Date
  allowDebug?: boolean
  /** Collateral (TCB info, QE identity, CRLs) as the TDX verifier reads it (`TdxCollateral`). */
  collateral?: unknown
  /** A CCEL event log to replay against RTMR0-3. */
  ccel?: Uint8Array
  /** The REPORTDATA (64 bytes) the verifier expects, e.g. its nonce in the caller's convention. */
  reportData?: Uint8Array
  crypto?: Crypto
}

export interface TdxHardwareOutcome {
  checks: CvmCheck[]
  /** Every TDX check passed (quote signature, QE report, PCK chain, collateral and CCEL when given), the debug attribute aside. */
  verified: boolean
  /** The quote body's fields, when the quote parsed. */
  body?: TdMeasurements
  /** The quote's decoded fields for the JSON report. */
  summary?: Record<string, unknown>
  /** The TDX checks include the debug attribute (so the caller does not add its own). */
  debugChecked: boolean
}

/** TDX check ids are prefixed `tdx.` so they cannot collide with the SEV-SNP and HCL ids. */
function prefixed(c: TdxCheck): CvmCheck {
  return { id: `tdx.${c.id}`, ok: c.ok, message: c.message, ...(c.code ? { code: c.code } : {}) }
}

/**
 * Verify a TD quote.
 * @throws BootproofError ERR_TDX_* when the quote (or the CCEL log, or collateral) cannot be parsed
 */
export async function verifyTdxHardware(bytes: Uint8Array, options: TdxHardwareOptions = {}): Promise<TdxHardwareOutcome> {
  const quote = parseTdxQuote(bytes)
  const r = await verifyTdxQuote(quote, {
    ...(options.now ? { now: options.now } : {}),
    ...(options.allowDebug !== undefined ? { allowDebug: options.allowDebug } : {}),
    ...(options.collateral !== undefined ? { collateral: options.collateral as TdxCollateral } : {}),
    ...(options.reportData !== undefined ? { reportData: options.reportData } : {}),
    ...(options.crypto ? { crypto: options.crypto } : {}),
  })
  const checks = new CvmChecks()
  checks.push(...r.checks.map(prefixed))
  if (options.ccel) checks.push(...verifyCcelAgainstTdQuote(options.ccel, quote).checks.map(prefixed))
  const verified = checks.list.every((c) => c.ok || c.id === 'tdx.td.debug')
  return { checks: checks.list, verified, body: quote.body, summary: r.report as unknown as Record<string, unknown>, debugChecked: r.checks.some((c) => c.id === 'td.debug') }
}
