/**
 * `verifyCcelAgainstTdQuote`: replay a TDX CC event log (the ACPI CCEL area; UEFI 2.10
 * EFI_CC_MEASUREMENT_PROTOCOL, TCG-format records whose index is a CC measurement register) and
 * require every RTMR of the quote to equal the replay.
 *
 * TDX maps CC MR index 0 to MRTD (measured by the TDX module at build time, never extended by the
 * log) and 1-4 to RTMR0-3 (Intel TDX Virtual Firmware Design Guide, "Measurement register
 * mapping"). Each RTMR starts at 48 zero bytes and is extended with SHA-384 (RTMR = SHA-384(RTMR ‖
 * digest)); EV_NO_ACTION records are not extended. The replay is the library's one event-log
 * replay (src/eventlog/replay.ts) over the sha384 bank. An RTMR that no record extends must still
 * be zero: a log that omits events cannot pass (attack L-08).
 *
 * This proves the log is the one measured into the TD whose quote is given; whether the quote is
 * authentic is `verifyTdxQuote`'s business. The replay and the comparison are the authentication
 * stage's (src/attest/authenticate_ccel.ts, which also decides trust once the quote verified): this
 * function reports them as TDX checks.
 */
import { toHex } from '../../bytes/hex.js'
import type { HashProvider } from '../../hash/provider.js'
import { parseEventLog, type ParseEventLogOptions } from '../../eventlog/parse.js'
import type { EventLog } from '../../eventlog/types.js'
import { compareCcelWithRtmrs } from '../../attest/authenticate_ccel.js'
import { CC_MR_BANK } from '../../attest/td_quote_registers.js'
import { TdxChecks, type TdxCheck, type TdxError } from './checks.js'
import { parseTdxQuote, type ParseTdxQuoteOptions, type TdxQuote } from './quote.js'

export interface VerifyCcelOptions {
  /** Synchronous hash implementation (default: the library's provider). */
  hash?: HashProvider
  /** Options for parsing log bytes (`registers` is always `cc-mr`). */
  log?: Omit<ParseEventLogOptions, 'registers'>
  /** Options for parsing quote bytes. */
  quote?: ParseTdxQuoteOptions
}

export interface TdxRtmrComparison {
  /** RTMR number 0-3. */
  rtmr: number
  /** The CC MR index of the log (rtmr + 1). */
  mrIndex: number
  /** The quote's value, hex. */
  quote: string
  /** The replayed value, hex (absent when the log cannot be replayed for it). */
  replayed?: string
  /** Indices of the log records extended into it. */
  events: number[]
  match: boolean
}

export interface TdxCcelResult {
  valid: boolean
  checks: TdxCheck[]
  errors: TdxError[]
  rtmrs: TdxRtmrComparison[]
}

/**
 * Replay `log` (bytes of a CCEL area, or a log parsed with `registers: 'cc-mr'`) and compare
 * RTMR0-3 with `quote` (bytes or parsed). Synchronous.
 * @throws BootproofError when the log or the quote cannot be parsed; TypeError when a parsed log
 *   is a TPM PCR log (its indices are PCRs, not measurement registers).
 */
export function verifyCcelAgainstTdQuote(log: Uint8Array | EventLog, quote: Uint8Array | TdxQuote, options: VerifyCcelOptions = {}): TdxCcelResult {
  const parsed = log instanceof Uint8Array ? parseEventLog(log, { ...options.log, registers: 'cc-mr' }) : log
  if (parsed.registerKind !== 'cc-mr') throw new TypeError("verifyCcelAgainstTdQuote: the log was parsed as a TPM PCR log; parse it with { registers: 'cc-mr' }")
  const q = quote instanceof Uint8Array ? parseTdxQuote(quote, options.quote) : quote
  const cmp = compareCcelWithRtmrs(parsed, q.body.rtmrs, options.hash ? { hash: options.hash } : {})
  const checks = new TdxChecks()

  // Records on MR 0 (MRTD) or above 4 cannot be reproduced by any RTMR: the log claims
  // measurements the quote cannot vouch for.
  const stray = cmp.outsideRtmrs
  checks.add('ccel.mrIndex', stray.length === 0, stray.length ? `record(s) ${stray.map((i) => `${i} (MR ${parsed.events[i]!.pcrIndex})`).join(', ')} extend a register that is not RTMR0-3 (MR 1-4)` : 'every extended record is on MR 1-4 (RTMR0-3)', 'ERR_TDX_CCEL_MR_INDEX')

  const bank = cmp.replay.banks.get(CC_MR_BANK)
  const rtmrs: TdxRtmrComparison[] = cmp.rtmrs.map((c, i) => {
    const mr = c.pcr
    const out: TdxRtmrComparison = { rtmr: i, mrIndex: mr, quote: toHex(c.expected), events: c.events, match: c.status === 'match' }
    if (c.observed && (c.status === 'match' || c.status === 'mismatch')) out.replayed = toHex(c.observed)
    let problem: string | undefined
    if (c.status === 'bank-not-in-log') problem = 'the log carries no sha384 digests'
    else if (c.status === 'bank-not-replayable') problem = `the log's sha384 bank cannot be replayed${bank?.reason ? `: ${bank.reason}` : ''}`
    else if (c.status === 'pcr-not-replayable') problem = `record(s) ${(bank?.pcrs.get(mr)?.missingDigestEvents ?? []).join(', ')} on MR ${mr} carry no sha384 digest`
    else if (c.status === 'mismatch') {
      problem = c.events.length
        ? `replaying ${c.events.length} record(s) on MR ${mr} gives ${out.replayed}, the quote's RTMR${i} is ${out.quote}`
        : `no record extends MR ${mr}, so RTMR${i} must be zero; the quote's is ${out.quote} (records are missing from the log)`
    }
    checks.add(`ccel.rtmr${i}`, !problem, problem ?? `RTMR${i} equals the replay of ${out.events.length} record(s) on MR ${mr}`, 'ERR_TDX_RTMR_MISMATCH')
    return out
  })
  const errors = checks.errors()
  return { valid: errors.length === 0, checks: checks.list, errors, rtmrs }
}
