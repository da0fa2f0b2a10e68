/**
 * `replayEventLog`: recompute every bank's PCRs from the log (PCR_new = H(PCR_old ‖ digest),
 * TPM 2.0 Part 1 §17.3) and compare with supplied values such as a quote's.
 *
 * Rules (PFP §10.4.5.3 for PCR 0; attacks L-07, L-08): PCR 0 starts at the StartupLocality / H-CRTM locality; PCRs
 * 17-22 start at all-ones; EV_NO_ACTION is never extended; indices above 23 are never
 * extended (Windows 0xFFFFFFFF records). Every supplied PCR is compared, including PCRs with no
 * events, which must equal their initial value (attack L-08). Only banks the hash provider
 * supports are replayed; an undeclared bank is reported, never silently treated as a match.
 */
import { bytesEqual, toHex } from '../bytes/hex.js'
import { isHashAlgName, type HashAlgName } from '../alg.js'
import { defaultHashProvider, extendInto, type HashProvider } from '../hash/provider.js'
import type { Finding } from '../findings.js'
import { EV } from './event_types.js'
import { normalizePcrValues, type PcrValues, type PcrValuesInput } from './pcr_values.js'
import type { EventLog } from './types.js'

export interface ReplayOptions {
  /** Values to compare with, e.g. the PCRs of a verified quote. */
  expected?: PcrValues | PcrValuesInput
  /** Synchronous hash implementation; default node:crypto when available, else noble. */
  hash?: HashProvider
  /**
   * Replay only these banks (default: every bank of the log). The attestation pipeline replays
   * the banks a quote authenticates: the others prove nothing (attack Q-07).
   */
  banks?: readonly string[]
}

export interface ReplayedPcr {
  index: number
  initial: Uint8Array
  /** The replayed value. Meaningless when `replayable` is false (events lacked this bank). */
  value: Uint8Array
  /** Indices of the events extended into this PCR, in order. */
  events: number[]
  /** False when some event of this PCR carries no digest for this bank (Windows OS events). */
  replayable: boolean
  /** Events of this PCR without a digest for this bank. */
  missingDigestEvents?: number[]
}

export interface ReplayedBank {
  bank: string
  algId: number
  /** Digest size in bytes. */
  size: number
  /** False for an algorithm the library cannot hash; `reason` says why. */
  replayable: boolean
  reason?: string
  /** Only PCRs that at least one event extends. */
  pcrs: Map<number, ReplayedPcr>
}

export interface PcrComparison {
  bank: string
  pcr: number
  status: 'match' | 'mismatch' | 'bank-not-in-log' | 'bank-not-replayable' | 'pcr-not-replayable'
  expected: Uint8Array
  /** Replayed value (the initial value when no event extends the PCR). */
  observed?: Uint8Array
  events: number[]
}

export interface ReplayResult {
  banks: Map<string, ReplayedBank>
  /** Present when `expected` was given. */
  comparisons?: PcrComparison[]
  /** Comparison findings (mismatches), each naming the PCR, bank and events. */
  findings: Finding[]
  /** False when any comparison failed. True when nothing was compared. */
  ok: boolean
}

/** Initial value of a PCR for a log (PFP §10.4.5.3; TPM 2.0 Part 1 §34 for 17-22). */
export function initialPcrValue(log: EventLog, pcr: number, size: number): Uint8Array {
  const v = new Uint8Array(size)
  if (log.registerKind === 'pcr') {
    if (pcr === 0 && log.startupLocality) v[size - 1] = log.startupLocality.locality
    else if (pcr >= 17 && pcr <= 22) v.fill(0xff)
  }
  return v
}

/** Whether the record extends a register (EV_NO_ACTION and out-of-range indices never do). */
export function isExtended(log: EventLog, eventType: number, pcrIndex: number): boolean {
  return eventType !== EV.EV_NO_ACTION && pcrIndex <= 23
}

/**
 * Replay every bank of `log`.
 * @example
 * const res = replayEventLog(parseEventLog(bytes), { expected: quote.pcrs })
 * if (!res.ok) console.log(res.findings)
 */
