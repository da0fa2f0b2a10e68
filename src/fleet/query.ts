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
  machineIds: string[]
}

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

export function queryFleet(summary: Pick<FleetSummary, 'clusters'>, component: string): FleetQueryResult {
  const q = component.trim()
  const hex = HEX.exec(q)
  const bankPrefix = hex && q.includes(':') ? q.slice(0, q.indexOf(':')).toLowerCase() + ':' : undefined
  const matches: FleetQueryMatch[] = []
  for (const [digest, e] of componentIndex(summary)) {
    let by: FleetQueryMatch['by'] | undefined
    if (hex) {
      const [prefix, value] = [digest.slice(0, digest.indexOf(':') + 1), digest.slice(digest.indexOf(':') + 1)]
      if ((!bankPrefix || bankPrefix === prefix) && value.startsWith(hex[1]!.toLowerCase())) by = 'digest'
    } else if (q && e.component.label.toLowerCase().includes(q.toLowerCase())) by = 'label'
    if (!by) continue
    matches.push({ component: e.component, by, machines: e.machines, clusters: e.clusters.map((c) => c.id), machineIds: e.clusters.flatMap((c) => c.machineIds) })
  }
  matches.sort((a, b) => b.machines - a.machines || a.component.digest.localeCompare(b.component.digest))
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
