/**
 * `appraisePolicy`: compare evidence with a Policy v1 and return structured findings, one result per
 * component, and a summary per check (issue 4; docs/policy.md).
 *
 * Fail closed (reference-values-and-verdicts.md §8, attacks H-07, H-10, H-11):
 * - the policy is (re)validated; an unknown version throws ERR_POLICY_VERSION;
 * - a PCR is *authenticated* only when a valid quote covers it in every required bank and the log
 *   replays to the quoted value in each of those banks, and its event sequence is structurally sound;
 * - every PCR a rule uses must be authenticated, otherwise an error finding;
 * - evidence a rule needs but that is absent (quote, log, state, Windows state, counters) gives an
 *   error finding, never a pass;
 * - a boot-state fact is used only when it is trusted *and* all its source events sit in
 *   authenticated PCRs; otherwise POLICY_FACT_UNTRUSTED. Facts that show something bad (a forbidden
 *   digest, debug mode) are reported even when untrusted.
 */
import type { IntegrityReport } from '../eventlog/integrity.js'
import { verifyEventIntegrity } from '../eventlog/integrity.js'
import { isExtended, replayEventLog, type ReplayResult } from '../eventlog/replay.js'
import { checkEventLogStructure } from '../eventlog/structure.js'
import type { EventLog, TcgEvent } from '../eventlog/types.js'
import { toHex } from '../bytes/hex.js'
import type { Finding } from '../findings.js'
import type { BootState } from '../state/boot_state.js'
import { extractBootState } from '../state/boot_state.js'
import type { Authority, SignatureDb, SignatureDbEntry } from '../state/secure_boot.js'
import { resolveAk, type AkInput, type AkMaterial, type AkParts } from '../tpm/ak.js'
import { isRocaVulnerableModulus } from '../tpm/roca.js'
import type { VerifyQuoteResult } from '../tpm/verify_quote.js'
import type { VerifyQuotesResult } from '../tpm/verify_quotes.js'
import { parseCertificate } from '../x509/certificate.js'
import { rsaBits, spkiToKeyMaterial, stripLeadingZeros } from '../x509/spki.js'
import type { AppraisalComponent, PolicyFinding } from './codes.js'
import { describeDigest, describeEntry, digestMatches, matchChain, type ChainRule, type SlotEvent } from './match.js'
import { compileSafePattern } from './safe_pattern.js'
import { parseSbatLevel, sbatShortfalls } from './sbat.js'
import { WINDOWS_CLAIM_NAMES, type AuthorityMatch, type EventEntry, type EventRule, type ComponentKind, type CounterRule, type DigestSpec, type Policy, type PolicyBank, type SignatureRef } from './types.js'
import { eventTypeNumber, secureBootChecks, slotKey, validatePolicy } from './validate.js'

/** A boot-state fact as the appraisal reads it (structurally `Fact<T>` of src/state/fact.ts). */
export interface PolicyFact<T = unknown> {
  value: T
  trusted: boolean
  events: number[]
  reason?: string
}

/** The part of the Windows state (src/state/windows) the appraisal reads. */
export interface WindowsStateLike {
  detected?: boolean
  claims: Partial<Record<WindowsClaimName, PolicyFact>>
  bootModules?: { authenticodeHash?: string; filePath?: string; events: number[] }[]
}

export type WindowsClaimName = (typeof WINDOWS_CLAIM_NAMES)[number]

/** A `BootState`, or a hand-built one whose Windows part has only what the appraisal reads. */
export type AppraisalState = Omit<BootState, 'windows'> & { windows?: WindowsStateLike }

/** What the appraisal needs from a quote verification. `VerifyQuoteResult` / `VerifyQuotesResult` are accepted as is. */
export interface QuoteEvidenceSummary {
  /** Every quote check passed (signature, nonce, selection, pcrDigest, ...). */
  valid: boolean
  /** PCR values authenticated by the quote: bank → decimal index → lowercase hex. */
  pcrs: Record<string, Record<string, string>>
  resetCount?: number
  restartCount?: number
  clock?: bigint | number
  /** The AK certificate chained to the policy's `trustedAkRoots` (passed as trust anchors). */
  akChainVerified?: boolean
}

export interface PreviousQuoteState {
  resetCount: number
  restartCount: number
  clock: bigint | number
}

export interface AppraisalInput {
  /** A Policy v1 object (validated again here) or JSON text. */
  policy: Policy | unknown
  log?: EventLog
  /** Replay of `log` compared with the quoted PCRs; computed from `quote.pcrs` when absent. */
  replay?: ReplayResult
  integrity?: IntegrityReport
  /** Boot state; extracted from `log` (with the authenticated PCRs) when absent. */
  state?: AppraisalState
  quote?: VerifyQuoteResult | VerifyQuotesResult | QuoteEvidenceSummary
  /** Counters of the last accepted quote of this AK, for the freshness rules. */
  previous?: PreviousQuoteState
  /** The quote's extraData was compared with the verifier's fresh nonce and matched. */
  nonceChecked?: boolean
  /**
   * The AK given to verifyQuote (public area, SPKI, certificate or parts). Its RSA modulus is
   * tested for the ROCA fingerprint (attack P-07); without it the `tpm` check does not run.
   */
  ak?: AkInput
}

export type ComponentStatus = 'affirming' | 'warning' | 'contraindicated' | 'none'

export interface ComponentMatch {
  /** JSON pointer of the rule, e.g. `/eventRules/3`. */
  reference: string
  id?: string
  name?: string
  /** Alternative index and name that matched. */
  alternative?: number
  alternativeName?: string
  events: number[]
}

export interface ComponentResult {
  component: AppraisalComponent
  status: ComponentStatus
  findings: PolicyFinding[]
  /** Rules of this component that matched, with the alternative chosen. */
  matched: ComponentMatch[]
}

export type CheckName = 'quote' | 'banks' | 'pcrs' | 'pcrValues' | 'eventRules' | 'digests' | 'secureBoot' | 'kernelCmdline' | 'windows' | 'platform' | 'freshness' | 'akRoots' | 'tpm'

export interface CheckSummary {
  status: 'pass' | 'warn' | 'fail' | 'not-configured'
  findings: number
}

export interface AppraisalResult {
  policyId: string
  /** No error-severity finding. The verdict still decides the status (this is one input). */
  ok: boolean
  findings: PolicyFinding[]
  components: ComponentResult[]
  checks: Record<CheckName, CheckSummary>
  /** PCRs the policy uses (required, pinned, governed by rules, PCR 7 for Secure Boot rules, PCR 0 for a pinned start locality). */
  relevantPcrs: number[]
  /** PCRs that are authenticated: quoted in every required bank, replayed, structurally sound. */
  authenticatedPcrs: number[]
}

/** Default component of an event on a PCR (PC Client PFP PCR usage). */
export function componentForPcr(pcr: number): ComponentKind {
  switch (pcr) {
    case 0:
      return 'platform-firmware'
    case 2:
      return 'option-roms'
    case 1:
    case 3:
    case 5:
    case 6:
      return 'platform-config'
    case 4:
      return 'boot-loader'
    case 7:
      return 'secure-boot'
    case 8:
    case 9:
      return 'boot-config'
    case 11:
      return 'os-kernel'
    case 12:
    case 13:
    case 14:
      return 'boot-config'
    default:
      return 'other'
  }
}

function normalizeQuote(q: AppraisalInput['quote']): QuoteEvidenceSummary | undefined {
  if (!q) return undefined
  if ('checks' in q && Array.isArray((q as VerifyQuoteResult).checks)) {
    const r = q as VerifyQuoteResult | VerifyQuotesResult
    // ak.chain must pass, and never fail for any quote
    const chain = r.checks.filter((c) => c.id === 'ak.chain')
    const out: QuoteEvidenceSummary = { valid: r.valid, pcrs: r.valid ? r.pcrs : {}, akChainVerified: chain.length > 0 && chain.every((c) => c.ok) }
    // verifyQuotes: several quotes of one boot (quotes.consistency checks they agree); the latest clock counts.
    const summaries = 'quotes' in r ? r.quotes.filter((x): x is NonNullable<typeof x> => !!x) : r.quote ? [r.quote] : []
    const last = summaries.reduce<(typeof summaries)[number] | undefined>((a, b) => (!a || b.clock > a.clock ? b : a), undefined)
    if (last) {
      out.resetCount = last.resetCount
      out.restartCount = last.restartCount
      out.clock = last.clock
    }
    return out
  }
  const s = q as QuoteEvidenceSummary
  return { ...s, pcrs: s.valid ? s.pcrs ?? {} : {} }
}

