/**
 * `queryFleet`: which machines loaded a component, from a fleet summary.
 *
 * A hex query matches component digests (the identity the quote authenticates), whole or as a
 * prefix of at least 8 hex digits, with or without the `<bank>:` prefix. Any other query
 * matches labels, case-insensitively; because a label is only what the log says (an image path
 * is bound by no digest), label matches are reported with `labelVerified` and `by: 'label'` so a
 * caller can tell "the quote proves this" from "the log says so".
 *
 * Machines are counted by input line (each is in exactly one cluster), so the total equals the
 * sum over the matched clusters whatever the ids say (an id may repeat in the input).
 */
import { componentIndex } from './summary.js'
import type { FleetComponent, FleetSummary } from './types.js'

export interface FleetQueryMatch {
  component: FleetComponent
  by: 'digest' | 'label'
  machines: number
  clusters: string[]
  /** Ids of the machines, within the query's budget (`maxMachineIds`). */
  machineIds: string[]
  /** Ids left out of `machineIds` by the budget. */
  machineIdsOmitted?: number
}

/** Most machine ids one answer lists over all its matches (counts stay exact). */
export const MAX_QUERY_MACHINE_IDS = 100_000

export interface FleetQueryResult {
  query: string
  /** Machines in any matched cluster. */
  machines: number
  /**
   * Machines the match is proven for: matched by digest, or by a label the digest binds. The
   * rest (`machines - verifiedMachines`) matched only by labels their logs state.
   */
  verifiedMachines: number
  matches: FleetQueryMatch[]
}

const HEX = /^(?:[a-z0-9_-]+:)?([0-9a-f]{8,})$/i

/** Every label a component is shown with: its own and the other verified readings a cluster kept. */
function labelsOf(c: FleetComponent): string[] {
  return c.otherLabels ? [c.label, ...c.otherLabels] : [c.label]
}

/**
 * The components matching `component` and the machines that loaded them. Each match lists its
 * machines' ids while the answer's budget lasts (`maxMachineIds`, default
 * MAX_QUERY_MACHINE_IDS): a summary can hold millions of ids and a query many matches, so an
 * answer that listed every id per match could grow as matches x machines.
 */
export function queryFleet(summary: Pick<FleetSummary, 'clusters'>, component: string, options: { maxMachineIds?: number } = {}): FleetQueryResult {
  const q = component.trim()
  const hex = HEX.exec(q)
  const bankPrefix = hex && q.includes(':') ? q.slice(0, q.indexOf(':')).toLowerCase() + ':' : undefined
  const matches: FleetQueryMatch[] = []
  for (const [digest, e] of componentIndex(summary)) {
    let by: FleetQueryMatch['by'] | undefined
    if (hex) {
      const [prefix, value] = [digest.slice(0, digest.indexOf(':') + 1), digest.slice(digest.indexOf(':') + 1)]
      if ((!bankPrefix || bankPrefix === prefix) && value.startsWith(hex[1]!.toLowerCase())) by = 'digest'
    } else if (q && labelsOf(e.component).some((l) => l.toLowerCase().includes(q.toLowerCase()))) by = 'label'
    if (!by) continue
    matches.push({ component: e.component, by, machines: e.machines, clusters: e.clusters.map((c) => c.id), machineIds: [] })
  }
  let budget = options.maxMachineIds ?? MAX_QUERY_MACHINE_IDS
  const byId = new Map(summary.clusters.map((c) => [c.id, c]))
  matches.sort((a, b) => b.machines - a.machines || a.component.digest.localeCompare(b.component.digest))
  for (const m of matches) {
    let omitted = 0
    for (const id of m.clusters) {
      const ids = byId.get(id)?.machineIds ?? []
      const take = Math.min(ids.length, Math.max(0, budget))
      for (let i = 0; i < take; i++) m.machineIds.push(ids[i]!)
      budget -= take
      omitted += ids.length - take
    }
    if (omitted) m.machineIdsOmitted = omitted
  }
  const clusters = new Map(summary.clusters.map((c) => [c.id, c.machines]))
  const all = new Set<string>()
  const proven = new Set<string>()
  for (const m of matches) {
    const verified = m.by === 'digest' || m.component.labelVerified
    for (const id of m.clusters) {
      all.add(id)
      if (verified) proven.add(id)
    }
  }
  const count = (ids: Set<string>) => [...ids].reduce((n, id) => n + (clusters.get(id) ?? 0), 0)
  return { query: q, machines: count(all), verifiedMachines: count(proven), matches }
}
