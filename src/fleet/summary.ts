/**
 * `summarizeFleet`: counts by EAR status and by submodule, the most frequent findings, and the
 * machines clustered by authenticated boot chain (fingerprint.ts), optionally compared with a
 * baseline (a policy, or an earlier summary).
 *
 * Streaming: `FleetSummaryBuilder.add` keeps counters and, per cluster, the machine ids (the
 * answer to "which machines loaded this" needs them) and one copy of the components, so memory
 * grows with the number of machines by one id each, not with their verdicts.
 */
import { POLICY_BANKS } from '../policy/types.js'
import { FLEET_GROUPS, type FleetChange, type FleetCluster, type FleetComponent, type FleetGroupState, type FleetResult, type FleetSummary, type StatusCounts } from './types.js'

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
    if (!c) this.clusters.set(chain.fingerprint, (c = { id: chain.fingerprint, machines: 0, ear_status: zero(), groups: chain.groups, components: chain.components, machineIds: [] }))
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

/** Summarise results (all in memory; use FleetSummaryBuilder to summarise a stream). */
export function summarizeFleet(results: Iterable<FleetResult>, options: SummarizeFleetOptions = {}): FleetSummary {
  const b = new FleetSummaryBuilder()
  for (const r of results) b.add(r)
  return b.finish(options)
}

export function isFleetSummary(x: unknown): x is FleetSummary {
  return typeof x === 'object' && x !== null && (x as FleetSummary).kind === 'bootproof-fleet-summary' && (x as FleetSummary).version === 1 && Array.isArray((x as FleetSummary).clusters)
}

/** Each component digest with the machines that loaded it (a machine counted once per digest). */
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
      } else out.set(comp.digest, { component: comp, machines: c.machines, clusters: [c] })
    }
  }
  return out
}

/**
 * What a policy pins by digest: `<bank>:<hex>` digests it names anywhere, and the (PCR, event
 * type) pairs its event rules pin (a rule with `match: "any"` or without digests pins nothing).
 */
function policyDigests(policy: unknown): { digests: Set<string>; pinned: Set<string> } {
  const digests = new Set<string>()
  const banks = new Set<string>(POLICY_BANKS)
  const walk = (v: unknown, depth: number): number => {
    if (depth > 32 || typeof v !== 'object' || v === null) return 0
    if (Array.isArray(v)) return v.reduce((n: number, x) => n + walk(x, depth + 1), 0)
    let n = 0
    for (const [k, x] of Object.entries(v)) {
      const add = (s: unknown) => typeof s === 'string' && /^[0-9a-fA-F]+$/.test(s) && (n++, digests.add(`${k}:${s.toLowerCase()}`))
      if (banks.has(k)) {
        if (Array.isArray(x)) x.forEach(add)
        else add(x)
      } else n += walk(x, depth + 1)
    }
    return n
  }
  walk(policy, 0)
  const pinned = new Set<string>()
  const rules = (policy as { eventRules?: { pcr?: number; eventTypes?: string[]; match?: string }[] })?.eventRules
  for (const r of Array.isArray(rules) ? rules : []) {
    if (r.match === 'any' || walk(r, 0) === 0) continue
    for (const t of r.eventTypes ?? []) pinned.add(`${r.pcr}:${t}`)
  }
  return { digests, pinned }
}

/**
 * What changed against a baseline. Against an earlier summary: component digests loaded now
 * and never before (`added`, with the machines that load them now) and the reverse (`removed`,
 * with the machines that loaded them then). Against a policy: component digests the policy
 * names nowhere, among the events its rules pin by digest (`added`); events a rule accepts with
 * any digest (`match: "any"`, e.g. per-machine variables) or that no rule names are not
 * reported, since the policy says nothing about them. That selection reads the stated event
 * type, a label: it only chooses what this report lists, never a cluster or a verdict.
 * Authenticode digests of Windows drivers are compared as they are; only event digests can
 * appear in a policy's event rules.
 */
export function compareWithBaseline(summary: FleetSummary, baseline: unknown): NonNullable<FleetSummary['baseline']> {
  const now = componentIndex(summary)
  const changes: FleetChange[] = []
  const change = (kind: FleetChange['change'], c: FleetComponent, machines: number): FleetChange => ({ change: kind, group: c.group, pcr: c.pcr, digest: c.digest, event: c.event, label: c.label, labelVerified: c.labelVerified, machines })
  if (isFleetSummary(baseline)) {
    const before = componentIndex(baseline)
    for (const [d, e] of now) if (!before.has(d)) changes.push(change('added', e.component, e.machines))
    for (const [d, e] of before) if (!now.has(d)) changes.push(change('removed', e.component, e.machines))
    changes.sort((a, b) => b.machines - a.machines || a.change.localeCompare(b.change) || a.digest.localeCompare(b.digest))
    return { source: 'summary', id: baseline.policyId ?? `summary of ${baseline.lines} lines`, changes }
  }
  const { digests, pinned } = policyDigests(baseline)
  for (const [d, e] of now) if (!digests.has(d) && pinned.has(`${e.component.pcr}:${e.component.event}`)) changes.push(change('added', e.component, e.machines))
  changes.sort((a, b) => b.machines - a.machines || a.digest.localeCompare(b.digest))
  const id = typeof (baseline as { id?: unknown })?.id === 'string' ? (baseline as { id: string }).id : 'policy'
  return { source: 'policy', id, changes }
}