const big = (v: bigint | number): bigint => (typeof v === 'bigint' ? v : BigInt(Math.trunc(v)))

interface Ctx {
  policy: Policy
  banks: PolicyBank[]
  log: EventLog | undefined
  quote: QuoteEvidenceSummary | undefined
  findings: PolicyFinding[]
  /** Findings per component, including shared trust findings. */
  byComponent: Map<AppraisalComponent, PolicyFinding[]>
  matched: Map<AppraisalComponent, ComponentMatch[]>
  touched: Set<AppraisalComponent>
  checkFindings: Map<CheckName, PolicyFinding[]>
  configured: Set<CheckName>
  authenticated: Set<number>
  /** Why a PCR is not authenticated (first reason), with the finding. */
  pcrProblems: Map<number, PolicyFinding>
  /** No quote / an invalid quote: attached to every component, none can be affirming. */
  quoteProblem?: PolicyFinding
}

function emit(ctx: Ctx, check: CheckName, f: Omit<PolicyFinding, 'severity'> & { severity?: PolicyFinding['severity'] }, extraComponents: AppraisalComponent[] = []): PolicyFinding {
  const finding = { severity: 'error', ...f } as PolicyFinding
  ctx.findings.push(finding)
  for (const c of new Set([finding.component, ...extraComponents])) {
    const list = ctx.byComponent.get(c) ?? []
    list.push(finding)
    ctx.byComponent.set(c, list)
    ctx.touched.add(c)
  }
  const cl = ctx.checkFindings.get(check) ?? []
  cl.push(finding)
  ctx.checkFindings.set(check, cl)
  return finding
}

/** Record a matched rule of a component (in order). */
function addMatch(ctx: Ctx, component: AppraisalComponent, m: ComponentMatch): void {
  const list = ctx.matched.get(component)
  if (list) list.push(m)
  else ctx.matched.set(component, [m])
}

/** Attach an existing finding (e.g. a PCR trust problem) to another component. */
function attach(ctx: Ctx, component: AppraisalComponent, f: PolicyFinding): void {
  const list = ctx.byComponent.get(component) ?? []
  if (!list.includes(f)) list.push(f)
  ctx.byComponent.set(component, list)
  ctx.touched.add(component)
}

/** `abcdef…` (16 hex digits) for messages; keeps a `bank:` prefix. The full value is in `observed` / `expected`. */
function short(hex: string): string {
  const i = hex.indexOf(':')
  const [pre, h] = i >= 0 ? [hex.slice(0, i + 1), hex.slice(i + 1)] : ['', hex]
  return h.length > 20 ? `${pre}${h.slice(0, 16)}…` : hex
}

/**
 * An event's digests as bank → lowercase hex, encoded on first read of each bank: rules compare
 * one or two banks, so most events never need the others' hex. Reads only (the policy banks).
 */
class EventDigestHex {
  private readonly ev: TcgEvent
  private h1: string | undefined | null = null
  private h256: string | undefined | null = null
  private h384: string | undefined | null = null
  private h512: string | undefined | null = null
  private hsm3: string | undefined | null = null
  constructor(ev: TcgEvent) {
    this.ev = ev
  }
  private hex(bank: string): string | undefined {
    let v: string | undefined
    for (const d of this.ev.digests) if (d.bank === bank) v = toHex(d.digest)
    return v
  }
  get sha1(): string | undefined {
    return this.h1 === null ? (this.h1 = this.hex('sha1')) : this.h1
  }
  get sha256(): string | undefined {
    return this.h256 === null ? (this.h256 = this.hex('sha256')) : this.h256
  }
  get sha384(): string | undefined {
    return this.h384 === null ? (this.h384 = this.hex('sha384')) : this.h384
  }
  get sha512(): string | undefined {
    return this.h512 === null ? (this.h512 = this.hex('sha512')) : this.h512
  }
  get sm3_256(): string | undefined {
    return this.hsm3 === null ? (this.hsm3 = this.hex('sm3_256')) : this.hsm3
  }
}

/** bank → hex of an event's digests, for the policy banks (the only ones rules and messages read). */
function eventDigests(ev: TcgEvent): Record<string, string> {
  return new EventDigestHex(ev) as unknown as Record<string, string>
}

// ---------------------------------------------------------------- attestation: quote, banks, PCRs

function relevantPcrs(p: Policy): Set<number> {
  const s = new Set<number>(p.pcrs?.required ?? [])
  for (const r of p.pcrValues ?? []) s.add(r.pcr)
  for (const r of p.eventRules ?? []) s.add(r.pcr)
  for (const d of [...(p.digests?.required ?? []), ...(p.digests?.forbidden ?? [])]) if (d.pcr !== undefined) s.add(d.pcr)
  if (secureBootChecks(p.secureBoot)) s.add(7)
  if (p.platform?.startupLocality !== undefined) s.add(0)
  return s
}

/**
 * Structure findings the pipeline (verifyAttestation) already computed for a log and its integrity
 * report, with the default hash provider: checkAttestation would compute exactly the same list.
 * Keyed by the integrity report, which is made fresh for each verification.
 */
const KNOWN_STRUCTURE = new WeakMap<IntegrityReport, { log: EventLog; findings: readonly Finding[] }>()

/** @internal For verifyAttestation: `findings` = checkEventLogStructure(log, { integrity }). */
export function rememberStructure(log: EventLog, integrity: IntegrityReport, findings: readonly Finding[]): void {
  KNOWN_STRUCTURE.set(integrity, { log, findings })
}

function checkAttestation(ctx: Ctx, input: AppraisalInput, relevant: Set<number>): ReplayResult | undefined {
  const { quote, log, banks } = ctx
  ctx.configured.add('quote').add('banks').add('pcrs')
  if (!quote) {
    ctx.quoteProblem = emit(ctx, 'quote', { code: 'POLICY_EVIDENCE_MISSING', component: 'attestation', message: 'no quote was supplied: no PCR is authenticated, so nothing the policy checks can be trusted' })
  } else if (!quote.valid) {
    ctx.quoteProblem = emit(ctx, 'quote', { code: 'POLICY_QUOTE_INVALID', component: 'attestation', message: 'the quote did not verify: no PCR is authenticated' })
  }
  for (const bank of banks) {
    if (quote?.valid && !quote.pcrs[bank]) emit(ctx, 'banks', { code: 'POLICY_BANK_MISSING', component: 'attestation', bank, message: `the quote authenticates no ${bank} PCRs; the policy requires the ${bank} bank` })
    if (log && !log.algorithms.some((a) => a.bank === bank)) emit(ctx, 'banks', { code: 'POLICY_BANK_MISSING', component: 'attestation', bank, message: `the event log carries no ${bank} digests; the policy requires the ${bank} bank` })
  }
  let replay = input.replay
  if (!replay && log && quote?.valid) replay = replayEventLog(log, { expected: quote.pcrs })
  // Structural soundness (retyped separators, config after separator, ...): a tainted PCR's content is not trusted.
  const tainted = new Map<number, Finding>()
  if (log) {
    const integrity = input.integrity ?? verifyEventIntegrity(log)
    const known = KNOWN_STRUCTURE.get(integrity)
    const structure = known && known.log === log ? known.findings : checkEventLogStructure(log, { integrity })
    for (const f of structure) if (f.severity === 'error' && f.pcr !== undefined && !tainted.has(f.pcr)) tainted.set(f.pcr, f)
  }
  // Every PCR the quote covers is assessed, so facts from PCRs the policy does not name explicitly
  // (Windows claims in PCR 12-14, systemd-stub's command line in PCR 12) can still be trusted; only
  // problems of relevant PCRs are findings.
  const assessed = new Set(relevant)
  if (quote?.valid) for (const b of banks) for (const k of Object.keys(quote.pcrs[b] ?? {})) assessed.add(Number(k))
  for (const pcr of [...assessed].sort((a, b) => a - b)) {
    const isRelevant = relevant.has(pcr)
    const emitIf = (f: Parameters<typeof emit>[2]): PolicyFinding => (isRelevant ? emit(ctx, 'pcrs', f) : ({ severity: 'error', ...f } as PolicyFinding))
    let problem: PolicyFinding | undefined
    for (const bank of banks) {
      if (problem) break
      const q = quote?.valid ? quote.pcrs[bank]?.[String(pcr)] : undefined
      if (q === undefined) {
        if (quote?.valid && quote.pcrs[bank]) problem = emitIf({ code: 'POLICY_PCR_NOT_QUOTED', component: 'attestation', pcr, bank, message: `${bank}:${pcr} is used by the policy but is not in the signed quote selection` })
        continue
      }
      if (!log) continue
      const cmp = replay?.comparisons?.find((c) => c.bank === bank && c.pcr === pcr)
      if (!cmp || cmp.status !== 'match') {
        problem = emitIf({
          code: 'POLICY_PCR_UNVERIFIED',
          component: 'attestation',
          pcr,
          bank,
          expected: q,
          ...(cmp?.observed ? { observed: toHex(cmp.observed) } : {}),
          ...(cmp?.events.length ? { relatedEvents: cmp.events } : {}),
          message: cmp ? `${bank}:${pcr}: the event log does not replay to the quoted value (${cmp.status}); its events cannot be trusted` : `${bank}:${pcr}: the replay was not compared with the quoted value`,
        })
      }
    }
    const t = tainted.get(pcr)
    if (!problem && t) {
      problem = emitIf({ code: 'POLICY_PCR_UNVERIFIED', component: 'attestation', pcr, ...(t.eventIndex !== undefined ? { eventIndex: t.eventIndex } : {}), message: `PCR ${pcr}'s event sequence is structurally invalid (${t.code}); its events cannot be trusted` })
    }
    const quoted = quote?.valid && banks.every((b) => quote.pcrs[b]?.[String(pcr)] !== undefined)
    if (problem) ctx.pcrProblems.set(pcr, problem)
    else if (quoted) ctx.authenticated.add(pcr)
  }
  return replay
}

