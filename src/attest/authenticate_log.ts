/**
 * The one pass over a parsed event log: replay, content integrity and structure, run once, then
 * folded with what a quote authenticated into an `AuthenticatedEvidence` value (evidence.ts).
 *
 * Every other module (boot state, appraisal, derivation, diff, the CLI) reads that value and
 * never replays or re-checks the log itself.
 */
import { hasErrors, type Finding } from '../findings.js'
import type { HashProvider } from '../hash/provider.js'
import { verifyEventIntegrity } from '../eventlog/integrity.js'
import type { PcrValues, PcrValuesInput } from '../eventlog/pcr_values.js'
import { compareReplay, isExtended, replayEventLog, type ReplayResult } from '../eventlog/replay.js'
import { checkEventLogStructure } from '../eventlog/structure.js'
import type { EventLog } from '../eventlog/types.js'
import type { CelLog } from '../cel/types.js'
import { checkCel, compareCombined, type CelChecks } from './combine_cel.js'
import type { AuthenticatedEvidence, PcrTrust, TrustBasis, TrustReason } from './evidence.js'

export interface AuthenticateLogOptions {
  hash?: HashProvider
  /** Replay and integrity-check only these banks (the quoted ones: other banks prove nothing, attack Q-07). */
  banks?: readonly string[]
  /**
   * The Canonical Event Log of the same boot (e.g. systemd's tpm2-measure.log, `parseCel`): its
   * PCR records are replayed after the firmware events of each PCR (src/attest/combine_cel.ts).
   */
  celLog?: CelLog
}

/** Replay (uncompared), integrity and structure of one log: the raw material of the evidence. */
export interface LogChecks {
  log: EventLog
  replay: ReplayResult
  integrity: ReturnType<typeof verifyEventIntegrity>
  structure: Finding[]
  /** The CEL's checks and the combined replay, when `celLog` was given. */
  cel?: CelChecks
}

/** Run replay, integrity and structure once. */
export function checkLog(log: EventLog, options: AuthenticateLogOptions = {}): LogChecks {
  const opts = { ...(options.hash ? { hash: options.hash } : {}), ...(options.banks ? { banks: options.banks } : {}) }
  const replay = replayEventLog(log, opts)
  const integrity = verifyEventIntegrity(log, opts)
  const structure = checkEventLogStructure(log, { ...(options.hash ? { hash: options.hash } : {}), integrity })
  const cel = options.celLog ? checkCel(log, replay, options.celLog, opts) : undefined
  return { log, replay, integrity, structure, ...(cel ? { cel } : {}) }
}

export interface EvidenceInput {
  checks: LogChecks
  basis: TrustBasis
  /**
   * Values to compare the replay with: the quote's authenticated PCRs (quote basis) or values the
   * caller supplied (log basis: compared and reported, but nothing becomes authenticated).
   */
  expected?: PcrValues | PcrValuesInput
  /** Quote basis: the quote failed, so no PCR is authenticated. */
  quoteProblem?: TrustReason
  /** Log basis: trust only these PCRs (the caller knows the others are not covered by its quote). */
  onlyPcrs?: readonly number[]
  /**
   * Findings of the register source's own replay rules, reported with the replay's (a CCEL record
   * on a register no RTMR reproduces: authenticate_ccel.ts).
   */
  replayFindings?: readonly Finding[]
}

/**
 * Structure warnings that leave a PCR's pre-OS boundary unestablished or ambiguous: no separator
 * (a partial log), a separator measured into the wrong TDX register by pre-2024-11 edk2 (so one
 * MR holds two boundaries and the next none), a boot path that ran twice. Incomplete is not
 * tampered: the digests stay authenticated, but configuration content cannot be placed before
 * the boundary, so it decides no fact (TCG PFP §3.3.4.1, attack R-03).
 */
const BOUNDARY_CODES = new Set(['SEPARATOR_MISSING', 'SEPARATOR_MISPLACED_MR', 'SEPARATOR_REPEATED_BOOT'])

/** Structural findings that taint a PCR (error severity), and PCRs lacking their pre-OS boundary. */
function structuralTrust(structure: readonly Finding[]): { tainted: Map<number, TrustReason>; unbounded: Map<number, TrustReason> } {
  const tainted = new Map<number, TrustReason>()
  const unbounded = new Map<number, TrustReason>()
  for (const f of structure) {
    if (f.pcr === undefined) continue
    if (f.severity === 'error' && !tainted.has(f.pcr)) {
      tainted.set(f.pcr, { code: 'PCR_STRUCTURE_INVALID', message: `PCR ${f.pcr}'s event sequence is structurally invalid (${f.code}${f.eventIndex !== undefined ? ` at event ${f.eventIndex}` : ''})`, pcr: f.pcr, ...(f.eventIndex !== undefined ? { eventIndex: f.eventIndex } : {}) })
    } else if (BOUNDARY_CODES.has(f.code) && !unbounded.has(f.pcr)) {
      unbounded.set(f.pcr, { code: 'PCR_BOUNDARY_MISSING', message: `PCR ${f.pcr} has no single pre-OS boundary (${f.code}): its configuration events cannot be placed before it`, pcr: f.pcr })
    }
  }
  return { tainted, unbounded }
}

