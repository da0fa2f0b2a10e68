/**
 * The authenticated-evidence value: what the authentication stage (quote, replay, integrity,
 * structure) established about one event log, computed once and read by every later stage.
 *
 * Trust is decided here and nowhere else (attack catalogue H: one code path produces
 * "trusted"). Replay authenticates only the (PCR, digest) sequence of each quoted bank (TPM 2.0
 * Part 1 §17.3; TCG PFP §10.4.5); an event's type and data are attacker data unless its digest
 * binds the data (`verifyEventIntegrity`, attack R-02) and its PCR is authenticated.
 */
import type { CelIntegrityReport } from '../cel/integrity.js'
import type { CelReplayResult } from '../cel/replay.js'
import type { CelLog } from '../cel/types.js'
import type { IntegrityReport } from '../eventlog/integrity.js'
import type { PcrComparison, ReplayResult } from '../eventlog/replay.js'
import type { EventLog } from '../eventlog/types.js'
import type { Finding } from '../findings.js'

/**
 * `quote`: a quote was given; a PCR is authenticated only when every quoted bank covers it and
 * the log reproduces it. `log`: no quote (golden-image derivation, inspection, diff): nothing is
 * authenticated, and facts are "what this log says" when its content is consistent.
 */
export type TrustBasis = 'quote' | 'log'

/**
 * `authenticated`: quoted and reproduced by the log in every quoted bank that selects it (quote
 * basis only). `consistent`: log basis only: nothing contradicts the log's account, but no quote
 * authenticates it. `tainted`: the log's account of this PCR is unsound (does not reproduce the
 * quoted or expected value, or its event sequence is structurally invalid). `unknown`: not
 * quoted, or the quote failed.
 */
export type PcrStatus = 'authenticated' | 'consistent' | 'tainted' | 'unknown'

/** Stable reason codes: consumers switch on these, never on message text. */
export type TrustReasonCode =
  | 'NO_QUOTE'
  | 'QUOTE_INVALID'
  | 'PCR_NOT_QUOTED'
  | 'PCR_NOT_REPRODUCED'
  | 'PCR_STRUCTURE_INVALID'
  | 'PCR_BOUNDARY_MISSING'
  | 'EVENT_CONTENT_MISMATCH'
  | 'EVENT_CONTENT_UNBOUND'
  | 'EVENT_MISSING'

export interface TrustReason {
  code: TrustReasonCode
  message: string
  pcr?: number
  eventIndex?: number
}

/** Per-bank outcome of one PCR: its replay comparison status (a bank that did not select it has no entry). */
export type PcrBankStatus = PcrComparison['status']

export interface PcrTrust {
  pcr: number
  status: PcrStatus
  /** Why the PCR is not authenticated (absent when it is). */
  reason?: TrustReason
  /**
   * Why the PCR's event content cannot decide facts although its digests may be authenticated:
   * a PCR 0-7 without its EV_SEPARATOR has no pre-OS boundary (TCG PFP §3.3.4.1), so configuration
   * events in it could have been extended after boot.
   */
  contentReason?: TrustReason
  banks: Record<string, PcrBankStatus>
}

export interface EventTrust {
  trusted: boolean
  reason?: TrustReason
}

export interface AuthenticatedEvidence {
  readonly basis: TrustBasis
  readonly log: EventLog
  /** Replay of the authenticated banks (quote basis) or every bank (log basis), compared when values were given. */
  readonly replay: ReplayResult
  readonly integrity: IntegrityReport
  /** Structural findings (separators, masquerades, ordering): `checkEventLogStructure`. */
  readonly structure: readonly Finding[]
  /** Parse, structure, integrity and replay findings, in that order. */
  readonly findings: readonly Finding[]
  /** No error-severity finding. */
  readonly ok: boolean
  /** Every PCR 0-23 the log extends, the quote covers or a rule named. */
  readonly pcrs: ReadonlyMap<number, PcrTrust>
  /** PCRs with status `authenticated`, ascending. */
  readonly authenticatedPcrs: readonly number[]
  /** Why nothing is authenticated when the basis is `quote` but the quote failed. */
  readonly quoteProblem?: TrustReason
  /** Log basis restricted by the caller to these PCRs (the others are `unknown`). */
  readonly onlyPcrs?: readonly number[]
  /**
   * The Canonical Event Log of the same boot (systemd's tpm2-measure.log, a COS CEL), when one
   * was given: its PCR records were replayed after the firmware events (`replay` is then the
   * combined replay), so the PCR statuses above already account for them.
   */
  readonly cel?: CelEvidence
}

/** What the authentication stage established about a CEL given with the firmware log. */
export interface CelEvidence {
  readonly log: CelLog
  /** Content binding per record (`verifyCelContent`, attack R-02). */
  readonly integrity: CelIntegrityReport
  /** The CEL replayed alone; NV indices (systemd NvPCRs) under `nvpcrs`, never compared with a quote. */
  readonly replay: CelReplayResult
  /** PCRs (or MRs) the CEL extends. */
  readonly pcrs: readonly number[]
}