// ---------------------------------------------------------------- golden PCR values

function checkPcrValues(ctx: Ctx, replay: ReplayResult | undefined): void {
  const rules = ctx.policy.pcrValues ?? []
  if (!rules.length) return
  ctx.configured.add('pcrValues')
  rules.forEach((r, i) => {
    const component = r.component ?? componentForPcr(r.pcr)
    ctx.touched.add(component)
    const reference = `/pcrValues/${i}`
    const observed = ctx.quote?.valid ? ctx.quote.pcrs[r.bank]?.[String(r.pcr)] : undefined
    if (observed === undefined) {
      emit(ctx, 'pcrValues', { code: 'POLICY_PCR_NOT_QUOTED', component, pcr: r.pcr, bank: r.bank, reference, ...(r.name ? { componentName: r.name } : {}), message: `${r.bank}:${r.pcr} has a golden value but is not authenticated by a valid quote` })
      return
    }
    if (r.alternatives.includes(observed)) {
      const m: ComponentMatch = { reference, events: replay?.banks.get(r.bank)?.pcrs.get(r.pcr)?.events ?? [], alternative: r.alternatives.indexOf(observed) }
      if (r.name) m.name = r.name
      addMatch(ctx, component, m)
      return
    }
    const events = replay?.banks.get(r.bank)?.pcrs.get(r.pcr)?.events
    emit(ctx, 'pcrValues', {
      code: 'POLICY_PCR_MISMATCH',
      component,
      pcr: r.pcr,
      bank: r.bank,
      reference,
      ...(r.name ? { componentName: r.name } : {}),
      expected: r.alternatives.join(' | '),
      observed,
      ...(events?.length ? { relatedEvents: events } : {}),
      message: `${r.bank}:${r.pcr} = ${short(observed)} is none of the ${r.alternatives.length} golden value(s)${events?.length ? `; compare its ${events.length} events with a known-good log (bootproof diff)` : ''}`,
    })
  })
}

// ---------------------------------------------------------------- event rules

/**
 * What checkEventRules derives from the rules alone: the slots (chains of rules in policy order),
 * the slot of each (PCR, event type) and the governed PCRs. A validated policy is deep-frozen, so
 * this is computed once per policy object and kept in a WeakMap.
 */
interface RulesPlan {
  slots: Map<string, ChainRule[]>
  /** pcr → event type → slot key; `star` for rules without eventTypes. */
  typeToSlot: Map<number, { types: Map<number, string>; star?: string }>
  governed: Set<number>
}

const RULES_PLANS = new WeakMap<readonly EventRule[], RulesPlan>()

function rulesPlan(rules: readonly EventRule[]): RulesPlan {
  let plan = RULES_PLANS.get(rules)
  if (plan) return plan
  const slots = new Map<string, ChainRule[]>()
  const typeToSlot = new Map<number, { types: Map<number, string>; star?: string }>()
  rules.forEach((rule, ruleIndex) => {
    const key = slotKey(rule)
    const chain = slots.get(key)
    if (chain) chain.push({ rule, ruleIndex })
    else slots.set(key, [{ rule, ruleIndex }])
    let byPcr = typeToSlot.get(rule.pcr)
    if (!byPcr) typeToSlot.set(rule.pcr, (byPcr = { types: new Map() }))
    if (rule.eventTypes) {
      for (const x of rule.eventTypes) {
        const t = eventTypeNumber(x)
        if (t !== undefined) byPcr.types.set(t, key)
      }
    } else byPcr.star = key
  })
  plan = { slots, typeToSlot, governed: new Set(rules.map((r) => r.pcr)) }
  // Only frozen (validated) rule lists are stable enough to cache.
  if (Object.isFrozen(rules)) RULES_PLANS.set(rules, plan)
  return plan
}

const SET_ENTRIES = new WeakMap<EventRule, readonly EventEntry[]>()

/** Every entry of every alternative of a `set` rule (cached for frozen rules). */
function setEntries(rule: EventRule): readonly EventEntry[] {
  let out = SET_ENTRIES.get(rule)
  if (out) return out
  out = (rule.alternatives ?? []).flatMap((a) => a.events)
  if (Object.isFrozen(rule)) SET_ENTRIES.set(rule, out)
  return out
}