export function replayEventLog(log: EventLog, options: ReplayOptions = {}): ReplayResult {
  const hash = options.hash ?? defaultHashProvider()
  const banks = new Map<string, ReplayedBank>()
  for (const alg of log.algorithms) {
    const bank: ReplayedBank = { bank: alg.bank, algId: alg.algId, size: alg.digestSize, replayable: alg.known && isHashAlgName(alg.bank), pcrs: new Map() }
    if (!bank.replayable) bank.reason = `algorithm 0x${alg.algId.toString(16)} is not known to this library`
    banks.set(alg.bank, bank)
  }
  const replayable = [...banks.values()].filter((b) => b.replayable && (!options.banks || options.banks.includes(b.bank)))
  if (options.banks) {
    for (const b of banks.values()) {
      if (b.replayable && !options.banks.includes(b.bank)) {
        b.replayable = false
        b.reason = 'not requested (options.banks)'
      }
    }
  }
  // Per replayed bank, its PCRs by index: only indices 0-23 are ever extended (isExtended), so
  // this bounded table is never indexed by an untrusted number beyond 23; `pcrs` stays the result.
  const slots = replayable.map(() => new Array<ReplayedPcr | undefined>(24).fill(undefined))
  for (const ev of log.events) {
    if (!isExtended(log, ev.eventType, ev.pcrIndex)) continue
    for (let b = 0; b < replayable.length; b++) {
      const bank = replayable[b]!
      // Look digests up by algorithm, not position ("some HyperV" logs reorder them).
      let d: Uint8Array | undefined
      for (const x of ev.digests) if (x.algId === bank.algId) d = x.digest
      const bankSlots = slots[b]!
      let p = bankSlots[ev.pcrIndex]
      if (!p) {
        const initial = initialPcrValue(log, ev.pcrIndex, bank.size)
        p = { index: ev.pcrIndex, initial, value: initial, events: [], replayable: true }
        bank.pcrs.set(ev.pcrIndex, p)
        bankSlots[ev.pcrIndex] = p
      }
      p.events.push(ev.index)
      if (!d) {
        // Never skip an event in one bank (attack L-04): the PCR becomes non-replayable.
        p.replayable = false
        ;(p.missingDigestEvents ??= []).push(ev.index)
        continue
      }
      // The running value is written in place once it is this PCR's own copy (never `initial`).
      if (p.value === p.initial) p.value = p.initial.slice()
      p.value = extendInto(hash, bank.bank as HashAlgName, p.value, d)
    }
  }
  const result: ReplayResult = { banks, findings: [], ok: true }
  if (options.expected) compare(log, result, normalizePcrValues(options.expected, 'expected PCR values'))
  return result
}

/**
 * Compare an existing replay with expected values, without replaying again (the pipeline
 * replays once to check the quote, then compares with the PCRs the quote authenticated).
 */
export function compareReplay(log: EventLog, replay: ReplayResult, expected: PcrValues | PcrValuesInput): ReplayResult {
  const result: ReplayResult = { banks: replay.banks, findings: [], ok: true }
  compare(log, result, normalizePcrValues(expected, 'expected PCR values'))
  return result
}

/** What differs between kinds of logs when comparing a replay with expected values. */
export interface CompareRules {
  /** Initial value of a register no record extends. */
  initial(pcr: number, size: number): Uint8Array
  /** Registers to compare (default: all expected). */
  include?(pcr: number): boolean
  /** Message wording for the log kind ("event" / "IMA entry"). */
  bankNotInLog(bank: string, pcr: number): string
  notReplayable(bank: string, pcr: number, missing: number[]): string
  mismatch(bank: string, pcr: number, events: number[]): string
  /** Largest `relatedEvents` list to attach (IMA lists can be huge). */
  maxRelatedEvents?: number
}

