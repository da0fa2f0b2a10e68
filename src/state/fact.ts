/**
 * A boot-state fact: a value, the events it came from, and whether it may be trusted.
 *
 * Trusted means (issue 5): every source event is integrity-verified (digest = H(data) in every
 * bank, `verifyEventIntegrity`) and, when the caller says which PCRs a verified quote covers,
 * every source event sits in one of them. Facts built from no event (a default such as "no
 * SecureBoot variable was measured") are trusted only as far as the PCR that would have held the
 * event is quoted.
 */
import type { IntegrityReport } from '../eventlog/integrity.js'
import type { EventLog } from '../eventlog/types.js'
import type { Finding } from '../findings.js'

export interface Fact<T> {
  value: T
  trusted: boolean
  /** Indices of the events the value was derived from. */
  events: number[]
  /** Why the fact is not trusted (absent when trusted). */
  reason?: string
}

export interface StateContext {
  log: EventLog
  integrity: IntegrityReport
  /** PCR indices covered (and matched) by a verified quote; undefined = no quote given. */
  quotedPcrs: ReadonlySet<number> | undefined
  /**
   * PCRs whose event sequence has an error-severity structural finding (a retyped separator, an
   * unknown type, configuration after the separator, ...): their content is not trusted, so a
   * masquerade (attack R-01) can neither create nor hide a trusted fact.
   */
  taintedPcrs: ReadonlyMap<number, string>
}

export function makeContext(log: EventLog, integrity: IntegrityReport, quotedPcrs?: Iterable<number>, structure: readonly Finding[] = []): StateContext {
  const taintedPcrs = new Map<number, string>()
  for (const f of structure) {
    if (f.severity === 'error' && f.pcr !== undefined && f.eventIndex !== undefined && !taintedPcrs.has(f.pcr)) {
      taintedPcrs.set(f.pcr, `${f.code} at event ${f.eventIndex}`)
    }
  }
  return { log, integrity, quotedPcrs: quotedPcrs ? new Set(quotedPcrs) : undefined, taintedPcrs }
}

/** Whether one event's content may be trusted in this context, with the reason when not. */
export function eventTrust(ctx: StateContext, index: number): { trusted: boolean; reason?: string } {
  const ev = ctx.log.events[index]
  if (!ev) return { trusted: false, reason: `event ${index} does not exist` }
  const st = ctx.integrity.events[index]?.status
  if (st !== 'verified') return { trusted: false, reason: `event ${index} (${ev.typeName}) content is ${st === 'mismatch' ? 'NOT what was measured (digest mismatch)' : 'not bound by its digest'}` }
  const taint = ctx.taintedPcrs.get(ev.pcrIndex)
  if (taint) return { trusted: false, reason: `PCR ${ev.pcrIndex}'s event sequence is structurally invalid (${taint})` }
  if (ctx.quotedPcrs && !ctx.quotedPcrs.has(ev.pcrIndex)) return { trusted: false, reason: `event ${index} is in PCR ${ev.pcrIndex}, which the quote does not cover` }
  return { trusted: true }
}

/** Build a fact from source events. `emptyPcr` is the PCR an absent event would be in. */
export function fact<T>(ctx: StateContext, value: T, events: number[], emptyPcr?: number): Fact<T> {
  for (const i of events) {
    const t = eventTrust(ctx, i)
    if (!t.trusted) return { value, trusted: false, events, reason: t.reason! }
  }
  if (events.length === 0 && emptyPcr !== undefined && ctx.quotedPcrs && !ctx.quotedPcrs.has(emptyPcr)) {
    return { value, trusted: false, events, reason: `derived from the absence of events in PCR ${emptyPcr}, which the quote does not cover` }
  }
  return { value, trusted: true, events }
}