function checkEventRules(ctx: Ctx): void {
  const rules = ctx.policy.eventRules ?? []
  if (!rules.length) return
  ctx.configured.add('eventRules')
  for (const r of rules) ctx.touched.add(r.component)
  const log = ctx.log
  if (!log) {
    emit(ctx, 'eventRules', { code: 'POLICY_EVIDENCE_MISSING', component: rules[0]!.component, message: 'the policy has event rules but no event log was supplied' }, rules.map((r) => r.component))
    return
  }
  // slots
  const { slots, typeToSlot, governed } = rulesPlan(rules)
  // PCR trust problems concern every component with rules on that PCR.
  for (const r of rules) {
    const prob = ctx.pcrProblems.get(r.pcr)
    if (prob) attach(ctx, r.component, prob)
    else if (!ctx.authenticated.has(r.pcr) && ctx.quote?.valid) {
      // not quoted in some bank without a finding yet (e.g. the quote has no such bank)
      const f = emit(ctx, 'eventRules', { code: 'POLICY_PCR_NOT_QUOTED', component: r.component, pcr: r.pcr, message: `PCR ${r.pcr} is governed by event rules but is not authenticated in every required bank` })
      ctx.pcrProblems.set(r.pcr, f)
    }
  }
  const slotEvents = new Map<string, SlotEvent[]>()
  for (const ev of log.events) {
    if (!governed.has(ev.pcrIndex) || !isExtended(log, ev.eventType, ev.pcrIndex)) continue
    const byPcr = typeToSlot.get(ev.pcrIndex)
    const key = byPcr ? byPcr.types.get(ev.eventType) ?? byPcr.star : undefined
    const se: SlotEvent = { index: ev.index, pcr: ev.pcrIndex, typeName: ev.typeName, digests: eventDigests(ev) }
    if (!key) {
      emit(ctx, 'eventRules', {
        code: 'POLICY_EVENT_UNEXPECTED',
        component: componentForPcr(ev.pcrIndex),
        pcr: ev.pcrIndex,
        eventIndex: ev.index,
        eventType: ev.typeName,
        observed: describeDigest(se.digests, ctx.banks),
        message: `event ${ev.index} (${ev.typeName}) in PCR ${ev.pcrIndex}: the policy allows no ${ev.typeName} events in PCR ${ev.pcrIndex}`,
      })
      continue
    }
    const list = slotEvents.get(key)
    if (list) list.push(se)
    else slotEvents.set(key, [se])
  }
  for (const [key, chain] of slots) {
    const events = slotEvents.get(key) ?? []
    const mode = chain[0]!.rule.match ?? 'sequence'
    const ref = (c: ChainRule) => c.rule.id ?? `/eventRules/${c.ruleIndex}`
    const named = (c: ChainRule) => (c.rule.name ? { componentName: c.rule.name } : {})
    const record = (c: ChainRule, events: number[], alternative?: number) => {
      const m: ComponentMatch = { reference: `/eventRules/${c.ruleIndex}`, events }
      if (c.rule.id) m.id = c.rule.id
      if (c.rule.name) m.name = c.rule.name
      if (alternative !== undefined) {
        m.alternative = alternative
        const an = c.rule.alternatives?.[alternative]?.name
        if (an) m.alternativeName = an
      }
      addMatch(ctx, c.rule.component, m)
    }
    if (mode === 'any') {
      record(chain[0]!, events.map((e) => e.index))
      continue
    }
    if (mode === 'set') {
      const c = chain[0]!
      const entries = setEntries(c.rule)
      let bad = false
      for (const ev of events) {
        if (!entries.some((e) => !e.any && digestMatches(e, ev.digests, ctx.banks))) {
          bad = true
          emit(ctx, 'eventRules', { code: 'POLICY_COMPONENT_UNKNOWN', component: c.rule.component, ...named(c), reference: ref(c), pcr: ev.pcr, eventIndex: ev.index, eventType: ev.typeName, observed: describeDigest(ev.digests, ctx.banks), message: `event ${ev.index} (${ev.typeName}) in PCR ${ev.pcr}: digest ${short(describeDigest(ev.digests, ctx.banks))} is not in the allow-list of ${c.rule.name ?? c.rule.component}` })
        }
      }
      if (!bad) record(c, events.map((e) => e.index))
      continue
    }
    const res = matchChain(chain, events, ctx.banks)
    if (res.ok) {
      for (const a of res.assignment) record(chain.find((c) => c.ruleIndex === a.ruleIndex)!, a.events, a.alternative)
      continue
    }
    for (const u of res.unknown) {
      emit(ctx, 'eventRules', {
        code: 'POLICY_COMPONENT_UNKNOWN',
        component: u.rule.rule.component,
        ...named(u.rule),
        reference: ref(u.rule),
        pcr: u.event.pcr,
        eventIndex: u.event.index,
        eventType: u.event.typeName,
        observed: describeDigest(u.event.digests, ctx.banks),
        message: `event ${u.event.index} (${u.event.typeName}) in PCR ${u.event.pcr}: digest ${short(describeDigest(u.event.digests, ctx.banks))} is in no alternative of ${u.rule.rule.name ?? u.rule.rule.component}`,
      })
    }
    if (res.unknown.length) continue
    const c = res.expectedRule
    const expected = res.expectedEntries.map((e) => describeEntry(e, ctx.banks)).join(' | ')
    if (res.deepest >= events.length) {
      const last = events[events.length - 1]
      emit(ctx, 'eventRules', {
        code: 'POLICY_COMPONENT_MISSING',
        component: c.rule.component,
        ...named(c),
        reference: ref(c),
        pcr: c.rule.pcr,
        ...(last ? { relatedEvents: events.map((e) => e.index) } : {}),
        ...(expected ? { expected } : {}),
        message: `PCR ${c.rule.pcr}: ${c.rule.name ?? c.rule.component} is incomplete: expected more ${c.rule.eventTypes?.join('/') ?? ''} events${last ? ` after event ${last.index}` : ''}`.replace(/ +/g, ' '),
      })
    } else {
      const ev = events[res.deepest]!
      emit(ctx, 'eventRules', {
        code: 'POLICY_COMPONENT_SEQUENCE',
        component: c.rule.component,
        ...named(c),
        reference: ref(c),
        pcr: ev.pcr,
        eventIndex: ev.index,
        eventType: ev.typeName,
        observed: describeDigest(ev.digests, ctx.banks),
        ...(expected ? { expected } : {}),
        message: `event ${ev.index} (${ev.typeName}) in PCR ${ev.pcr}: a known digest, but not where ${c.rule.name ?? c.rule.component} allows it (order or count differs from every alternative)`,
      })
    }
  }
}

// ---------------------------------------------------------------- facts

function eventPcr(ctx: Ctx, i: number): number | undefined {
  return ctx.log?.events[i]?.pcrIndex
}

/** Why a fact may not be used (undefined = it may): untrusted, no valid quote, or a source PCR not authenticated. */
function factProblem(ctx: Ctx, f: Pick<PolicyFact, 'trusted' | 'events' | 'reason'>, emptyPcr?: number): string | undefined {
  let reason = f.trusted ? undefined : f.reason ?? 'not trusted'
  if (!reason && !ctx.quote?.valid) reason = 'no valid quote authenticates it'
  if (!reason && ctx.log) {
    const pcrs = f.events.length ? f.events.map((e) => eventPcr(ctx, e)) : emptyPcr !== undefined ? [emptyPcr] : []
    const bad = pcrs.find((p) => p === undefined || !ctx.authenticated.has(p))
    if (bad !== undefined || pcrs.includes(undefined)) reason = bad === undefined ? 'its source event is not in the log' : `PCR ${bad} is not authenticated (${ctx.pcrProblems.get(bad)?.code ?? 'not quoted and replayed in every required bank'})`
  }
  return reason
}

/** Whether a fact may be used; emits POLICY_FACT_UNTRUSTED when not. */
function useFact(ctx: Ctx, check: CheckName, component: AppraisalComponent, name: string, f: PolicyFact, emptyPcr?: number): boolean {
  const reason = factProblem(ctx, f, emptyPcr)
  if (!reason) return true
  emit(ctx, check, {
    code: 'POLICY_FACT_UNTRUSTED',
    component,
    ...(f.events[0] !== undefined ? { eventIndex: f.events[0], relatedEvents: f.events } : {}),
    ...(f.events[0] !== undefined && eventPcr(ctx, f.events[0]) !== undefined ? { pcr: eventPcr(ctx, f.events[0])! } : emptyPcr !== undefined ? { pcr: emptyPcr } : {}),
    message: `${name} cannot be used by the policy: ${reason}`,
  })
  return false
}

// ---------------------------------------------------------------- Secure Boot

function refMatches(ref: SignatureRef, db: SignatureDb): boolean {
  if (ref.type !== 'sha256' && db.certs.some((c) => c.sha256 === ref.sha256)) return true
  if (ref.type !== 'x509' && db.hashes.includes(ref.sha256)) return true
  return false
}

