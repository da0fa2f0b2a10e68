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
import { toHex } from '../bytes/hex.js'
import type { DecodedEventData, SignatureEntry } from '../eventlog/decode/types.js'
import { verifyEventIntegrity } from '../eventlog/integrity.js'
import { isExtended, replayEventLog } from '../eventlog/replay.js'
import type { EventLog, TcgEvent } from '../eventlog/types.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import { makeContext } from '../state/fact.js'
import { extractWindowsState, type BootModule, type ElamDriver, type WindowsState } from '../state/windows/windows_state.js'
import { parseCertificate } from '../x509/certificate.js'
import { COMPONENT_LABELS, describeEvents, type ComponentKind, type EventDescription } from './describe.js'
import { align } from './lcs.js'

export type { ComponentKind } from './describe.js'

/** One event, as referenced from a diff. */
export interface EventRef {
  /** Event index in its log. */
  index: number
  type: string
  /** Digest in the compared bank, lowercase hex ('' when the event has none). */
  digest: string
  component: ComponentKind
  name: string
  summary: string
}

export interface PcrDiff {
  identical: boolean
  /** Replayed value in the compared bank (absent when the bank cannot be replayed). */
  valueA?: string
  valueB?: string
  eventCountA: number
  eventCountB: number
  /** Events only in B. */
  added: EventRef[]
  /** Events only in A. */
  removed: EventRef[]
  /** Events of A replaced by an event of B for the same component. */
  changed: { a: EventRef; b: EventRef }[]
  /** Aligned events (same type and digest) whose decoded name differs: a hint moved, the measurement did not. */
  hintsDiffer: { a: EventRef; b: EventRef }[]
}

export interface SignatureEntryRef {
  type: 'x509' | 'sha256' | 'other'
  /** x509: certificate SHA-256 fingerprint; sha256: the hash; other: SHA-256 of the entry data. */
  sha256: string
  subject?: string
  owner?: string
}

export interface SignatureEntriesDiff {
  added: SignatureEntryRef[]
  removed: SignatureEntryRef[]
  unchanged: number
}

export interface ComponentSide {
  /** First event of the component on this side. */
  eventIndex?: number
  /** Event digest in the compared bank; for Windows boot drivers the Authenticode hash. */
  digest?: string
  /** Decoded content: a variable's value, a path, a command line, a certificate. */
  value?: string
  path?: string
}

export interface ComponentChange {
  component: ComponentKind
  /** Decoded name: variable, path, firmware volume, module, claim. */
  name: string
  change: 'added' | 'removed' | 'changed'
  pcr: number
  before?: ComponentSide
  after?: ComponentSide
  /** Events of log A / B behind this change. */
  eventsA: number[]
  eventsB: number[]
  /** One line for a human. */
  summary: string
  /** Secure Boot databases: entries added / removed. */
  entries?: SignatureEntriesDiff
}

export interface BootChainDiff {
  identical: boolean
  /** Bank the digests were compared in; null when the logs share none (event data compared). */
  bank: string | null
  registerKind: 'pcr' | 'cc-mr'
  /** Every register either log extends, keyed by index. */
  pcrs: Record<string, PcrDiff>
  components: ComponentChange[]
  notes: string[]
}

export interface DiffBootChainsOptions {
  /** Bank to compare in (default: sha256, else the strongest bank both logs carry). */
  bank?: string
  /** Decode Windows SIPA data into boot-driver / ELAM / claim components (default true). */
  windows?: boolean
  hash?: HashProvider
}

const BANK_PREFERENCE = ['sha256', 'sha384', 'sha512', 'sm3_256', 'sha3_256', 'sha3_384', 'sha3_512', 'sha1']

/** The Windows boot state the diff compares (src/state/windows). */
type WindowsStateLike = WindowsState
type WindowsModuleLike = BootModule
type ElamLike = ElamDriver

interface Side {
  log: EventLog
  desc: Map<number, EventDescription>
  byPcr: Map<number, TcgEvent[]>
  keys: Map<number, string>
  values: Map<number, string>
  windows: WindowsStateLike | undefined
}

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