/** Fold the checks and the comparison into the evidence value. */
export function buildEvidence(input: EvidenceInput): AuthenticatedEvidence {
  const { checks, basis } = input
  const { log } = checks
  // With a CEL, PCRs are compared on firmware events then CEL records (one boot, one register set).
  const cel = checks.cel
  const compared = cel ? (input.expected ? compareCombined(log, cel, input.expected) : cel.combined) : input.expected ? compareReplay(log, checks.replay, input.expected) : checks.replay
  const extra = input.replayFindings ?? []
  const replay = extra.length ? { ...compared, findings: [...compared.findings, ...extra], ok: compared.ok && !hasErrors(extra) } : compared
  const { tainted, unbounded } = structuralTrust(checks.structure)
  const pcrs = new Map<number, PcrTrust>()
  const get = (pcr: number): PcrTrust => {
    let t = pcrs.get(pcr)
    if (!t) pcrs.set(pcr, (t = { pcr, status: 'unknown', banks: {} }))
    return t
  }
  for (const e of log.events) if (isExtended(log, e.eventType, e.pcrIndex)) get(e.pcrIndex)
  for (const p of cel?.pcrs ?? []) if (p <= 23) get(p)
  for (const c of replay.comparisons ?? []) get(c.pcr).banks[c.bank] = c.status
  for (const t of pcrs.values()) {
    // A PCR is authenticated when every quoted bank that covers it reproduces it: a bank whose
    // selection leaves it out says nothing about it either way (its digests are not read).
    const bad = Object.entries(t.banks).find(([, s]) => s !== 'match')
    const compared = Object.keys(t.banks).length > 0
    const taint = tainted.get(t.pcr)
    if (bad) {
      t.status = 'tainted'
      t.reason = { code: 'PCR_NOT_REPRODUCED', message: `${bad[0]}:${t.pcr}: the event log does not reproduce the ${basis === 'quote' ? 'quoted' : 'expected'} value (${bad[1]})`, pcr: t.pcr }
    } else if (taint) {
      t.status = 'tainted'
      t.reason = taint
    } else if (basis === 'log' && input.onlyPcrs && !input.onlyPcrs.includes(t.pcr)) {
      t.reason = { code: 'PCR_NOT_QUOTED', message: `PCR ${t.pcr} is not covered by the quote`, pcr: t.pcr }
    } else if (basis === 'log') {
      t.status = 'consistent'
      t.reason = { code: 'NO_QUOTE', message: 'no quote was given: nothing is authenticated', pcr: t.pcr }
    } else if (input.quoteProblem) {
      t.reason = { ...input.quoteProblem, pcr: t.pcr }
    } else if (!compared) {
      t.reason = { code: 'PCR_NOT_QUOTED', message: `PCR ${t.pcr} was not compared with a quote: not in its selection, or not a PCR the log accounts for (extended by it or named as coverage)`, pcr: t.pcr }
    } else {
      t.status = 'authenticated'
    }
    const ub = unbounded.get(t.pcr)
    if (ub) t.contentReason = ub
  }
  const findings = [...log.findings, ...checks.structure, ...checks.integrity.findings, ...(cel ? [...cel.log.findings, ...cel.integrity.findings, ...nvFindings(cel)] : []), ...replay.findings]
  const authenticatedPcrs = [...pcrs.values()].filter((t) => t.status === 'authenticated').map((t) => t.pcr).sort((a, b) => a - b)
  const ev: AuthenticatedEvidence = {
    basis,
    log,
    replay,
    integrity: checks.integrity,
    structure: checks.structure,
    findings,
    ok: !hasErrors(findings),
    pcrs,
    authenticatedPcrs,
    ...(input.quoteProblem ? { quoteProblem: input.quoteProblem } : {}),
    ...(input.onlyPcrs ? { onlyPcrs: [...input.onlyPcrs] } : {}),
    ...(cel ? { cel: { log: cel.log, integrity: cel.integrity, replay: cel.replay, pcrs: cel.pcrs } } : {}),
  }
  return Object.freeze(ev)
}

/** NV indices are replayed and reported, never authenticated: no TPM2_Quote selects them (TPM 2.0 Part 3 §18.4). */
function nvFindings(cel: CelChecks): Finding[] {
  const nv = [...new Set(cel.log.records.filter((r) => r.handle === 'nv_index').map((r) => r.register))]
  if (!nv.length) return []
  return [{ code: 'CEL_NV_INDEX_NOT_QUOTED', severity: 'info', message: `the CEL extends NV index(es) ${nv.map((i) => `0x${i.toString(16)}`).join(', ')} (systemd NvPCRs): replayed and reported under nvpcrs, but no quote covers NV indices, so nothing read from them is trusted` }]
}

/**
 * Evidence from a log alone (no quote): for golden-image derivation, inspection and diffs.
 * `expected` values (e.g. a PCR file) are compared and reported, never authenticated.
 */
export function authenticateLog(log: EventLog, options: AuthenticateLogOptions & { expected?: PcrValues | PcrValuesInput; onlyPcrs?: Iterable<number> } = {}): AuthenticatedEvidence {
  return buildEvidence({ checks: checkLog(log, options), basis: 'log', ...(options.expected ? { expected: options.expected } : {}), ...(options.onlyPcrs ? { onlyPcrs: [...options.onlyPcrs] } : {}) })
}