function checkSecureBoot(ctx: Ctx, state: AppraisalState | undefined): void {
  const sb = ctx.policy.secureBoot
  if (!sb || !secureBootChecks(sb)) return
  ctx.configured.add('secureBoot')
  ctx.touched.add('secure-boot')
  const prob = ctx.pcrProblems.get(7)
  if (prob) attach(ctx, 'secure-boot', prob)
  if (!state) {
    emit(ctx, 'secureBoot', { code: 'POLICY_EVIDENCE_MISSING', component: 'secure-boot', pcr: 7, message: 'the policy has Secure Boot rules but neither a boot state nor an event log was supplied' })
    return
  }
  const s = state.secureBoot
  if (sb.required) {
    if (useFact(ctx, 'secureBoot', 'secure-boot', 'secureBoot.enabled', s.enabled, 7) && s.enabled.value !== true) {
      emit(ctx, 'secureBoot', { code: 'POLICY_SECUREBOOT_REQUIRED', component: 'secure-boot', pcr: 7, ...(s.enabled.events[0] !== undefined ? { eventIndex: s.enabled.events[0] } : {}), expected: 'enabled', observed: s.enabled.value === false ? 'disabled' : 'not measured / invalid', message: `Secure Boot is required but is ${s.enabled.value === false ? 'disabled' : 'not measured (or its value is invalid)'}` })
    }
  }
  if (!sb.debugModeAllowed && s.debugMode.value) {
    emit(ctx, 'secureBoot', { code: 'POLICY_SECUREBOOT_DEBUG_MODE', component: 'secure-boot', pcr: 7, ...(s.debugMode.events[0] !== undefined ? { eventIndex: s.debugMode.events[0] } : {}), message: 'a UEFI debugger was present during boot ("UEFI Debug Mode")' })
  }
  if (sb.dbx && useFact(ctx, 'secureBoot', 'secure-boot', 'dbx', s.dbx, 7)) {
    const dbx = s.dbx.value ?? { certs: [], hashes: [], otherCount: 0 }
    const missing = sb.dbx.mustContain.filter((r) => !refMatches(r, dbx))
    const ev = s.dbx.events[0]
    missing.slice(0, 10).forEach((r) =>
      emit(ctx, 'secureBoot', { code: 'POLICY_DBX_MISSING_ENTRY', component: 'secure-boot', componentName: 'dbx', pcr: 7, ...(ev !== undefined ? { eventIndex: ev } : {}), expected: r.sha256, message: `dbx does not contain ${r.type ?? 'entry'} ${short(r.sha256)}${r.description ? ` (${r.description})` : ''}${s.dbx.value ? '' : ': no dbx was measured'}` }),
    )
    if (missing.length > 10) emit(ctx, 'secureBoot', { code: 'POLICY_DBX_MISSING_ENTRY', component: 'secure-boot', componentName: 'dbx', pcr: 7, ...(ev !== undefined ? { eventIndex: ev } : {}), message: `dbx lacks ${missing.length - 10} more required entries (${missing.length} of ${sb.dbx.mustContain.length} in all)` })
  }
  const allowed = [
    ['db', sb.db, s.db, 'POLICY_DB_UNEXPECTED_KEY'],
    ['KEK', sb.kek, s.kek, 'POLICY_KEK_UNEXPECTED_KEY'],
    ['PK', sb.pk, s.pk, 'POLICY_PK_UNEXPECTED_KEY'],
  ] as const
  for (const [name, rule, f, code] of allowed) {
    if (!rule || !useFact(ctx, 'secureBoot', 'secure-boot', name, f, 7)) continue
    const v = f.value
    if (!v) continue // nothing measured: the empty set is within any allow-list
    const ok = (sha: string, type: 'x509' | 'sha256') => rule.allowed.some((r) => r.sha256 === sha && (r.type === undefined || r.type === type))
    const ev = f.events[0]
    for (const c of v.certs) {
      if (c.sha256 && ok(c.sha256, 'x509')) continue
      emit(ctx, 'secureBoot', { code, component: 'secure-boot', componentName: name, pcr: 7, ...(ev !== undefined ? { eventIndex: ev } : {}), observed: c.sha256 ?? '(undecodable certificate)', message: `${name} holds a certificate the policy does not allow: ${c.subject ?? short(c.sha256 ?? '')}` })
    }
    for (const h of v.hashes) {
      if (ok(h, 'sha256')) continue
      emit(ctx, 'secureBoot', { code, component: 'secure-boot', componentName: name, pcr: 7, ...(ev !== undefined ? { eventIndex: ev } : {}), observed: h, message: `${name} holds a SHA-256 hash entry the policy does not allow: ${short(h)}` })
    }
    if (v.otherCount) emit(ctx, 'secureBoot', { code: 'POLICY_SIGDB_UNCHECKABLE', component: 'secure-boot', componentName: name, pcr: 7, ...(ev !== undefined ? { eventIndex: ev } : {}), message: `${name} holds ${v.otherCount} entries of a signature type the policy cannot compare (only X.509 and SHA-256 are supported)` })
  }
  checkSbat(ctx, state)
  checkAuthorities(ctx, state)
}

/** The last SbatLevel text parsed (a fleet measures the same one on every boot); results are only read. */
let lastSbat: { text: string; parsed: ReturnType<typeof parseSbatLevel> } | undefined

function parseSbatCached(text: string): ReturnType<typeof parseSbatLevel> {
  if (lastSbat && lastSbat.text === text) return lastSbat.parsed
  const parsed = parseSbatLevel(text)
  lastSbat = { text, parsed }
  return parsed
}

/** SbatLevel ≥ the policy minimum (attack P-01). Untrusted → POLICY_FACT_UNTRUSTED; not measured → POLICY_EVIDENCE_MISSING. */
function checkSbat(ctx: Ctx, state: AppraisalState): void {
  const min = ctx.policy.secureBoot?.sbatMinimum
  if (!min) return
  const expected = [...Object.entries(min.components ?? {}).map(([c, g]) => `${c},${g}`), ...(min.date !== undefined ? [`sbat date >= ${min.date}`] : [])].join('; ')
  const f = state.linux?.shim?.sbatLevel
  if (!f) {
    emit(ctx, 'secureBoot', { code: 'POLICY_EVIDENCE_MISSING', component: 'secure-boot', componentName: 'SbatLevel', pcr: 7, expected, message: 'the policy sets an SbatLevel minimum but the boot state has no shim SbatLevel' }, ['boot-loader'])
    return
  }
  if (!useFact(ctx, 'secureBoot', 'secure-boot', 'SbatLevel', f, 7)) return
  const ev = f.events[0]
  const at = { pcr: 7, ...(ev !== undefined ? { eventIndex: ev, relatedEvents: [ev], eventType: ctx.log?.events[ev]?.typeName ?? 'EV_EFI_VARIABLE_AUTHORITY' } : {}) }
  if (f.value === undefined) {
    emit(ctx, 'secureBoot', { code: 'POLICY_EVIDENCE_MISSING', component: 'secure-boot', componentName: 'SbatLevel', pcr: 7, expected, message: 'the policy sets an SbatLevel minimum but no SbatLevel was measured in PCR 7 (shim older than 15.3, or no shim): the revocation level cannot be shown' }, ['boot-loader'])
    return
  }
  const parsed = parseSbatCached(f.value)
  if (!parsed.ok) {
    emit(ctx, 'secureBoot', { code: 'POLICY_SBAT_BELOW_MINIMUM', component: 'secure-boot', componentName: 'SbatLevel', ...at, expected, observed: f.value, message: `SbatLevel${ev !== undefined ? ` (event ${ev})` : ''} cannot be read (${parsed.error}): the policy minimum cannot be shown` }, ['boot-loader'])
    return
  }
  for (const s of sbatShortfalls(parsed.level, min)) {
    emit(ctx, 'secureBoot', {
      code: 'POLICY_SBAT_BELOW_MINIMUM',
      component: 'secure-boot',
      componentName: 'SbatLevel',
      ...at,
      expected: s.expected,
      observed: s.observed,
      message: `SbatLevel${ev !== undefined ? ` (event ${ev})` : ''} has ${s.observed}; the policy requires at least ${s.expected}: ${s.what === 'date' ? 'revocations published since then are not applied' : `${s.what} images of a revoked SBAT generation can still boot`} (attack P-01)`,
    }, ['boot-loader'])
  }
}

/** CN values of an authority certificate's subject: from the DER when present, else from the rendered subject. */
function commonNames(e: SignatureDbEntry, cache: Map<SignatureDbEntry, string[]>): string[] {
  let out = cache.get(e)
  if (out) return out
  out = []
  if (e.der) {
    try {
      out = parseCertificate(e.der).subjectAttributes.filter((a) => a.oid === '2.5.4.3').map((a) => a.value)
    } catch {
      out = []
    }
  } else if (e.subject) {
    out = e.subject.split(/, (?=[A-Za-z0-9.]+=)/).filter((x) => x.startsWith('CN=')).map((x) => x.slice(3))
  }
  cache.set(e, out)
  return out
}

function authorityMatches(m: AuthorityMatch, a: Authority, cache: Map<SignatureDbEntry, string[]>): boolean {
  const e = a.entry
  if (!e) return false
  if (m.sha256 !== undefined && e.sha256 !== m.sha256) return false
  if ((m.subject !== undefined || m.commonName !== undefined) && e.type !== 'x509') return false
  if (m.subject !== undefined && e.subject !== m.subject) return false
  if (m.commonName !== undefined && !commonNames(e, cache).includes(m.commonName)) return false
  return true
}

function describeMatch(m: AuthorityMatch): string {
  return m.description ?? [m.commonName !== undefined ? `CN=${m.commonName}` : '', m.subject ?? '', m.sha256 !== undefined ? short(m.sha256) : ''].filter(Boolean).join(' / ')
}

function describeAuthority(a: Authority): string {
  const e = a.entry
  const what = e?.subject ?? (e?.sha256 !== undefined ? `${e.type} ${short(e.sha256)}` : a.text !== undefined ? JSON.stringify(a.text) : '(undecoded)')
  return `${a.name} "${what}" (event ${a.eventIndex})`
}

