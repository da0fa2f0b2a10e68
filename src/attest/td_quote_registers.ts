/**
 * The register values a TD quote authenticates for a CC event log (CCEL), the TDX counterpart of
 * quoted_pcrs.ts: RTMR0-3 of the TD quote body are the values of CC MR 1-4 in the sha384 bank.
 *
 * Mapping (UEFI 2.10 EFI_CC_MEASUREMENT_PROTOCOL, MrIndex; Intel TDX Virtual Firmware Design Guide,
 * "Measurement register mapping"): CC MR 0 is MRTD, 1-4 are RTMR0-3. MRTD is measured by the TDX
 * module while the TD is built and no log record extends it, so it is not a register the log is
 * replayed into: the quote authenticates it as a value (Intel TDX DCAP Quote Library API, TD quote
 * body), and comparing it is the hardware appraisal's business (`cvm.measurements`). Each RTMR
 * starts at 48 zero bytes and is extended with SHA-384 (TDX module ABI, TDG.MR.RTMR.EXTEND).
 */
import { EV } from '../eventlog/event_types.js'
import type { EventLog } from '../eventlog/types.js'
import type { PcrValues } from '../pcr_values.js'

/** The bank CC MRs are replayed and compared in. */
export const CC_MR_BANK = 'sha384'
/** Size of an RTMR (SHA-384). */
export const RTMR_SIZE = 48
/** RTMR0-3. */
export const RTMR_COUNT = 4

/** The CC MR index of RTMR `rtmr` (0-3). */
export const mrOfRtmr = (rtmr: number): number => rtmr + 1

/**
 * A TD quote as the register source of a CCEL. The caller verifies the quote (`verifyTdxQuote`:
 * quote signature, QE report signature and its binding to the attestation key, PCK chain to the
 * pinned Intel root, collateral when given) and says whether it verified: the RTMRs of a quote
 * that did not verify are anyone's bytes and authenticate nothing (attack H-01).
 */
export interface TdQuoteRegisters {
  /** RTMR0-3 of the TD quote body, 48 bytes each. */
  rtmrs: readonly Uint8Array[]
  /** The TD quote verified. */
  verified: boolean
  /** Why it did not verify (e.g. its first error code), for the `QUOTE_INVALID` reason. */
  problem?: string
}

/**
 * RTMR0-3 as CC MR 1-4 of the sha384 bank, the shape replay compares with.
 * @throws TypeError when `rtmrs` is not four 48-byte values (a caller error: a parsed TD quote
 *   always has them)
 */
export function rtmrValues(source: Pick<TdQuoteRegisters, 'rtmrs'>): PcrValues {
  const { rtmrs } = source
  if (rtmrs.length !== RTMR_COUNT || rtmrs.some((r) => !(r instanceof Uint8Array) || r.length !== RTMR_SIZE)) {
    throw new TypeError(`TD quote registers: expected ${RTMR_COUNT} RTMRs of ${RTMR_SIZE} bytes`)
  }
  const regs: Record<string, Uint8Array> = {}
  rtmrs.forEach((r, i) => (regs[String(mrOfRtmr(i))] = r))
  return { [CC_MR_BANK]: regs }
}

/**
 * Records that extend a register no RTMR reproduces: MR 0 (MRTD) or an index above 4
 * (EV_NO_ACTION is never extended). A genuine CCEL has none; their content is never trusted.
 */
export function recordsOutsideRtmrs(log: EventLog): number[] {
  const out: number[] = []
  for (const e of log.events) if (e.eventType !== EV.EV_NO_ACTION && (e.pcrIndex < 1 || e.pcrIndex > RTMR_COUNT)) out.push(e.index)
  return out
}