function side(log: EventLog, bank: string | null, hash: HashProvider, windows: boolean): Side {
  const win = windows ? windowsState(log) : undefined
  const sipa = new Set((win?.sipaEvents ?? []).filter((e) => e.role === 'sipa').map((e) => e.eventIndex))
  const desc = describeEvents(log, (ev) => {
    if (!sipa.has(ev.index)) return undefined
    const mods = (win?.bootModules ?? []).filter((m) => m.events.includes(ev.index))
    const elam = (win?.elamDrivers ?? []).filter((e) => e.eventIndex === ev.index)
    const parts = [mods.length ? `${mods.length} boot module(s)` : '', elam.length ? `ELAM ${elam.map((e) => e.name).join(', ')}` : ''].filter(Boolean)
    return { kind: 'windows-boot-configuration', name: `SIPA event (PCR ${ev.pcrIndex})`, cls: `sipa:${ev.pcrIndex}`, value: parts.length ? parts.join('; ') : 'SIPA data' }
  })
  const byPcr = new Map<number, TcgEvent[]>()
  const keys = new Map<number, string>()
  for (const ev of log.events) {
    if (!isExtended(log, ev.eventType, ev.pcrIndex)) continue
    const list = byPcr.get(ev.pcrIndex) ?? []
    list.push(ev)
    byPcr.set(ev.pcrIndex, list)
    keys.set(ev.index, `${ev.eventType}:${digestOf(ev, bank, hash)}`)
  }
  const values = new Map<number, string>()
  if (bank) {
    const rb = replayEventLog(log, { hash }).banks.get(bank)
    if (rb?.replayable) for (const [i, p] of rb.pcrs) if (p.replayable) values.set(i, toHex(p.value))
  }
  return { log, desc, byPcr, keys, values, windows: win }
}

function windowsState(log: EventLog): WindowsStateLike | undefined {
  if (log.registerKind !== 'pcr') return undefined
  try {
    const w = extractWindowsState(makeContext(log, verifyEventIntegrity(log)))
    return w.detected ? w : undefined
  } catch {
    // The Windows decoder is total by design; if it ever throws, fall back to event-level components.
    return undefined
  }
}

function digestOf(ev: TcgEvent, bank: string | null, hash: HashProvider): string {
  if (bank === null) return `data:${toHex(hash.digest('sha256', ev.data))}`
  const d = ev.digests.find((x) => x.bank === bank)
  return d ? toHex(d.digest) : `missing:${toHex(hash.digest('sha256', ev.data))}`
}

function digestHex(s: Side, ev: TcgEvent): string {
  const k = s.keys.get(ev.index)!
  const d = k.slice(k.indexOf(':') + 1)
  return /^[0-9a-f]+$/.test(d) ? d : ''
}

function ref(s: Side, ev: TcgEvent): EventRef {
  const d = s.desc.get(ev.index)!
  return { index: ev.index, type: ev.typeName, digest: digestHex(s, ev), component: d.kind, name: d.name, summary: d.value }
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

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}

/**
 * A readable change of two texts: both in full when short, else the whitespace-separated
 * tokens removed and added (a command line losing `noswap` and gaining `console=tty1`).
 */
export function textChange(a: string, b: string): string {
  if (a.length + b.length <= 120 || !/\s/.test(a + b)) return `${clip(a, 100)} → ${clip(b, 100)}`
  const ta = a.split(/\s+/).filter(Boolean)
  const tb = b.split(/\s+/).filter(Boolean)
  const count = new Map<string, number>()
  for (const t of tb) count.set(t, (count.get(t) ?? 0) + 1)
  const removed: string[] = []
  for (const t of ta) {
    const n = count.get(t) ?? 0
    if (n > 0) count.set(t, n - 1)
    else removed.push(t)
  }
  const added: string[] = []
  for (const [t, n] of count) for (let i = 0; i < n; i++) added.push(t)
  // Keep B's order for additions.
  added.sort((p, q) => tb.indexOf(p) - tb.indexOf(q))
  const show = (list: string[], sign: string) => list.slice(0, 6).map((t) => `${sign}${clip(t, 48)}`).join(' ') + (list.length > 6 ? ` (${list.length - 6} more)` : '')
  const parts = [removed.length ? show(removed, '−') : '', added.length ? show(added, '+') : ''].filter(Boolean)
  return parts.length ? parts.join(' ') : 'whitespace / order changed'
}

