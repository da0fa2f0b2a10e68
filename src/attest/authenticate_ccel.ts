/**
 * The authentication stage for a CC event log (CCEL, `registers: 'cc-mr'`): a TD quote's RTMR0-3
 * are the register source, exactly as a verified TPM quote's PCRs are for a TPM log
 * (authenticate.ts). The log is replayed, integrity- and structure-checked once, in the sha384
 * bank only (the one bank RTMRs hold; other banks prove nothing, attack Q-07), and compared with
 * the quote's RTMRs on all four registers, including those no record extends (attack L-08).
 *
 * A CC MR is `authenticated` only when the TD quote verified (the caller's `verifyTdxQuote`) and
 * the log reproduces its RTMR; `tainted` when it does not; with an unverified quote nothing is
 * authenticated (`QUOTE_INVALID`). MR 0 (MRTD) is never replayed: records on it, or above MR 4,
 * stay untrusted and are reported (`CCEL_RECORD_OUTSIDE_RTMR`).
 */
import type { Finding } from '../findings.js'
import type { HashProvider } from '../hash/provider.js'
import { compareReplay, type PcrComparison, type ReplayResult } from '../eventlog/replay.js'
import type { EventLog } from '../eventlog/types.js'
import type { CelLog } from '../cel/types.js'
import { buildEvidence, checkLog } from './authenticate_log.js'
import { compareCombined } from './combine_cel.js'
import type { AuthenticatedEvidence, TrustReason } from './evidence.js'
import { CC_MR_BANK, mrOfRtmr, recordsOutsideRtmrs, RTMR_COUNT, rtmrValues, type TdQuoteRegisters } from './td_quote_registers.js'

/** The log against a TD quote's RTMRs, whether or not the quote verified (what the log says about that quote). */
export interface RtmrComparison {
  /** The sha384 replay of the log (uncompared). */
  replay: ReplayResult
  /** One comparison per RTMR, in RTMR order (`pcr` is the CC MR index, RTMR + 1). */
  rtmrs: PcrComparison[]
  /** Records extending MR 0 (MRTD) or an index above 4: no RTMR reproduces them. */
  outsideRtmrs: number[]
}

export interface AuthenticateCcelInput {
  /** A log parsed with `registers: 'cc-mr'`. */
  log: EventLog
  /** The register source; absent: nothing is authenticated (`NO_QUOTE`). */
  tdQuote?: TdQuoteRegisters
  /** A CEL of the same TD on CC MRs (e.g. a launcher's records on RTMR3), replayed after the CCEL's records (combine_cel.ts). */
  celLog?: CelLog
  hash?: HashProvider
}

export interface CcelAuthentication {
  evidence: AuthenticatedEvidence
  /** The log against the quote's RTMRs (absent without a TD quote). */
  rtmrs?: PcrComparison[]
  /** Records extending MR 0 (MRTD) or an index above 4. */
  outsideRtmrs: number[]
}

function requireCcLog(log: EventLog): void {
  if (log.registerKind !== 'cc-mr') throw new TypeError("CCEL authentication: the log was parsed as a TPM PCR log; parse it with { registers: 'cc-mr' }")
}

/** The comparisons of a compared replay, in RTMR order. */
function inRtmrOrder(compared: ReplayResult): PcrComparison[] {
  const out: PcrComparison[] = []
  for (let i = 0; i < RTMR_COUNT; i++) {
    const c = compared.comparisons?.find((x) => x.bank === CC_MR_BANK && x.pcr === mrOfRtmr(i))
    if (c) out.push(c)
  }
  return out
}

/**
 * Replay `log` in the sha384 bank and compare it with `rtmrs` (RTMR0-3), without deciding trust:
 * `verifyCcelAgainstTdQuote`'s question (only the replay of the stage's pass is read).
 * @throws TypeError when the log is a TPM PCR log or `rtmrs` is not four 48-byte values
 */
export function compareCcelWithRtmrs(log: EventLog, rtmrs: readonly Uint8Array[], options: { hash?: HashProvider } = {}): RtmrComparison {
  requireCcLog(log)
  const values = rtmrValues({ rtmrs })
  // The stage's one replay pass (checkLog), in the sha384 bank; its integrity and structure
  // results are not this question's.
  const { replay } = checkLog(log, { banks: [CC_MR_BANK], ...(options.hash ? { hash: options.hash } : {}) })
  return { replay, rtmrs: inRtmrOrder(compareReplay(log, replay, values)), outsideRtmrs: recordsOutsideRtmrs(log) }
}

function outsideFinding(log: EventLog, outside: readonly number[]): Finding {
  const list = outside.slice(0, 16).map((i) => `${i} (MR ${log.events[i]?.pcrIndex})`).join(', ')
  return {
    code: 'CCEL_RECORD_OUTSIDE_RTMR',
    severity: 'error',
    message: `record(s) ${list}${outside.length > 16 ? ` and ${outside.length - 16} more` : ''} extend a register that is not RTMR0-3 (MR 1-4): MR 0 is MRTD, which no log record extends, so no quoted register reproduces them and their content is never trusted`,
    eventIndex: outside[0]!,
    relatedEvents: [...outside],
  }
}

/**
 * Authenticate a CCEL against a TD quote's RTMRs: replay, integrity and structure once, then the
 * evidence every later stage reads (boot state, appraisal, verdict).
 * @throws TypeError when the log is a TPM PCR log or the quote's RTMRs are not four 48-byte values
 */
export function authenticateCcel(input: AuthenticateCcelInput): CcelAuthentication {
  const { log, tdQuote } = input
  requireCcLog(log)
  const values = tdQuote ? rtmrValues(tdQuote) : undefined
  const checks = checkLog(log, { banks: [CC_MR_BANK], ...(input.hash ? { hash: input.hash } : {}), ...(input.celLog ? { celLog: input.celLog } : {}) })
  const outsideRtmrs = recordsOutsideRtmrs(log)
  const quoteProblem: TrustReason | undefined = !tdQuote
    ? { code: 'NO_QUOTE', message: "no TD quote was given: a CC event log's registers are authenticated only by a verified TD quote's RTMRs (a TPM quote covers PCRs, not CC MRs)" }
    : !tdQuote.verified
      ? { code: 'QUOTE_INVALID', message: `the TD quote did not verify${tdQuote.problem ? ` (${tdQuote.problem})` : ''}: no CC MR is authenticated` }
      : undefined
  // An unverified quote's RTMRs are not compared into the evidence (nothing it says is
  // authenticated, as with a TPM quote that failed); the comparison is still reported.
  const evidence = buildEvidence({
    checks,
    basis: 'quote',
    ...(values && !quoteProblem ? { expected: values } : {}),
    ...(quoteProblem ? { quoteProblem } : {}),
    ...(outsideRtmrs.length ? { replayFindings: [outsideFinding(log, outsideRtmrs)] } : {}),
  })
  const rtmrs = values ? inRtmrOrder(evidence.replay.comparisons ? evidence.replay : checks.cel ? compareCombined(log, checks.cel, values) : compareReplay(log, checks.replay, values)) : undefined
  return { evidence, ...(rtmrs ? { rtmrs } : {}), outsideRtmrs }
}
