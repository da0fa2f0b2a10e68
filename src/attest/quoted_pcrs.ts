/**
 * What the quotes select, read from their signed TPMS_ATTEST (attack Q-02: the selection comes
 * only from the signed structure), and the PCR values a log offers to the quote check.
 */
import { initialPcrValue, type ReplayResult } from '../eventlog/replay.js'
import type { EventLog } from '../eventlog/types.js'
import { parseTpmsAttest, type TpmsAttest } from '../tpm/attest.js'
import type { QuoteEvidence } from '../tpm/quote_core.js'
import type { PcrValues } from '../tpm/pcr_values.js'

/** Each quote's TPMS_ATTEST parsed once (undefined when it does not parse: the quote check reports it). */
export function parseAttests(quotes: readonly QuoteEvidence[]): (TpmsAttest | undefined)[] {
  return quotes.map((q) => {
    try {
      return parseTpmsAttest(q.attest)
    } catch {
      return undefined
    }
  })
}

export function quotedPcrIndices(attests: readonly (TpmsAttest | undefined)[]): number[] {
  const out = new Set<number>()
  for (const p of attests) if (p && p.attested.kind === 'quote') for (const s of p.attested.pcrSelect) for (const i of s.pcrs) out.add(i)
  return [...out].sort((a, b) => a - b)
}

/** Banks selected by the quotes, or undefined when a quote cannot be parsed. */
export function selectedBanks(attests: readonly (TpmsAttest | undefined)[]): string[] | undefined {
  const banks = new Set<string>()
  for (const p of attests) {
    if (!p || p.attested.kind !== 'quote') return undefined
    for (const s of p.attested.pcrSelect) banks.add(s.bank)
  }
  return banks.size ? [...banks] : undefined
}

/**
 * PCR values for the quotes' selection taken from the log's replay (initial values where no
 * event extends a PCR), as bytes. Non-replayable PCRs are left out, so the digest check fails
 * rather than trusting them.
 */
export function pcrsFromReplay(log: EventLog, replay: ReplayResult, attests: readonly (TpmsAttest | undefined)[]): PcrValues | undefined {
  const out: Record<string, Record<string, Uint8Array>> = {}
  for (const parsed of attests) {
    if (!parsed || parsed.attested.kind !== 'quote') return undefined
    for (const sel of parsed.attested.pcrSelect) {
      const bank = replay.banks.get(sel.bank)
      if (!bank || !bank.replayable) continue
      const regs = (out[sel.bank] ??= {})
      for (const i of sel.pcrs) {
        const p = bank.pcrs.get(i)
        if (p && !p.replayable) continue
        regs[String(i)] = p ? p.value : initialPcrValue(log, i, bank.size)
      }
    }
  }
  return out
}
