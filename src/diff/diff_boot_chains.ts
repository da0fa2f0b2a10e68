/**
 * `diffBootChains(a, b)`: what changed in the boot chain between two event logs of the same
 * platform. The operator's question after a bad update lands on a fleet: which component
 * (firmware volume, option ROM, boot loader, kernel, initrd, command line, Secure Boot variable,
 * Windows boot driver, ELAM driver) was added, removed or changed, in which PCR, and which events.
 *
 * Method (documented in docs/diff.md):
 * 1. Each log's measured events (EV_NO_ACTION excluded) are grouped per PCR in log order.
 * 2. Per PCR, the two sequences are aligned on (event type, digest in the compared bank) keys by
 *    a longest common subsequence. Equal keys are the same measurement.
 * 3. In each gap between aligned events, removed and added events are paired into "changed"
 *    components: first by identity (the same variable, file path, firmware volume), then by
 *    class in order (the 2nd boot application without a device path, the next `set` command).
 *    What is left is "removed" (only in A) or "added" (only in B).
 * 4. Changed Secure Boot databases (PK, KEK, db, dbx, MokList, ...) carry entry-level
 *    differences: certificates by SHA-256 fingerprint (with subject) and hashes added / removed.
 * 5. For Windows logs the SIPA events of PCR 12-14 are compared module by module (the boot
 *    drivers winload measures, by path and Authenticode hash), ELAM driver by ELAM driver, and
 *    claim by claim (boot debugging, test signing, ...), using the Windows boot state.
 *
 * The diff compares what the logs claim. Names come from event data, an unverified hint unless
 * the event verifies; run `verifyAttestation` / the integrity check to know which side to trust.
 */
import type { EventLog, TcgEvent } from '../eventlog/types.js'
import { defaultHashProvider } from '../hash/provider.js'
import { COMPONENT_LABELS, type EventDescription } from './describe.js'
import { align } from './lcs.js'
import { side, digestHex, ref, type Side } from './side.js'
import { entriesText, signatureEntriesDiff } from './signature_entries.js'
import { clip, short, textChange } from './text.js'
import type { BootChainDiff, ComponentChange, ComponentSide, DiffBootChainsOptions, PcrDiff } from './types.js'
import { diffWindows } from './windows.js'

export type { ComponentKind } from './describe.js'
export type { BootChainDiff, ComponentChange, ComponentSide, DiffBootChainsOptions, EventRef, PcrDiff, SignatureEntriesDiff, SignatureEntryRef } from './types.js'
export { textChange } from './text.js'

const BANK_PREFERENCE = ['sha256', 'sha384', 'sha512', 'sm3_256', 'sha3_256', 'sha3_384', 'sha3_512', 'sha1']

/**
 * Compare two boot chains.
 * @example
 * const d = diffBootChains(parseEventLog(before), parseEventLog(after))
 * for (const c of d.components) console.log(c.summary)
 * // kernel /boot/vmlinuz-5.4.0-42-generic changed (PCR 9): … → /boot/vmlinuz-5.4.0-45-generic
 */
export function diffBootChains(a: EventLog, b: EventLog, options: DiffBootChainsOptions = {}): BootChainDiff {
  const hash = options.hash ?? defaultHashProvider()
  const notes: string[] = []
  if (a.registerKind !== b.registerKind) notes.push(`log A records ${a.registerKind} registers and log B ${b.registerKind}: indices are compared as they are`)
  const bank = chooseBank(a, b, options.bank, notes)
  const sa = side(a, bank, hash, options.windows !== false)
  const sb = side(b, bank, hash, options.windows !== false)
  if (sa.windows || sb.windows) notes.push('Windows measured boot detected: PCR 12-14 compared by boot module, ELAM driver and claim')

  const pcrs: Record<string, PcrDiff> = {}
  const components: ComponentChange[] = []
  const sipaComponents: ComponentChange[] = []
  const all = [...new Set([...sa.byPcr.keys(), ...sb.byPcr.keys()])].sort((x, y) => x - y)
  for (const pcr of all) {
    const ea = sa.byPcr.get(pcr) ?? []
    const eb = sb.byPcr.get(pcr) ?? []
    const pd: PcrDiff = { identical: true, eventCountA: ea.length, eventCountB: eb.length, added: [], removed: [], changed: [], hintsDiffer: [] }
    if (sa.values.has(pcr)) pd.valueA = sa.values.get(pcr)!
    if (sb.values.has(pcr)) pd.valueB = sb.values.get(pcr)!
    const ops = align(
      ea.map((e) => sa.keys.get(e.index)!),
      eb.map((e) => sb.keys.get(e.index)!),
    )
    for (const op of ops) {
      if (op.op === 'equal') {
        const x = ea[op.a]!
        const y = eb[op.b]!
        if (sa.desc.get(x.index)!.value !== sb.desc.get(y.index)!.value) pd.hintsDiffer.push({ a: ref(sa, x), b: ref(sb, y) })
        continue
      }
      pd.identical = false
      const ga = op.a.map((i) => ea[i]!)
      const gb = op.b.map((i) => eb[i]!)
      for (const p of pairGap(sa, ga, sb, gb)) {
        const c = componentChange(pcr, p.a, p.b, sa, sb)
        const isSipa = (p.a && sa.desc.get(p.a.index)!.kind === 'windows-boot-configuration') || (p.b && sb.desc.get(p.b.index)!.kind === 'windows-boot-configuration')
        ;(isSipa ? sipaComponents : components).push(c)
        if (p.a && p.b) pd.changed.push({ a: ref(sa, p.a), b: ref(sb, p.b) })
        else if (p.a) pd.removed.push(ref(sa, p.a))
        else if (p.b) pd.added.push(ref(sb, p.b))
      }
    }
    pcrs[String(pcr)] = pd
  }
  if (sipaComponents.length) {
    const win = sa.windows || sb.windows ? diffWindows(sa, sb) : []
    components.push(...(win.length ? win : sipaComponents))
  }
  components.sort((x, y) => x.pcr - y.pcr || firstEvent(x) - firstEvent(y))
  const identical = Object.values(pcrs).every((p) => p.identical)
  return { identical, bank, registerKind: a.registerKind, pcrs, components, notes }
}

