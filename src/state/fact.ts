/**
 * A boot-state fact: a value, the events it came from, and whether it may be trusted.
 *
 * Trust is not decided here: it is read from the authenticated evidence (src/attest), the one
 * place that knows which PCRs a quote authenticated, which are tainted, and which events' data
 * their digests bind. A fact is trusted only when every source event is trusted there; a fact
 * built from no event (a default such as "no SecureBoot variable was measured") rests on
 * absence, which is trusted only as far as the PCR that would hold the event is.
 */
import { absenceTrust, eventTrust as evidenceEventTrust, type AuthenticatedEvidence, type TrustReasonCode } from '../attest/evidence.js'
import type { IntegrityReport } from '../eventlog/integrity.js'
import type { EventLog } from '../eventlog/types.js'

export interface Fact<T> {
  value: T
  trusted: boolean
  /** Indices of the events the value was derived from. */
  events: number[]
  /** Why the fact is not trusted (absent when trusted). */
  reason?: string
  /** Stable code of `reason` (absent when trusted). */
  reasonCode?: TrustReasonCode | FactReasonCode
}

/** Reasons a state extractor itself gives (the evidence gives the others). */
export type FactReasonCode = 'FACT_LABEL_UNBOUND' | 'FACT_VALUE_INVALID' | 'FACT_AFTER_BOUNDARY' | 'FACT_AMBIGUOUS' | 'FACT_ORDER_UNBOUND' | 'FACT_UNMEASURED' | 'FACT_BOUNDARY_MISSING'

export interface StateContext {
  log: EventLog
  integrity: IntegrityReport
  evidence: AuthenticatedEvidence
}

export function contextFor(evidence: AuthenticatedEvidence): StateContext {
  return { log: evidence.log, integrity: evidence.integrity, evidence }
}

/** Whether one event's content may be trusted, with the reason when not. */
export function eventTrust(ctx: StateContext, index: number): { trusted: boolean; reason?: string; reasonCode?: TrustReasonCode } {
  const t = evidenceEventTrust(ctx.evidence, index)
  return t.trusted ? { trusted: true } : { trusted: false, reason: t.reason!.message, reasonCode: t.reason!.code }
}

/**
 * Build a fact from source events. `emptyPcrs` are the PCRs an absent event would be in: a fact
 * resting on no event is trusted only as an absence the quote authenticates (`absenceTrust`);
 * with no event and no PCR to read the absence from, nothing measured it (fail closed).
 */
export function fact<T>(ctx: StateContext, value: T, events: number[], emptyPcrs?: number | readonly number[]): Fact<T> {
  if (events.length === 0 && emptyPcrs === undefined) return untrustedFact(value, events, 'FACT_UNMEASURED', 'no measured event supports this value')
  for (const i of events) {
    const t = evidenceEventTrust(ctx.evidence, i)
    if (!t.trusted) return { value, trusted: false, events, reason: t.reason!.message, reasonCode: t.reason!.code }
  }
  if (events.length === 0 && emptyPcrs !== undefined) {
    const pcrs = typeof emptyPcrs === 'number' ? [emptyPcrs] : emptyPcrs
    const t = absenceTrust(ctx.evidence, pcrs)
    if (!t.trusted) return { value, trusted: false, events, reason: `derived from the absence of events in PCR ${pcrs.join(', ')}: ${t.reason!.message}`, reasonCode: t.reason!.code }
  }
  return { value, trusted: true, events }
}

/** An untrusted fact with an extractor's own reason. */
export function untrustedFact<T>(value: T, events: number[], reasonCode: FactReasonCode, reason: string): Fact<T> {
  return { value, trusted: false, events, reason, reasonCode }
}