/** Required / forbidden authorities among the EV_EFI_VARIABLE_AUTHORITY events after the PCR 7 separator (attack P-02). */
function checkAuthorities(ctx: Ctx, state: AppraisalState): void {
  const sb = ctx.policy.secureBoot
  if (!sb?.requiredAuthorities?.length && !sb?.forbiddenAuthorities?.length) return
  // Certificate / hash authorities only: shim also logs SbatLevel as an EV_EFI_VARIABLE_AUTHORITY (text, no entry).
  const auths = (state.secureBoot.authorities ?? []).filter((a) => a.afterSeparator && a.entry !== undefined)
  const cache = new Map<SignatureDbEntry, string[]>()
  const problem = (a: Authority) => factProblem(ctx, { trusted: a.trusted, events: [a.eventIndex], reason: `authority event ${a.eventIndex} is not trusted (content not bound by its digest, or PCR 7 not quoted)` })
  const at = (a: Authority) => ({ pcr: 7, eventIndex: a.eventIndex, eventType: ctx.log?.events[a.eventIndex]?.typeName ?? 'EV_EFI_VARIABLE_AUTHORITY', ...(a.entry?.sha256 !== undefined ? { observed: a.entry.sha256 } : {}) })
  sb.forbiddenAuthorities?.forEach((m, i) => {
    // Reported even from an untrusted event: it shows something bad.
    for (const a of auths) {
      if (!authorityMatches(m, a, cache)) continue
      const untrusted = problem(a)
      emit(ctx, 'secureBoot', {
        code: 'POLICY_AUTHORITY_FORBIDDEN',
        component: 'secure-boot',
        componentName: 'authorities',
        reference: `/secureBoot/forbiddenAuthorities/${i}`,
        ...at(a),
        expected: `not ${describeMatch(m)}`,
        message: `event ${a.eventIndex} (EV_EFI_VARIABLE_AUTHORITY): a boot image was verified by the forbidden authority ${describeAuthority(a)}${m.description ? `: ${m.description}` : ''}${untrusted ? ` (the event itself is not trusted: ${untrusted})` : ''}`,
      }, ['boot-loader'])
    }
  })
  sb.requiredAuthorities?.forEach((r, i) => {
    const reference = `/secureBoot/requiredAuthorities/${i}`
    const hits = auths.filter((a) => r.anyOf.some((m) => authorityMatches(m, a, cache)))
    const good = hits.find((a) => !problem(a))
    if (good) {
      const m: ComponentMatch = { reference, events: [good.eventIndex] }
      if (r.description) m.name = r.description
      addMatch(ctx, 'secure-boot', m)
      return
    }
    const wanted = r.description ?? r.anyOf.map(describeMatch).join(' | ')
    if (hits[0]) {
      emit(ctx, 'secureBoot', { code: 'POLICY_FACT_UNTRUSTED', component: 'secure-boot', componentName: 'authorities', reference, ...at(hits[0]), relatedEvents: hits.map((a) => a.eventIndex), message: `the required authority ${wanted} is only in ${describeAuthority(hits[0])}, which cannot be used by the policy: ${problem(hits[0])}` }, ['boot-loader'])
      return
    }
    emit(ctx, 'secureBoot', {
      code: 'POLICY_AUTHORITY_REQUIRED',
      component: 'secure-boot',
      componentName: 'authorities',
      reference,
      pcr: 7,
      ...(auths.length ? { relatedEvents: auths.map((a) => a.eventIndex) } : {}),
      expected: r.anyOf.map(describeMatch).join(' | '),
      observed: auths.length ? auths.map(describeAuthority).join('; ') : 'no authority after the PCR 7 separator',
      message: `no boot image was verified by the required authority ${wanted}; ${auths.length ? `the authorities after the separator are ${auths.map(describeAuthority).join(', ')}` : 'no authority was measured after the PCR 7 separator'} (attack P-02)`,
    }, ['boot-loader'])
  })
}

// ---------------------------------------------------------------- platform: start locality

/**
 * The log's start locality against the platform's pinned one (attacks L-07, P-03). The stated
 * locality is an unmeasured EV_NO_ACTION hint, but PCR 0's replay starts from it: once PCR 0 is
 * authenticated (quoted and replayed), a log stating the wrong locality cannot match the quote. So
 * the stated value is compared with the pin, and PCR 0 is required.
 */
function checkPlatform(ctx: Ctx, state: AppraisalState | undefined): void {
  const want = ctx.policy.platform?.startupLocality
  if (want === undefined) return
  ctx.configured.add('platform')
  ctx.touched.add('platform-firmware')
  const prob = ctx.pcrProblems.get(0)
  if (prob) attach(ctx, 'platform-firmware', prob)
  const f = state?.platform?.startupLocality
  if (!f) {
    emit(ctx, 'platform', { code: 'POLICY_EVIDENCE_MISSING', component: 'platform-firmware', pcr: 0, expected: String(want), message: 'the policy pins the start locality but neither a boot state nor an event log was supplied' })
    return
  }
  const ev = f.events[0]
  const src = ev !== undefined ? ctx.log?.events[ev] : undefined
  const stated = f.value
  if ((stated ?? 0) !== want) {
    emit(ctx, 'platform', {
      code: 'POLICY_STARTUP_LOCALITY',
      component: 'platform-firmware',
      componentName: 'start locality',
      pcr: 0,
      ...(ev !== undefined ? { eventIndex: ev, ...(src ? { eventType: src.typeName } : {}) } : {}),
      expected: String(want),
      observed: stated === undefined ? '0 (no StartupLocality or H-CRTM record)' : String(stated),
      message:
        stated === undefined
          ? `the platform is pinned to start locality ${want}, but the log states none, so PCR 0 starts from locality 0: a TPM reset and replay from locality 0, or not this platform (attacks P-03, L-07)`
          : `the platform is pinned to start locality ${want}, but the log states ${stated}${ev !== undefined ? ` (event ${ev})` : ''} (attacks P-03, L-07)`,
    })
    return
  }
  if (!ctx.authenticated.has(0) && !prob && !ctx.quoteProblem) {
    emit(ctx, 'platform', { code: 'POLICY_FACT_UNTRUSTED', component: 'platform-firmware', pcr: 0, message: `the start locality cannot be used by the policy: PCR 0 is not authenticated (not quoted and replayed in every required bank)` })
  }
}

// ---------------------------------------------------------------- TPM keys (ROCA)

/** Every RSA modulus the AK material carries (public area, SPKI, certificate). */
function akRsaModuli(m: AkMaterial): { from: string; n: Uint8Array }[] {
  const out: { from: string; n: Uint8Array }[] = []
  if (m.public?.rsa) out.push({ from: 'TPM public area', n: m.public.rsa.modulus })
  if (m.spki) {
    try {
      const k = spkiToKeyMaterial(m.spki)
      if (k.kty === 'RSA') out.push({ from: 'SPKI', n: k.n })
    } catch {
      /* not RSA / unsupported: nothing to test */
    }
  }
  if (m.certificate?.publicKey?.kty === 'RSA') out.push({ from: 'AK certificate', n: m.certificate.publicKey.n })
  return out
}

interface CheckedModulus {
  from: string
  /** rsaBits(n) */
  bits: number
  /** Hex of n without leading zero bytes. */
  hex: string
  roca: boolean
}

/** The byte fields of an AK given as bytes or as parts of bytes only (the cacheable forms), else undefined. */
function akBytes(ak: AkInput): (Uint8Array | undefined)[] | undefined {
  if (ak instanceof Uint8Array) return [ak]
  if (typeof ak !== 'object' || ak === null) return undefined
  const keys = Object.keys(ak)
  const parts = ak as AkParts
  if (!keys.every((k) => (k === 'public' || k === 'spki' || k === 'certificate') && (parts[k] === undefined || parts[k] instanceof Uint8Array))) return undefined
  return [undefined, parts.public as Uint8Array | undefined, parts.spki as Uint8Array | undefined, parts.certificate as Uint8Array | undefined]
}

function sameFields(a: readonly (Uint8Array | undefined)[], b: readonly (Uint8Array | undefined)[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i]
    const y = b[i]
    if (x === undefined || y === undefined) {
      if (x !== y) return false
      continue
    }
    if (x.length !== y.length) return false
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false
  }
  return true
}

/**
 * The last AK checked, by content (a verifier sees the same AK on every attestation of a machine):
 * a copy of its bytes and the moduli with their ROCA answers. Only for AKs given as bytes.
 */
let lastAk: { keyed: (Uint8Array | undefined)[]; moduli: CheckedModulus[] | Error } | undefined

/** The AK's RSA moduli with their ROCA answers, or the error that made the AK unreadable. */
function akModuliChecked(ak: AkInput): CheckedModulus[] | Error {
  const fields = akBytes(ak)
  if (fields && lastAk && sameFields(fields, lastAk.keyed)) return lastAk.moduli
  let material: AkMaterial | undefined
  let moduli: CheckedModulus[] | Error = []
  try {
    material = resolveAk(ak)
  } catch (e) {
    moduli = e as Error
  }
  if (material) moduli = akRsaModuli(material).map(({ from, n }) => ({ from, bits: rsaBits(n), hex: toHex(stripLeadingZeros(n)), roca: isRocaVulnerableModulus(n) }))
  if (fields) lastAk = { keyed: fields.map((f) => (f ? f.slice() : undefined)), moduli }
  return moduli
}