function firstEvent(c: ComponentChange): number {
  return Math.min(c.eventsB[0] ?? Infinity, c.eventsA[0] ?? Infinity)
}

function chooseBank(a: EventLog, b: EventLog, wanted: string | undefined, notes: string[]): string | null {
  const ba = new Set(a.algorithms.map((x) => x.bank))
  const bb = new Set(b.algorithms.map((x) => x.bank))
  if (wanted !== undefined) {
    if (!ba.has(wanted) || !bb.has(wanted)) throw new TypeError(`diffBootChains: bank ${wanted} is not in both logs (A: ${[...ba].join(', ')}; B: ${[...bb].join(', ')})`)
    return wanted
  }
  for (const name of BANK_PREFERENCE) if (ba.has(name) && bb.has(name)) return name
  const common = [...ba].find((x) => bb.has(x))
  if (common) return common
  notes.push(`the logs share no digest bank (A: ${[...ba].join(', ')}; B: ${[...bb].join(', ')}): events are compared by SHA-256 of their data, which for image loads is not the measurement`)
  return null
}

/** Pair a gap's removed and added events: identity first, then class in order. */
function pairGap(sa: Side, ga: TcgEvent[], sb: Side, gb: TcgEvent[]): { a?: TcgEvent; b?: TcgEvent }[] {
  const usedB = new Set<number>()
  const partner = new Map<number, TcgEvent>()
  for (const x of ga) {
    const id = sa.desc.get(x.index)!.identity
    if (id === undefined) continue
    const y = gb.find((e) => !usedB.has(e.index) && sb.desc.get(e.index)!.identity === id)
    if (y) {
      usedB.add(y.index)
      partner.set(x.index, y)
    }
  }
  for (const x of ga) {
    if (partner.has(x.index)) continue
    const dx = sa.desc.get(x.index)!
    const y = gb.find((e) => {
      if (usedB.has(e.index) || e.eventType !== x.eventType) return false
      const dy = sb.desc.get(e.index)!
      // Two different identified components of one class (db authority cert X vs cert Y) are still a change of that slot.
      return dy.cls === dx.cls
    })
    if (y) {
      usedB.add(y.index)
      partner.set(x.index, y)
    }
  }
  // Emit in B order for pairs and additions, with removals at A's position.
  const out: { a?: TcgEvent; b?: TcgEvent }[] = []
  for (const x of ga) out.push(partner.has(x.index) ? { a: x, b: partner.get(x.index)! } : { a: x })
  for (const y of gb) if (!usedB.has(y.index)) out.push({ b: y })
  return out
}

function componentChange(pcr: number, x: TcgEvent | undefined, y: TcgEvent | undefined, sa: Side, sb: Side): ComponentChange {
  const dx = x ? sa.desc.get(x.index)! : undefined
  const dy = y ? sb.desc.get(y.index)! : undefined
  const d = (dy ?? dx)!
  const sideOf = (s: Side, ev: TcgEvent, de: EventDescription): ComponentSide => ({ eventIndex: ev.index, digest: digestHex(s, ev), value: de.value, ...(de.path ? { path: de.path } : {}) })
  const change: ComponentChange['change'] = x && y ? 'changed' : x ? 'removed' : 'added'
  const label = COMPONENT_LABELS[d.kind]
  const name = dx && dy && dx.name !== dy.name ? `${dx.name} → ${dy.name}` : d.name
  const entries = signatureEntriesDiff(x, y)
  let detail: string
  if (change === 'changed') {
    const digests = `digest ${short(digestHex(sa, x!))} → ${short(digestHex(sb, y!))}`
    detail = dx!.value === dy!.value ? digests : dx!.path !== undefined || dy!.path !== undefined ? `${textChange(dx!.value, dy!.value)} (${digests})` : textChange(dx!.value, dy!.value)
  } else detail = clip((dy ?? dx)!.value, 160)
  if (entries) detail += `; ${entriesText(entries)}`
  const shownName = name === label || name === detail ? '' : `${name} `
  const summary = `${label} ${shownName}${change} (PCR ${pcr}): ${detail}`
  return {
    component: d.kind,
    name,
    change,
    pcr,
    ...(x ? { before: sideOf(sa, x, dx!) } : {}),
    ...(y ? { after: sideOf(sb, y, dy!) } : {}),
    eventsA: x ? [x.index] : [],
    eventsB: y ? [y.index] : [],
    summary,
    ...(entries ? { entries } : {}),
  }
}