function short(d: string | undefined): string {
  return d ? `${d.slice(0, 12)}…` : '?'
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

// ---------------------------------------------------------------------------------------------
// Secure Boot databases: entry-level differences

function entryRefs(ev: TcgEvent | undefined): SignatureEntryRef[] | undefined {
  if (!ev) return undefined
  const d = ev.decoded as DecodedEventData
  if (d.kind !== 'uefi-variable') return undefined
  if (d.value.type === 'signature-lists') return d.value.lists.flatMap((l) => l.entries.map(entryRef))
  if (d.value.type === 'signature-data') return [entryRef(d.value.entry)]
  return undefined
}

const subjectCache = new WeakMap<Uint8Array, string | null>()

function entryRef(e: SignatureEntry): SignatureEntryRef {
  const owner = e.ownerName ?? (e.owner || undefined)
  if (e.type === 'x509') {
    let subject = subjectCache.get(e.der)
    if (subject === undefined) {
      try {
        subject = parseCertificate(e.der).subject
      } catch {
        subject = null
      }
      subjectCache.set(e.der, subject)
    }
    return { type: 'x509', sha256: e.sha256, ...(subject ? { subject } : {}), ...(owner ? { owner } : {}) }
  }
  if (e.type === 'sha256') return { type: 'sha256', sha256: e.hash, ...(owner ? { owner } : {}) }
  return { type: 'other', sha256: toHex(defaultHashProvider().digest('sha256', e.data)), ...(owner ? { owner } : {}) }
}

function signatureEntriesDiff(x: TcgEvent | undefined, y: TcgEvent | undefined): SignatureEntriesDiff | undefined {
  const ra = entryRefs(x)
  const rb = entryRefs(y)
  if (!ra && !rb) return undefined
  const key = (r: SignatureEntryRef) => `${r.type}:${r.sha256}`
  const ka = new Set((ra ?? []).map(key))
  const kb = new Set((rb ?? []).map(key))
  const added = (rb ?? []).filter((r) => !ka.has(key(r)))
  const removed = (ra ?? []).filter((r) => !kb.has(key(r)))
  const unchanged = (ra ?? []).filter((r) => kb.has(key(r))).length
  return { added, removed, unchanged }
}

function entriesText(e: SignatureEntriesDiff): string {
  const part = (list: SignatureEntryRef[], sign: string) => {
    if (!list.length) return ''
    const certs = list.filter((r) => r.type === 'x509')
    const hashes = list.filter((r) => r.type === 'sha256').length
    const other = list.filter((r) => r.type === 'other').length
    const bits: string[] = []
    if (certs.length) bits.push(`${certs.length} cert${certs.length === 1 ? '' : 's'} (${certs.slice(0, 3).map((c) => c.subject ?? `sha256:${short(c.sha256)}`).join('; ')}${certs.length > 3 ? '; …' : ''})`)
    if (hashes) bits.push(`${hashes} hash${hashes === 1 ? '' : 'es'}`)
    if (other) bits.push(`${other} other`)
    return `${sign}${bits.join(', ')}`
  }
  const parts = [part(e.added, '+'), part(e.removed, '−')].filter(Boolean)
  return parts.length ? `entries ${parts.join(' ')}` : 'entries unchanged'
}

// ---------------------------------------------------------------------------------------------
// Windows: boot modules, ELAM drivers, claims

function pcrOf(s: Side, events: number[], fallback: number): number {
  const i = events[0]
  return i !== undefined ? (s.log.events[i]?.pcrIndex ?? fallback) : fallback
}

function diffWindows(sa: Side, sb: Side): ComponentChange[] {
  const out: ComponentChange[] = []
  const wa = sa.windows
  const wb = sb.windows
  // Boot modules by path (case-insensitive), compared as sets of Authenticode hashes.
  const group = (w: WindowsStateLike | undefined) => {
    const m = new Map<string, WindowsModuleLike[]>()
    for (const mod of w?.bootModules ?? []) {
      const k = (mod.filePath ?? `hash:${mod.authenticodeHash ?? '?'}`).toLowerCase()
      m.set(k, [...(m.get(k) ?? []), mod])
    }
    return m
  }
  const ma = group(wa)
  const mb = group(wb)
  const hashes = (l: WindowsModuleLike[] | undefined) => [...new Set((l ?? []).map((x) => x.authenticodeHash ?? '?'))].sort()
  for (const k of [...new Set([...ma.keys(), ...mb.keys()])]) {
    const la = ma.get(k)
    const lb = mb.get(k)
    const ha = hashes(la)
    const hb = hashes(lb)
    if (la && lb && ha.join() === hb.join()) continue
    const eventsA = [...new Set((la ?? []).flatMap((x) => x.events))].sort((p, q) => p - q)
    const eventsB = [...new Set((lb ?? []).flatMap((x) => x.events))].sort((p, q) => p - q)
    const name = (lb ?? la)![0]!.filePath ?? k
    const change: ComponentChange['change'] = la && lb ? 'changed' : la ? 'removed' : 'added'
    const sideOf = (l: WindowsModuleLike[], events: number[]): ComponentSide => ({
      ...(events[0] !== undefined ? { eventIndex: events[0] } : {}),
      digest: hashes(l).join(','),
      value: l.map((x) => [x.signer?.publisher, x.svn !== undefined ? `SVN ${x.svn}` : ''].filter(Boolean).join(', ')).filter(Boolean).join('; ') || (l[0]!.filePath ?? ''),
      ...(l[0]!.filePath ? { path: l[0]!.filePath } : {}),
    })
    const detail = change === 'changed' ? `Authenticode ${ha.map(short).join(',')} → ${hb.map(short).join(',')}` : `Authenticode ${(lb ? hb : ha).map(short).join(',')}`
    out.push({
      component: 'windows-boot-driver',
      name,
      change,
      pcr: lb ? pcrOf(sb, eventsB, 13) : pcrOf(sa, eventsA, 13),
      ...(la ? { before: sideOf(la, eventsA) } : {}),
      ...(lb ? { after: sideOf(lb, eventsB) } : {}),
      eventsA,
      eventsB,
      summary: `Windows boot driver ${name} ${change}: ${detail}`,
    })
  }
  // ELAM drivers by name.
  const ea = new Map((wa?.elamDrivers ?? []).map((e) => [e.name, e]))
  const eb = new Map((wb?.elamDrivers ?? []).map((e) => [e.name, e]))
  const elamValue = (e: ElamLike) => [e.measured !== undefined ? `measured ${e.measured}` : '', e.configuration !== undefined ? `configuration ${e.configuration}` : '', e.policy !== undefined ? `policy ${e.policy}` : ''].filter(Boolean).join(', ')
  for (const name of [...new Set([...ea.keys(), ...eb.keys()])]) {
    const x = ea.get(name)
    const y = eb.get(name)
    if (x && y && elamValue(x) === elamValue(y)) continue
    const change: ComponentChange['change'] = x && y ? 'changed' : x ? 'removed' : 'added'
    out.push({
      component: 'windows-elam',
      name,
      change,
      pcr: (y ?? x)!.pcr,
      ...(x ? { before: { eventIndex: x.eventIndex, value: elamValue(x) } } : {}),
      ...(y ? { after: { eventIndex: y.eventIndex, value: elamValue(y) } } : {}),
      eventsA: x ? [x.eventIndex] : [],
      eventsB: y ? [y.eventIndex] : [],
      summary: `Windows ELAM driver ${name} ${change}${change === 'changed' ? `: ${elamValue(x!)} → ${elamValue(y!)}` : ''}`,
    })
  }
  // Claims (MAA names).
  const ca: Partial<WindowsState['claims']> = wa?.claims ?? {}
  const cb: Partial<WindowsState['claims']> = wb?.claims ?? {}
  for (const k of [...new Set([...Object.keys(ca), ...Object.keys(cb)])] as (keyof WindowsState['claims'])[]) {
    const x = ca[k]
    const y = cb[k]
    const vx = x ? JSON.stringify(x.value) : undefined
    const vy = y ? JSON.stringify(y.value) : undefined
    if (vx === vy) continue
    out.push({
      component: 'windows-boot-configuration',
      name: k,
      change: x && y ? 'changed' : x ? 'removed' : 'added',
      pcr: y ? pcrOf(sb, y.events, 12) : pcrOf(sa, x!.events, 12),
      ...(x ? { before: { ...(x.events[0] !== undefined ? { eventIndex: x.events[0] } : {}), value: vx! } } : {}),
      ...(y ? { after: { ...(y.events[0] !== undefined ? { eventIndex: y.events[0] } : {}), value: vy! } } : {}),
      eventsA: x?.events ?? [],
      eventsB: y?.events ?? [],
      summary: `Windows ${k}: ${vx ?? '(absent)'} → ${vy ?? '(absent)'}`,
    })
  }
  return out
}