/** The trust record of one PCR (an `unknown` record for a PCR nothing mentions). */
export function pcrTrust(ev: AuthenticatedEvidence, pcr: number): PcrTrust {
  const t = ev.pcrs.get(pcr)
  if (t) return t
  if (ev.basis === 'log' && (!ev.onlyPcrs || ev.onlyPcrs.includes(pcr))) return { pcr, status: 'consistent', reason: { code: 'NO_QUOTE', message: 'no quote was given: nothing is authenticated', pcr }, banks: {} }
  const reason: TrustReason = ev.quoteProblem ?? { code: 'PCR_NOT_QUOTED', message: `PCR ${pcr} was not compared with a quote: not in its selection, or not a PCR the log accounts for (extended by it or named as coverage)`, pcr }
  return { pcr, status: 'unknown', reason, banks: {} }
}

/** Whether a PCR's event content may decide a fact (see `eventTrust`). */
export function pcrContentTrust(ev: AuthenticatedEvidence, pcr: number): EventTrust {
  const t = pcrDigestTrust(ev, pcr)
  if (!t.trusted) return t
  const c = pcrTrust(ev, pcr).contentReason
  return c ? { trusted: false, reason: c } : { trusted: true }
}

/**
 * Whether one event's content may decide a fact: its digest binds its data in every checked
 * bank (R-02) and its PCR's content is trusted (authenticated under a quote; not tainted and
 * bounded under a log basis).
 */
export function eventTrust(ev: AuthenticatedEvidence, index: number): EventTrust {
  const e = ev.log.events[index]
  if (!e) return { trusted: false, reason: { code: 'EVENT_MISSING', message: `event ${index} does not exist`, eventIndex: index } }
  const st = ev.integrity.events[index]?.status
  if (st !== 'verified') {
    return st === 'mismatch'
      ? { trusted: false, reason: { code: 'EVENT_CONTENT_MISMATCH', message: `event ${index} (${e.typeName}) content is not what was measured (digest mismatch)`, pcr: e.pcrIndex, eventIndex: index } }
      : { trusted: false, reason: { code: 'EVENT_CONTENT_UNBOUND', message: `event ${index} (${e.typeName}) content is not bound by its digest`, pcr: e.pcrIndex, eventIndex: index } }
  }
  return pcrContentTrust(ev, e.pcrIndex)
}

/**
 * Whether one CEL record's content may decide a fact: the same rule as `eventTrust`. Its content
 * must re-hash to its digest in every checked bank (`verifyCelContent`; a label beside a keyed or
 * foreign digest is attacker data), and its PCR's content must be trusted, which with a quote
 * means the firmware events and CEL records together reproduce the quoted value. An NV index
 * record is never trusted: no TPM2_Quote covers NV indices (TPM 2.0 Part 3 §18.4).
 */
export function celRecordTrust(ev: AuthenticatedEvidence, index: number): EventTrust {
  const r = ev.cel?.log.records[index]
  if (!r) return { trusted: false, reason: { code: 'EVENT_MISSING', message: `CEL record ${index} does not exist`, eventIndex: index } }
  const st = ev.cel!.integrity.records[index]
  if (st?.status !== 'verified') {
    return st?.status === 'mismatch'
      ? { trusted: false, reason: { code: 'EVENT_CONTENT_MISMATCH', message: `CEL record ${index} content is not what was measured (digest mismatch)`, ...(r.handle !== 'nv_index' ? { pcr: r.register } : {}), eventIndex: index } }
      : { trusted: false, reason: { code: 'EVENT_CONTENT_UNBOUND', message: `CEL record ${index} content is not bound by its digest${st?.unboundReason ? ` (${st.unboundReason})` : ''}`, ...(r.handle !== 'nv_index' ? { pcr: r.register } : {}), eventIndex: index } }
  }
  if (r.handle === 'nv_index') return { trusted: false, reason: { code: 'PCR_NOT_QUOTED', message: `CEL record ${index} extends NV index 0x${r.register.toString(16)}, which no quote covers (quotes select PCRs only)`, eventIndex: index } }
  return pcrContentTrust(ev, r.register)
}

/**
 * Whether the absence of events in `pcrs` may be trusted: only the sequence within a quoted,
 * reproduced PCR is authenticated, so "nothing contrary was measured" holds only when every PCR
 * where a contrary event could be measured is authenticated (quote basis) or untainted (log basis).
 * The numbers are registers of the log itself (CC MR indices in a CC event log). A TPM PCR number
 * is not translated to the MR its measurements go to (UEFI 2.10 §38.4.1: PCR 1 and 7 → MR 1, 2-6 →
 * MR 2, 8-15 → MR 3): only the extractor knows whether it searched that MR, so an extractor that
 * reads a CCEL names its MRs, and "no event in PCR 8" about a CCEL is not authenticated.
 */
export function absenceTrust(ev: AuthenticatedEvidence, pcrs: readonly number[]): EventTrust {
  for (const p of pcrs) {
    const t = pcrDigestTrust(ev, p)
    if (!t.trusted) return t
  }
  return { trusted: true }
}

/**
 * Whether a PCR's digests (not its event data) are trusted: the digest sequence of an
 * authenticated PCR is what the TPM measured, whatever the event types and data say.
 */
export function pcrDigestTrust(ev: AuthenticatedEvidence, pcr: number): EventTrust {
  const t = pcrTrust(ev, pcr)
  return t.status === 'authenticated' || t.status === 'consistent' ? { trusted: true } : { trusted: false, reason: t.reason! }
}
