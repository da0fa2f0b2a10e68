/**
 * `summarizeFleet`: counts by EAR status and by submodule, the most frequent findings, and the
 * machines clustered by authenticated boot chain (fingerprint.ts), optionally compared with a
 * baseline (a policy, or an earlier summary).
 *
 * Streaming: `FleetSummaryBuilder.add` keeps counters and, per cluster, the machine ids (the
 * answer to "which machines loaded this" needs them) and one copy of the components, so memory
 * grows with the number of machines by one id each, not with their verdicts.
 */
import { eventTypeOfName } from '../eventlog/event_types.js'
import { eventTypeNumber, validatePolicy } from '../policy/validate.js'
import { POLICY_BANKS, type Policy } from '../policy/types.js'
import { assertFleetSummary, claimsFleetSummary } from './summary_shape.js'
import { FLEET_GROUPS, MAX_OTHER_EVENTS, type FleetChange, type FleetCluster, type FleetComponent, type FleetGroupState, type FleetResult, type FleetSummary, type StatusCounts } from './types.js'

/** How many findings `topFindings` lists. */
export const TOP_FINDINGS = 20

const zero = (): StatusCounts => ({ none: 0, affirming: 0, warning: 0, contraindicated: 0 })

export interface SummarizeFleetOptions {
  /** An earlier summary, or a policy (JSON): report which components changed against it. */
  baseline?: unknown
  /** Recorded as the summary's policyId. */
  policyId?: string
}

export class FleetSummaryBuilder {
  private lines = 0
  private verified = 0
  private errors = 0
  private readonly status = zero()
  private readonly errorCodes = new Map<string, number>()
  private readonly submods = new Map<string, StatusCounts>()
  private readonly findings = new Map<string, { severity: string; machines: number; occurrences: number }>()
  private readonly clusters = new Map<string, FleetCluster>()
  /** Clusters whose labels come first from an affirming machine. */
  private readonly affirmingLabels = new Set<string>()
  private policyId: string | undefined