/** The AK's RSA modulus must not have the ROCA fingerprint (CVE-2017-15361, attack P-07), whatever the policy says; `tpm.allowRocaKeys` makes it a warning. */
function checkAkKey(ctx: Ctx, ak: AkInput | undefined): void {
  if (ak === undefined) return
  ctx.configured.add('tpm')
  const moduli = akModuliChecked(ak)
  if (moduli instanceof Error) {
    emit(ctx, 'tpm', { code: 'POLICY_EVIDENCE_MISSING', component: 'attestation', componentName: 'AK', message: `the AK could not be read for the key checks: ${moduli.message}` })
    return
  }
  const allowed = ctx.policy.tpm?.allowRocaKeys === true
  const seen = new Set<string>()
  for (const { from, bits, hex, roca } of moduli) {
    if (seen.has(hex)) continue
    seen.add(hex)
    if (!roca) continue
    emit(ctx, 'tpm', {
      code: 'POLICY_AK_WEAK_KEY',
      severity: allowed ? 'warning' : 'error',
      component: 'attestation',
      componentName: 'AK',
      observed: hex,
      message: `the AK's RSA-${bits} modulus (${from}) has the ROCA fingerprint (CVE-2017-15361, Infineon RSALib): its private key can be computed, so its quotes prove nothing${allowed ? ' (accepted: tpm.allowRocaKeys)' : '; replace the key (TPM firmware update) or set tpm.allowRocaKeys'}`,
    })
  }
}

// ---------------------------------------------------------------- digests

function checkDigests(ctx: Ctx, state: AppraisalState | undefined): void {
  const d = ctx.policy.digests
  if (!d || !(d.required?.length || d.forbidden?.length)) return
  ctx.configured.add('digests')
  const log = ctx.log
  if (!log) {
    emit(ctx, 'digests', { code: 'POLICY_EVIDENCE_MISSING', component: d.required?.[0]?.component ?? d.forbidden?.[0]?.component ?? 'other', message: 'the policy has digest rules but no event log was supplied' })
    return
  }
  const events = log.events.filter((e) => isExtended(log, e.eventType, e.pcrIndex)).map((e) => ({ ev: e, digests: eventDigests(e) }))
  const anyBank = ['sha1', 'sha256', 'sha384', 'sha512', 'sm3_256'] as PolicyBank[]
  const hit = (spec: DigestSpec, digests: Record<string, string>) => digestMatches(spec, digests, anyBank)
  d.forbidden?.forEach((ref, i) => {
    for (const { ev, digests } of events) {
      if (ref.pcr !== undefined && ev.pcrIndex !== ref.pcr) continue
      const spec = ref.anyOf.find((s) => hit(s, digests))
      if (!spec) continue
      const component = ref.component ?? componentForPcr(ev.pcrIndex)
      emit(ctx, 'digests', { code: 'POLICY_DIGEST_FORBIDDEN', component, reference: `/digests/forbidden/${i}`, pcr: ev.pcrIndex, eventIndex: ev.index, eventType: ev.typeName, observed: describeDigest(digests, ctx.banks), message: `event ${ev.index} (${ev.typeName}) in PCR ${ev.pcrIndex} is a forbidden digest${ref.description ? `: ${ref.description}` : ''}` })
    }
    // Windows boot modules (SIPA LOADEDMODULE Authenticode hashes), when the Windows state is given.
    for (const m of state?.windows?.bootModules ?? []) {
      const h = m.authenticodeHash
      if (!h) continue
      if (!ref.anyOf.some((s) => Object.values(s).includes(h))) continue
      emit(ctx, 'digests', { code: 'POLICY_DIGEST_FORBIDDEN', component: ref.component ?? 'windows-boot', reference: `/digests/forbidden/${i}`, ...(m.events[0] !== undefined ? { eventIndex: m.events[0] } : {}), observed: h, message: `Windows boot module ${m.filePath ?? ''} has a forbidden Authenticode hash${ref.description ? `: ${ref.description}` : ''}`.replace(/ +/g, ' ') })
    }
  })
  d.required?.forEach((ref, i) => {
    const component = ref.component ?? (ref.pcr !== undefined ? componentForPcr(ref.pcr) : 'other')
    ctx.touched.add(component)
    const found = events.filter(({ ev, digests }) => (ref.pcr === undefined || ev.pcrIndex === ref.pcr) && ref.anyOf.some((s) => digestMatches(s, digests, ctx.banks)))
    const good = found.find(({ ev }) => ctx.authenticated.has(ev.pcrIndex))
    if (good) {
      const m: ComponentMatch = { reference: `/digests/required/${i}`, events: [good.ev.index] }
      if (ref.description) m.name = ref.description
      addMatch(ctx, component, m)
      return
    }
    const first = found[0]
    emit(ctx, 'digests', {
      code: 'POLICY_DIGEST_REQUIRED_MISSING',
      component,
      reference: `/digests/required/${i}`,
      ...(ref.pcr !== undefined ? { pcr: ref.pcr } : {}),
      ...(first ? { eventIndex: first.ev.index } : {}),
      expected: ref.anyOf.map((s) => describeEntry(s, ctx.banks)).join(' | '),
      message: first
        ? `required digest${ref.description ? ` (${ref.description})` : ''} is only in event ${first.ev.index}, in PCR ${first.ev.pcrIndex}, which is not authenticated`
        : `required digest${ref.description ? ` (${ref.description})` : ''} was not measured${ref.pcr !== undefined ? ` in PCR ${ref.pcr}` : ''}`,
    })
  })
}

// ---------------------------------------------------------------- Linux command line

function checkCmdline(ctx: Ctx, state: AppraisalState | undefined): void {
  const rule = ctx.policy.linux?.kernelCmdline
  if (!rule) return
  ctx.configured.add('kernelCmdline')
  ctx.touched.add('os-kernel')
  if (!state) {
    emit(ctx, 'kernelCmdline', { code: 'POLICY_EVIDENCE_MISSING', component: 'os-kernel', message: 'the policy has a kernel command-line rule but neither a boot state nor an event log was supplied' })
    return
  }
  const f = state.linux.kernelCmdline
  if (!useFact(ctx, 'kernelCmdline', 'os-kernel', 'the kernel command line', f, 8)) return
  const ev = f.events[0]
  const at = ev !== undefined ? { eventIndex: ev, ...(eventPcr(ctx, ev) !== undefined ? { pcr: eventPcr(ctx, ev)! } : {}) } : { pcr: 8 }
  const value = f.value
  if (value === undefined) {
    emit(ctx, 'kernelCmdline', { code: 'POLICY_CMDLINE', component: 'os-kernel', ...at, message: 'no kernel command line was measured (GRUB kernel_cmdline in PCR 8 or systemd-stub in PCR 12)' })
    return
  }
  if (rule.exact || rule.patterns) {
    const ok = (rule.exact ?? []).includes(value) || (rule.patterns ?? []).some((p) => compileSafePattern(p).test(value))
    if (!ok) {
      const expected = [...(rule.exact ?? []).map((e) => JSON.stringify(e)), ...(rule.patterns ?? []).map((p) => `/${p}/`)].join(' | ')
      emit(ctx, 'kernelCmdline', { code: 'POLICY_CMDLINE', component: 'os-kernel', ...at, expected, observed: value, message: `the kernel command line ${JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value)} matches none of the allowed values` })
    }
  }
  if (rule.forbiddenArgs) {
    const tokens = value.split(/\s+/).filter(Boolean)
    for (const bad of rule.forbiddenArgs) {
      const hit = tokens.find((t) => (bad.endsWith('=') ? t.startsWith(bad) : t === bad || t.startsWith(`${bad}=`)))
      if (hit) emit(ctx, 'kernelCmdline', { code: 'POLICY_CMDLINE_FORBIDDEN_ARG', component: 'os-kernel', ...at, observed: hit, expected: `no ${bad}`, message: `the kernel command line has the forbidden argument ${JSON.stringify(hit)}` })
    }
  }
}

// ---------------------------------------------------------------- Windows claims

