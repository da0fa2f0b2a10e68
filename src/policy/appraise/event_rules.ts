/**
 * Event rules: every extended event of a governed PCR is dispatched to a slot by (PCR, event type)
 * and each slot's events must be one alternative per rule of its chain (docs/policy.md).
 */
import { isExtended } from '../../eventlog/replay.js'
import { describeDigest, describeEntry, digestMatches, matchChain, type ChainRule, type SlotEvent } from '../match.js'
import { componentForPcr, type EventEntry, type EventRule } from '../types.js'
import { eventTypeNumber, slotKey } from '../validate.js'
import { addMatch, attach, emit, short, type Ctx } from './context.js'
import { eventDigests } from './event_digests.js'
import type { ComponentMatch } from './types.js'

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

export function checkEventRules(ctx: Ctx): void {
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
