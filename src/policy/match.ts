/**
 * Matching the events of one slot (PCR + event types) against its chain of rules (types.ts
 * `EventRule`): the events must be the concatenation of one alternative of each `sequence` rule,
 * in policy order. Search with memoised backtracking (rules × positions states); on failure the
 * deepest point reached names the first event that diverges, plus every event whose digest is in
 * no alternative at all.
 */
import type { DigestSpec, EventEntry, EventRule, PolicyBank } from './types.js'
import { POLICY_BANKS } from './types.js'

export interface SlotEvent {
  index: number
  pcr: number
  typeName: string
  /** bank → lowercase hex */
  digests: Record<string, string>
}

export interface ChainRule {
  rule: EventRule
  /** Index in policy.eventRules (for the JSON pointer). */
  ruleIndex: number
}

/**
 * Whether an event's digests match a policy digest spec: every bank present on both sides is
 * equal (anti-downgrade, as CoRIM), and at least one common bank is one of `banks` (the policy's
 * required banks), so a SHA-1-only reference cannot vouch for a SHA-256 event.
 */
export function digestMatches(spec: DigestSpec, digests: Record<string, string>, banks: readonly PolicyBank[]): boolean {
  let strong = false
  for (const b of POLICY_BANKS) {
    const want = spec[b]
    if (want === undefined) continue
    // Read only banks the spec names: an event's hex is encoded on first read of each bank.
    const got = digests[b]
    if (got === undefined) continue
    if (want !== got) return false
    if (banks.includes(b)) strong = true
  }
  return strong
}

export function entryMatches(e: EventEntry, ev: SlotEvent, banks: readonly PolicyBank[]): boolean {
  return e.any === true || digestMatches(e, ev.digests, banks)
}

export interface ChainAssignment {
  ruleIndex: number
  alternative: number
  events: number[]
}

export type ChainResult =
  | { ok: true; assignment: ChainAssignment[] }
  | {
      ok: false
      /** Events whose digest is in no entry of any rule of the slot. */
      unknown: { event: SlotEvent; rule: ChainRule }[]
      /** Position (in the slot's events) of the deepest divergence; = events.length when events ran out. */
      deepest: number
      /** The rule expected at the divergence and the entries it would have accepted there. */
      expectedRule: ChainRule
      expectedEntries: EventEntry[]
    }

export function matchChain(chain: readonly ChainRule[], events: readonly SlotEvent[], banks: readonly PolicyBank[]): ChainResult {
  const n = events.length
  const failed = new Set<number>()
  let deepest = -1
  let expectedRule = chain[0]!
  let expectedEntries: EventEntry[] = []
  // rule active at each position on the path that reached `deepest`
  let pathAtDeepest: number[] = []
  const path: number[] = []
  const note = (pos: number, r: number, entry: EventEntry | undefined): void => {
    if (pos > deepest) {
      deepest = pos
      expectedRule = chain[r] ?? chain[chain.length - 1]!
      expectedEntries = entry ? [entry] : []
      pathAtDeepest = path.slice(0, pos)
    } else if (pos === deepest && entry && expectedEntries.length < 8 && !expectedEntries.includes(entry)) expectedEntries.push(entry)
  }
  const out: ChainAssignment[] = []
  const solve = (r: number, pos: number): boolean => {
    if (r === chain.length) {
      if (pos === n) return true
      note(pos, chain.length - 1, undefined)
      return false
    }
    const key = r * (n + 1) + pos
    if (failed.has(key)) return false
    const alts = chain[r]!.rule.alternatives ?? []
    for (let a = 0; a < alts.length; a++) {
      const want = alts[a]!.events
      let k = 0
      while (k < want.length && pos + k < n && entryMatches(want[k]!, events[pos + k]!, banks)) {
        path[pos + k] = r
        k++
      }
      if (k < want.length) {
        note(pos + k, r, want[k])
        continue
      }
      out.push({ ruleIndex: chain[r]!.ruleIndex, alternative: a, events: events.slice(pos, pos + k).map((e) => e.index) })
      if (solve(r + 1, pos + k)) return true
      out.pop()
    }
    failed.add(key)
    return false
  }
  if (solve(0, 0)) return { ok: true, assignment: out }
  // Attribute an unknown event to the rule expected at the divergence, or, further on, to the rule
  // whose usual span (first alternative's length, cumulated) covers its position.
  const spanRule = (pos: number): ChainRule => {
    let end = 0
    for (const c of chain) {
      end += c.rule.alternatives?.[0]?.events.length ?? 0
      if (pos < end) return c
    }
    return chain[chain.length - 1]!
  }
  const unknown: { event: SlotEvent; rule: ChainRule }[] = []
  events.forEach((ev, pos) => {
    const known = chain.some((c) => (c.rule.alternatives ?? []).some((a) => a.events.some((e) => !e.any && entryMatches(e, ev, banks))))
    if (!known) unknown.push({ event: ev, rule: pos < deepest ? chain[pathAtDeepest[pos]!]! : pos === deepest ? expectedRule : spanRule(pos) })
  })
  return { ok: false, unknown, deepest: Math.max(0, deepest), expectedRule, expectedEntries }
}

/** First digest of an event in the preferred banks, as `bank:hex`. */
export function describeDigest(digests: Record<string, string>, banks: readonly PolicyBank[]): string {
  for (const b of [...banks, ...POLICY_BANKS]) if (digests[b]) return `${b}:${digests[b]}`
  return '(no digest)'
}

export function describeEntry(e: EventEntry, banks: readonly PolicyBank[]): string {
  if (e.any) return '(any)'
  for (const b of [...banks, ...POLICY_BANKS]) if (e[b]) return `${b}:${e[b]}${e.description ? ` (${e.description})` : ''}`
  return '(empty)'
}