function checkWindows(ctx: Ctx, state: AppraisalState | undefined): void {
  const rule = ctx.policy.windows
  if (!rule) return
  ctx.configured.add('windows')
  ctx.touched.add('windows-boot')
  const w = state?.windows
  if (!w) {
    emit(ctx, 'windows', { code: 'POLICY_EVIDENCE_MISSING', component: 'windows-boot', message: 'the policy has Windows claim rules but no Windows boot state was supplied' })
    return
  }
  for (const [name, want] of Object.entries(rule.claims)) {
    const f = w.claims[name as WindowsClaimName]
    if (!f) {
      emit(ctx, 'windows', { code: 'POLICY_EVIDENCE_MISSING', component: 'windows-boot', componentName: name, message: `the Windows state has no claim "${name}"` })
      continue
    }
    if (!useFact(ctx, 'windows', 'windows-boot', `Windows claim ${name}`, f)) continue
    if (f.value !== want) {
      emit(ctx, 'windows', { code: 'POLICY_WINDOWS_CLAIM', component: 'windows-boot', componentName: name, ...(f.events[0] !== undefined ? { eventIndex: f.events[0], relatedEvents: f.events } : {}), expected: JSON.stringify(want), observed: JSON.stringify(f.value), message: `Windows claim ${name} is ${JSON.stringify(f.value)}; the policy requires ${JSON.stringify(want)}` })
    }
  }
}

// ---------------------------------------------------------------- freshness, AK roots

function checkFreshness(ctx: Ctx, input: AppraisalInput): void {
  const fr = ctx.policy.freshness ?? {}
  ctx.configured.add('freshness')
  if ((fr.nonceRequired ?? true) && input.nonceChecked !== true) {
    emit(ctx, 'freshness', { code: 'POLICY_FRESHNESS_NONCE', component: 'attestation', message: 'the quote was not checked against a fresh verifier nonce: it may be a replay (set nonceChecked only after verifyQuote matched the nonce)' })
  }
  const prev = input.previous
  if (!prev) {
    if (fr.previousRequired) emit(ctx, 'freshness', { code: 'POLICY_FRESHNESS_PREVIOUS_MISSING', component: 'attestation', message: 'the policy requires the previous quote state (resetCount, restartCount, clock) but none was supplied' })
    return
  }
  const q = ctx.quote
  if (!q || q.resetCount === undefined || q.restartCount === undefined || q.clock === undefined) {
    emit(ctx, 'freshness', { code: 'POLICY_EVIDENCE_MISSING', component: 'attestation', message: 'previous counters were supplied but the quote gives no resetCount / restartCount / clock' })
    return
  }
  const cmp = (rule: CounterRule, now: number, before: number) => (rule === 'any' ? true : rule === 'equal' ? now === before : now >= before)
  const resetRule = fr.resetCount ?? 'nondecreasing'
  if (!cmp(resetRule, q.resetCount, prev.resetCount)) {
    emit(ctx, 'freshness', { code: 'POLICY_FRESHNESS_RESET', component: 'attestation', expected: `${resetRule === 'equal' ? '=' : '>='} ${prev.resetCount}`, observed: String(q.resetCount), message: q.resetCount < prev.resetCount ? `resetCount went backwards (${prev.resetCount} → ${q.resetCount}): not the same TPM history` : `resetCount changed (${prev.resetCount} → ${q.resetCount}) although the same boot is expected: TPM reset without platform reset suspected (attack P-03)` })
  }
  // restartCount is zeroed by a TPM reset, so it is compared only within one reset cycle.
  if (q.resetCount === prev.resetCount) {
    const restartRule = fr.restartCount ?? 'nondecreasing'
    if (!cmp(restartRule, q.restartCount, prev.restartCount)) {
      emit(ctx, 'freshness', { code: 'POLICY_FRESHNESS_RESTART', component: 'attestation', expected: `${restartRule === 'equal' ? '=' : '>='} ${prev.restartCount}`, observed: String(q.restartCount), message: `restartCount ${q.restartCount < prev.restartCount ? 'went backwards' : 'changed'} (${prev.restartCount} → ${q.restartCount})` })
    } else if ((fr.clockMustAdvance ?? true) && q.restartCount === prev.restartCount && big(q.clock) <= big(prev.clock)) {
      emit(ctx, 'freshness', { code: 'POLICY_FRESHNESS_CLOCK', component: 'attestation', expected: `> ${prev.clock}`, observed: String(q.clock), message: `the TPM clock did not advance (${prev.clock} → ${q.clock}) within the same boot: a replayed or rolled-back quote` })
    }
  }
}

function checkAkRoots(ctx: Ctx): void {
  if (!ctx.policy.trustedAkRoots?.length) return
  ctx.configured.add('akRoots')
  if (ctx.quote?.akChainVerified !== true) {
    emit(ctx, 'akRoots', { code: 'POLICY_AK_UNTRUSTED', component: 'attestation', message: `the policy pins ${ctx.policy.trustedAkRoots.length} AK root(s), but the AK certificate was not verified to chain to them (pass policy.trustedAkRoots as verifyQuote trustAnchors)` })
  }
}

// ---------------------------------------------------------------- entry point

const CHECKS: CheckName[] = ['quote', 'banks', 'pcrs', 'pcrValues', 'eventRules', 'digests', 'secureBoot', 'kernelCmdline', 'windows', 'platform', 'freshness', 'akRoots', 'tpm']
const ORDER: AppraisalComponent[] = ['attestation', 'platform-firmware', 'platform-config', 'option-roms', 'secure-boot', 'boot-loader', 'boot-config', 'os-kernel', 'initrd', 'windows-boot', 'os-runtime', 'other']

function statusOf(findings: readonly Finding[]): ComponentStatus {
  if (findings.some((f) => f.severity === 'error')) return 'contraindicated'
  if (findings.some((f) => f.severity === 'warning')) return 'warning'
  return 'affirming'
}

/**
 * Appraise evidence against a policy.
 * @throws PolicyError ERR_POLICY_VERSION / ERR_POLICY_INVALID when the policy is not valid v1.
 * @example
 * const res = appraisePolicy({ policy, log, quote: await verifyQuote(...), nonceChecked: true })
 * if (!res.ok) for (const f of res.findings) console.log(f.code, f.message)
 */
export function appraisePolicy(input: AppraisalInput): AppraisalResult {
  const policy = validatePolicy(input.policy)
  const ctx: Ctx = {
    policy,
    banks: policy.pcrs?.banks ?? ['sha256'],
    log: input.log,
    quote: normalizeQuote(input.quote),
    findings: [],
    byComponent: new Map(),
    matched: new Map(),
    touched: new Set(['attestation']),
    checkFindings: new Map(),
    configured: new Set(),
    authenticated: new Set(),
    pcrProblems: new Map(),
  }
  const relevant = relevantPcrs(policy)
  const replay = checkAttestation(ctx, input, relevant)
  let state: AppraisalState | undefined = input.state
  if (!state && input.log) {
    state = extractBootState(input.log, { quotedPcrs: ctx.authenticated, ...(input.integrity ? { integrity: input.integrity } : {}) }).state
  }
  checkPcrValues(ctx, replay)
  checkEventRules(ctx)
  checkDigests(ctx, state)
  checkSecureBoot(ctx, state)
  checkCmdline(ctx, state)
  checkWindows(ctx, state)
  checkPlatform(ctx, state)
  checkFreshness(ctx, input)
  checkAkRoots(ctx)
  checkAkKey(ctx, input.ak)

  if (ctx.quoteProblem) for (const c of ctx.touched) attach(ctx, c, ctx.quoteProblem)
  const components: ComponentResult[] = ORDER.filter((c) => ctx.touched.has(c)).map((component) => {
    const findings = ctx.byComponent.get(component) ?? []
    return { component, status: statusOf(findings), findings, matched: ctx.matched.get(component) ?? [] }
  })
  const checks = {} as Record<CheckName, CheckSummary>
  for (const c of CHECKS) {
    const fs = ctx.checkFindings.get(c) ?? []
    checks[c] = { status: !ctx.configured.has(c) && !fs.length ? 'not-configured' : fs.some((f) => f.severity === 'error') ? 'fail' : fs.length ? 'warn' : 'pass', findings: fs.length }
  }
  return {
    policyId: policy.id,
    ok: !ctx.findings.some((f) => f.severity === 'error'),
    findings: ctx.findings,
    components,
    checks,
    relevantPcrs: [...relevant].sort((a, b) => a - b),
    authenticatedPcrs: [...ctx.authenticated].sort((a, b) => a - b),
  }
}

/** The policy's AK roots, to pass as `trustAnchors` to verifyQuote. */
export function policyTrustAnchors(policy: Policy): string[] {
  return [...(policy.trustedAkRoots ?? [])]
}