  add(r: FleetResult): void {
    this.lines++
    const v = r.verdict ?? r.verdictDigest
    if (r.error || !v || !r.ear_status) {
      this.errors++
      const code = r.error?.code ?? 'ERR_INTERNAL'
      this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1)
      return
    }
    this.verified++
    this.status[r.ear_status]++
    if (v.bootproof_policy_id && v.bootproof_policy_id !== 'none') this.policyId ??= v.bootproof_policy_id
    for (const [name, sub] of Object.entries(v.submods)) {
      let c = this.submods.get(name)
      if (!c) this.submods.set(name, (c = zero()))
      c[sub.ear_status]++
    }
    const seen = new Set<string>()
    for (const f of v.bootproof_findings) {
      let e = this.findings.get(f.code)
      if (!e) this.findings.set(f.code, (e = { severity: f.severity, machines: 0, occurrences: 0 }))
      e.occurrences++
      if (!seen.has(f.code)) {
        seen.add(f.code)
        e.machines++
      }
    }
    const chain = r.bootChain
    if (!chain) return
    let c = this.clusters.get(chain.fingerprint)
    const affirming = r.ear_status === 'affirming'
    if (!c) {
      this.clusters.set(chain.fingerprint, (c = { id: chain.fingerprint, machines: 0, ear_status: zero(), groups: chain.groups, components: [...chain.components], machineIds: [] }))
      if (affirming) this.affirmingLabels.add(c.id)
    } else {
      // The first affirming machine's labels come first; until one arrives, the first machine's.
      const lead = affirming && !this.affirmingLabels.has(c.id)
      mergeComponents(c.components, chain.components, lead)
      if (lead) this.affirmingLabels.add(c.id)
    }
    c.machines++
    c.ear_status[r.ear_status]++
    if (r.id !== null) c.machineIds.push(r.id)
  }

  finish(options: SummarizeFleetOptions = {}): FleetSummary {
    const topFindings = [...this.findings]
      .map(([code, e]) => ({ code, ...e }))
      .sort((a, b) => b.machines - a.machines || b.occurrences - a.occurrences || a.code.localeCompare(b.code))
      .slice(0, TOP_FINDINGS)
    const clusters = [...this.clusters.values()].sort((a, b) => b.machines - a.machines || a.id.localeCompare(b.id))
    const variants = {} as FleetSummary['variants']
    for (const g of FLEET_GROUPS) {
      const m = new Map<string, { fingerprint: string; status: FleetGroupState['status']; machines: number }>()
      for (const c of clusters) {
        const s = c.groups[g]
        const e = m.get(s.fingerprint)
        if (e) e.machines += c.machines
        else m.set(s.fingerprint, { fingerprint: s.fingerprint, status: s.status, machines: c.machines })
      }
      variants[g] = [...m.values()].sort((a, b) => b.machines - a.machines || a.fingerprint.localeCompare(b.fingerprint))
    }
    const policyId = options.policyId ?? this.policyId
    const summary: FleetSummary = {
      kind: 'bootproof-fleet-summary',
      version: 1,
      ...(policyId ? { policyId } : {}),
      lines: this.lines,
      verified: this.verified,
      errors: this.errors,
      ear_status: { ...this.status },
      errorCodes: Object.fromEntries([...this.errorCodes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
      submods: Object.fromEntries([...this.submods].sort((a, b) => a[0].localeCompare(b[0]))),
      topFindings,
      variants,
      clusters,
    }
    if (options.baseline !== undefined) summary.baseline = compareWithBaseline(summary, options.baseline)
    return summary
  }
}

/**
 * The machines of a cluster share every authenticated digest, not their labels or stated event
 * types: the type is what that machine's log says, and a label is either unbound (or its event
 * failed its integrity check) or bound bytes read as the stated type says. A verified label
 * replaces an unverified one, and the first affirming machine's readings lead, so the first
 * machine seen (maybe a tampered log) does not choose what a cluster shows; the other verified
 * readings and every stated type are kept, bounded,
 * with a flag when more were seen (a reader then assumes the worst). `kept` is the cluster's own
 * array; the components in it are never mutated (they may be a result's), only replaced.
 */
function mergeComponents(kept: FleetComponent[], next: readonly FleetComponent[], lead: boolean): void {
  for (let i = 0; i < kept.length; i++) {
    const k = kept[i]!
    const n = next[i]?.digest === k.digest && next[i]!.pcr === k.pcr ? next[i]! : next.find((x) => x.digest === k.digest && x.pcr === k.pcr)
    if (!n) continue
    let m: FleetComponent = k
    // `next`'s reading takes the lead when it is verified and the kept one is not, or when `next` is
    // the cluster's first affirming machine and its reading is as verified as the kept one. A kept
    // verified reading stays among the others; an unverified one is dropped.
    if ((n.labelVerified && !k.labelVerified) || (lead && n.labelVerified === k.labelVerified && n.label !== k.label)) {
      const { otherLabels, otherLabelsTruncated, ...rest } = k
      m = { ...rest, label: n.label, labelVerified: n.labelVerified }
      if (k.labelVerified) m = withOthers(m, 'label', [k.label, ...(otherLabels ?? [])], otherLabelsTruncated === true)
    }
    m = withOthers(m, 'event', [n.event, ...(n.otherEvents ?? [])], n.otherEventsTruncated === true)
    if (m.labelVerified && n.labelVerified) m = withOthers(m, 'label', [n.label, ...(n.otherLabels ?? [])], n.otherLabelsTruncated === true)
    if (m !== k) kept[i] = m
  }
}

/** `c` with `values` added to its other events or labels (a new object only when something changed). */
function withOthers(c: FleetComponent, what: 'event' | 'label', values: readonly string[], truncated: boolean): FleetComponent {
  const listKey = what === 'event' ? 'otherEvents' : 'otherLabels'
  const flagKey = what === 'event' ? 'otherEventsTruncated' : 'otherLabelsTruncated'
  let list = c[listKey]
  let more = truncated
  for (const v of values) {
    if (v === c[what] || list?.includes(v)) continue
    if ((list?.length ?? 0) >= MAX_OTHER_EVENTS) more = true
    else list = [...(list ?? []), v]
  }
  if (list === c[listKey] && (!more || c[flagKey])) return c
  return { ...c, ...(list ? { [listKey]: list } : {}), ...(more ? { [flagKey]: true } : {}) }
}

/** Summarise results (all in memory; use FleetSummaryBuilder to summarise a stream). */
export function summarizeFleet(results: Iterable<FleetResult>, options: SummarizeFleetOptions = {}): FleetSummary {
  const b = new FleetSummaryBuilder()
  for (const r of results) b.add(r)
  return b.finish(options)
}

/**
 * Each component digest with the machines that loaded it (a machine counted once per digest) and
 * its component as shown: a verified label where any cluster has one.
 */
export function componentIndex(summary: Pick<FleetSummary, 'clusters'>): Map<string, { component: FleetComponent; machines: number; clusters: FleetCluster[] }> {
  const out = new Map<string, { component: FleetComponent; machines: number; clusters: FleetCluster[] }>()
  for (const c of summary.clusters) {
    const inCluster = new Set<string>()
    for (const comp of c.components) {
      if (inCluster.has(comp.digest)) continue
      inCluster.add(comp.digest)
      const e = out.get(comp.digest)
      if (e) {
        e.machines += c.machines
        e.clusters.push(c)
        if (!e.component.labelVerified && comp.labelVerified) e.component = comp
      } else out.set(comp.digest, { component: comp, machines: c.machines, clusters: [c] })
    }
  }
  return out
}

/**
 * What a policy knows by digest, and what it pins. Known: the event digests it allows, in the
 * entries of its event rules (except `any` entries) and `digests.required`. Never counted as
 * known: digests it forbids or revokes (`digests.forbidden`, `secureBoot.dbx`, forbidden
 * authorities), PCR values and certificate hashes. Pinned: the (PCR, event type) pairs of rules
 * that allow by digest (`match: "any"` and digest-less rules pin nothing).
 */
function policyDigests(policy: Policy): { known: Set<string>; pinned: Set<string> } {
  const known = new Set<string>()
  const banks = POLICY_BANKS as readonly string[]
  const addSpec = (spec: Record<string, unknown>): number => {
    let n = 0
    for (const b of banks) {
      const v = spec[b]
      if (typeof v === 'string') {
        known.add(`${b}:${v.toLowerCase()}`)
        n++
      }
    }
    return n
  }
  const pinned = new Set<string>()
  for (const r of policy.eventRules ?? []) {
    let n = 0
    for (const alt of r.alternatives ?? []) for (const e of alt.events) if (!e.any) n += addSpec(e as Record<string, unknown>)
    if (r.match === 'any' || n === 0) continue
    // By number: a policy may name a type or give it in hex ("0x80000003"), as the appraisal reads it.
    for (const t of r.eventTypes ?? []) {
      const num = eventTypeNumber(t)
      if (num !== undefined) pinned.add(`${r.pcr}:${num}`)
    }
    if (!r.eventTypes) pinned.add(`${r.pcr}:*`)
  }
  for (const ref of policy.digests?.required ?? []) for (const spec of ref.anyOf) addSpec(spec as Record<string, unknown>)
  return { known, pinned }
}

/**
 * What changed against a baseline. Against an earlier summary: component digests loaded now
 * and never before (`added`, with the machines that load them now) and the reverse (`removed`,
 * with the machines that loaded them then). Against a policy: component digests the policy does
 * not allow anywhere (`added`), among the events its rules pin by digest. Which events those are
 * is read from the event type each log states, a label: so a digest is left out only when no
 * machine states a pinned type for it (one tampered log cannot hide a change the other machines
 * report), and the selection only chooses what this report lists, never a cluster or a verdict.
 * Events a rule accepts with any digest (`match: "any"`, e.g. per-machine variables) or that no
 * rule names are not reported: the policy says nothing about them. Authenticode digests of
 * Windows drivers are compared as they are; only event digests can appear in a policy's rules.
 * @throws BootproofError ERR_JSON_INVALID for a baseline that says it is a summary but is not a
 *   usable one; a policy baseline is validated as a policy (ERR_POLICY_*).
 */
export function compareWithBaseline(summary: FleetSummary, baseline: unknown): NonNullable<FleetSummary['baseline']> {
  const now = componentIndex(summary)
  const changes: FleetChange[] = []
  const change = (kind: FleetChange['change'], c: FleetComponent, machines: number): FleetChange => ({ change: kind, group: c.group, pcr: c.pcr, digest: c.digest, event: c.event, label: c.label, labelVerified: c.labelVerified, machines })
  if (claimsFleetSummary(baseline)) {
    const earlier = assertFleetSummary(baseline, 'baseline')
    const before = componentIndex(earlier)
    for (const [d, e] of now) if (!before.has(d)) changes.push(change('added', e.component, e.machines))
    for (const [d, e] of before) if (!now.has(d)) changes.push(change('removed', e.component, e.machines))
    changes.sort((a, b) => b.machines - a.machines || a.change.localeCompare(b.change) || a.digest.localeCompare(b.digest))
    return { source: 'summary', id: earlier.policyId ?? `summary of ${earlier.lines} lines`, changes }
  }
  const policy = validatePolicy(baseline)
  const { known, pinned } = policyDigests(policy)
  // Every (PCR, stated type) under which some machine carries each digest; a component whose
  // stated types were too many to keep counts as stating every type.
  const stated = new Map<string, { pcr: number; event: string; any: boolean }[]>()
  for (const c of summary.clusters) {
    for (const comp of c.components) {
      let list = stated.get(comp.digest)
      if (!list) stated.set(comp.digest, (list = []))
      for (const event of [comp.event, ...(comp.otherEvents ?? [])]) list.push({ pcr: comp.pcr, event, any: false })
      if (comp.otherEventsTruncated) list.push({ pcr: comp.pcr, event: comp.event, any: true })
    }
  }
  const isPinned = (x: { pcr: number; event: string; any: boolean }) => {
    if (pinned.has(`${x.pcr}:*`)) return true
    if (x.any) return [...pinned].some((p) => p.startsWith(`${x.pcr}:`))
    const num = eventTypeOfName(x.event)
    return num !== undefined && pinned.has(`${x.pcr}:${num}`)
  }
  for (const [d, e] of now) {
    if (known.has(d)) continue
    const pinnedAs = stated.get(d)?.find(isPinned)
    if (pinnedAs) changes.push(change('added', { ...e.component, pcr: pinnedAs.pcr, event: pinnedAs.event }, e.machines))
  }
  changes.sort((a, b) => b.machines - a.machines || a.digest.localeCompare(b.digest))
  return { source: 'policy', id: policy.id, changes }
}