const FIRMWARE_RULES = (log: EventLog): CompareRules => ({
  initial: (pcr, size) => initialPcrValue(log, pcr, size),
  bankNotInLog: (bank, pcr) => `the log carries no ${bank} digests, so ${bank}:${pcr} cannot be checked`,
  notReplayable: (bank, pcr, missing) => `${bank}:${pcr} cannot be replayed: event(s) ${missing.join(', ')} carry no ${bank} digest`,
  mismatch: (bank, pcr, events) =>
    events.length === 0
      ? `${bank}:${pcr} has no events in the log, so it must hold its initial value; it does not (events were removed, or measured outside the log)`
      : `${bank}:${pcr} replay of ${events.length} event(s) [${events.join(', ')}] does not give the expected value; a hash chain cannot say which event diverged: compare the digests with reference values or a known-good log`,
})

function compare(log: EventLog, result: ReplayResult, expected: PcrValues): void {
  comparePcrs(result, expected, FIRMWARE_RULES(log))
}

/**
 * Compare replayed registers with expected values, every expected register included (a register
 * no record extends must hold its initial value: attack L-08), recording one comparison and, on
 * failure, one finding per register. Shared by firmware-log and IMA-list replays.
 */
export function comparePcrs(result: ReplayResult, expected: PcrValues, rules: CompareRules): void {
  const comparisons: PcrComparison[] = []
  const limit = rules.maxRelatedEvents ?? Infinity
  for (const [bankName, regs] of Object.entries(expected)) {
    const bank = result.banks.get(bankName)
    for (const [idxStr, exp] of Object.entries(regs)) {
      const pcr = Number(idxStr)
      if (rules.include && !rules.include(pcr)) continue
      if (!bank || !bank.replayable) {
        comparisons.push({ bank: bankName, pcr, status: bank ? 'bank-not-replayable' : 'bank-not-in-log', expected: exp, events: [] })
        result.findings.push({
          code: bank ? 'PCR_BANK_NOT_REPLAYABLE' : 'PCR_BANK_NOT_IN_LOG',
          severity: 'error',
          message: bank ? `${bankName} cannot be replayed: ${bank.reason}` : rules.bankNotInLog(bankName, pcr),
          pcr,
          bank: bankName,
          expected: toHex(exp),
        })
        continue
      }
      const p = bank.pcrs.get(pcr)
      if (p && !p.replayable) {
        comparisons.push({ bank: bankName, pcr, status: 'pcr-not-replayable', expected: exp, events: p.events })
        result.findings.push({
          code: 'PCR_NOT_REPLAYABLE',
          severity: 'error',
          message: rules.notReplayable(bankName, pcr, p.missingDigestEvents!),
          pcr,
          bank: bankName,
          relatedEvents: p.missingDigestEvents,
          expected: toHex(exp),
        })
        continue
      }
      const observed = p ? p.value : rules.initial(pcr, exp.length)
      const events = p ? p.events : []
      const match = bytesEqual(observed, exp)
      comparisons.push({ bank: bankName, pcr, status: match ? 'match' : 'mismatch', expected: exp, observed, events })
      if (!match) {
        result.findings.push({
          code: 'PCR_MISMATCH',
          severity: 'error',
          message: rules.mismatch(bankName, pcr, events),
          pcr,
          bank: bankName,
          ...(events.length <= limit ? { relatedEvents: events } : {}),
          expected: toHex(exp),
          observed: toHex(observed),
        })
      }
    }
  }
  result.comparisons = comparisons
  result.ok = result.findings.length === 0
}

/** `{bank: {index: value}}` of every extended PCR, for JSON output. */
export function replayedValues(result: ReplayResult): PcrValues {
  const out: PcrValues = {}
  for (const bank of result.banks.values()) {
    if (!bank.replayable) continue
    const regs: Record<string, Uint8Array> = {}
    for (const idx of [...bank.pcrs.keys()].sort((a, b) => a - b)) {
      const p = bank.pcrs.get(idx)!
      if (p.replayable) regs[String(idx)] = p.value
    }
    out[bank.bank] = regs
  }
  return out
}
