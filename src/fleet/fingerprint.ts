/**
 * A machine's boot chain as its quote authenticates it: the cluster key of `summarizeFleet`.
 *
 * Only what the quote authenticates decides the key: each group's PCR statuses and, for the
 * authenticated PCRs, the sequence of event digests in one quoted bank (the sequence is what the
 * TPM measured, whatever the unmeasured event types and data say: src/attest/evidence.ts).
 * Events are never selected by type or name, so editing a label cannot move an event in or out
 * of the key. Labels (variable names, image paths, GRUB commands) ride along for people, marked
 * verified only when the event's digest binds them (`eventTrust`); a label never includes the
 * event type, which no digest binds (it is reported beside it as `event`, as the log states it).
 * A machine without an event log is keyed by the PCR values its quote authenticated; a machine
 * whose AK nobody vouches for has nothing authenticated.
 */
import { eventTrust, pcrTrust, type AuthenticatedEvidence, type PcrStatus } from '../attest/evidence.js'
import { toHex } from '../bytes/hex.js'
import { EV } from '../eventlog/event_types.js'
import { isWbclSeparator } from '../eventlog/windows_marker.js'
import type { TcgEvent } from '../eventlog/types.js'
import type { DecodedEventData } from '../eventlog/decode/types.js'
import { defaultHashProvider } from '../hash/provider.js'
import type { BootState } from '../state/boot_state.js'
import type { AkIdentity } from '../verdict/build.js'
import { FLEET_GROUPS, type FleetBootChain, type FleetComponent, type FleetGroup, type FleetGroupState } from './types.js'

/**
 * PCRs per group (TCG PFP §3.3.4): 0 platform firmware, 7 Secure Boot policy (PK, KEK, db, dbx
 * and the authorities used), 4 boot applications (Authenticode digests), 8-9 GRUB's commands
 * with the kernel command line, and the files it read (kernel, initrd). Windows boot drivers are
 * read from the SIPA records of PCRs 12-13 instead of whole PCRs: Windows also measures boot
 * counters there, which differ on every boot.
 */
export const GROUP_PCRS: Record<FleetGroup, readonly number[]> = {
  firmware: [0],
  'secure-boot': [7],
  'boot-loader': [4],
  kernel: [8, 9],
  'windows-drivers': [12, 13],
}

/** Bank preference for a component's identity: the strongest the quote authenticated. */
const BANK_ORDER = ['sha256', 'sha384', 'sha512', 'sm3_256', 'sha1']
const STATUS_RANK: Record<PcrStatus, number> = { authenticated: 0, consistent: 1, unknown: 2, tainted: 3 }
const utf8 = new TextEncoder()

function shortHash(text: string): string {
  return toHex(defaultHashProvider().digest('sha256', utf8.encode(text))).slice(0, 16)
}

/** The quoted bank that reproduced this PCR, in preference order. */
function quotedBank(ev: AuthenticatedEvidence, pcr: number): string | undefined {
  const banks = pcrTrust(ev, pcr).banks
  return BANK_ORDER.find((b) => banks[b] === 'match')
}

/**
 * A human label from the decoded data; `bound` when that data is what the digest binds. The
 * stated event type is left out: it is not measured (TCG PFP §10.2.1: the digest covers the
 * event data, or something else, never the type), so it must not share the verified flag.
 */
function labelOf(e: TcgEvent): { text: string; bound: boolean } {
  const d = e.decoded as DecodedEventData
  switch (d.kind) {
    case 'uefi-variable':
      return { text: d.known ?? d.name, bound: true }
    case 'image-load':
      // The digest is the image's Authenticode hash: the path is never bound by it.
      return { text: d.filePath ?? d.devicePath ?? '', bound: false }
    case 'ipl':
    case 'action':
    case 'text':
      return { text: d.text, bound: true }
    case 'firmware-blob':
      return { text: `${d.description ?? ''} base ${d.base} length ${d.length}`.replace(/ {2,}/g, ' ').trim(), bound: false }
    case 'separator':
      return { text: d.meaning, bound: true }
    default:
      return { text: '', bound: false }
  }
}

/** What `bootChainOf` reads of a quote: whether it verified, and the PCR values it authenticated (hex). */
export interface QuotedPcrs {
  valid: boolean
  pcrs: Record<string, Record<string, string>>
}

/**
 * Without an event log, a group is told apart by the values its PCRs were quoted with (in the
 * preferred bank the quote has); a quote that did not verify authenticates nothing. Windows
 * drivers are never keyed this way: PCRs 12-13 also carry per-boot counters.
 */
function quotedValues(quote: QuotedPcrs | undefined, g: FleetGroup): string {
  if (!quote?.valid || g === 'windows-drivers') return ''
  const parts: string[] = []
  for (const pcr of GROUP_PCRS[g]) {
    const bank = BANK_ORDER.find((b) => typeof quote.pcrs[b]?.[String(pcr)] === 'string')
    if (bank) parts.push(`${pcr}=${bank}:${quote.pcrs[bank]![String(pcr)]!.toLowerCase()}`)
  }
  return parts.length ? `|quoted|${parts.join('|')}` : ''
}

function worst(statuses: PcrStatus[]): FleetGroupState['status'] {
  let w: PcrStatus = 'authenticated'
  for (const s of statuses) if (STATUS_RANK[s] > STATUS_RANK[w]) w = s
  // A quote-basis evidence never yields `consistent`; map it to `unknown` defensively.
  return w === 'consistent' ? 'unknown' : w
}

/** A boot chain: its groups and components, keyed by every group's fingerprint. */
function chain(groups: Record<FleetGroup, FleetGroupState>, components: FleetComponent[]): FleetBootChain {
  return { fingerprint: shortHash(FLEET_GROUPS.map((g) => groups[g].fingerprint).join(',')), groups, components }
}

/** The boot chain of one verified attestation (absent groups when no event log was given). */
export function bootChainOf(r: { evidence?: AuthenticatedEvidence; state?: BootState; quote?: QuotedPcrs; akIdentity?: AkIdentity }): FleetBootChain {
  const groups = {} as Record<FleetGroup, FleetGroupState>
  const components: FleetComponent[] = []
  // A quote signed by an AK nobody vouches for (no certificate chain to your roots, not enrolled,
  // not bound by hardware) could be made by anyone with any PCR values: it authenticates nothing,
  // so such a machine is clustered like one whose quote failed, with no component attributed.
  if (r.akIdentity === 'unknown') {
    for (const g of FLEET_GROUPS) groups[g] = { status: 'unknown', fingerprint: shortHash(`${g}:ak-unidentified`) }
    return chain(groups, components)
  }
  const ev = r.evidence
  if (!ev) {
    for (const g of FLEET_GROUPS) groups[g] = { status: 'absent', fingerprint: shortHash(`${g}:absent${quotedValues(r.quote, g)}`) }
    return chain(groups, components)
  }
  const byPcr = new Map<number, TcgEvent[]>()
  for (const e of ev.log.events) {
    // EV_NO_ACTION is never extended (replay rules), so it is no part of what the TPM measured.
    if (e.eventType === EV.EV_NO_ACTION) continue
    const list = byPcr.get(e.pcrIndex)
    if (list) list.push(e)
    else byPcr.set(e.pcrIndex, [e])
  }
  // A Windows boot only when a "WBCL" separator is itself trusted (its digest binds it, in a
  // quoted PCR): one appended in a PCR the quote does not cover must not move the machine.
  const windows = ev.log.events.some((e) => isWbclSeparator(e) && eventTrust(ev, e.index).trusted)
  for (const g of FLEET_GROUPS) {
    if (g === 'windows-drivers') {
      groups[g] = windows ? windowsDrivers(ev, r.state, components) : { status: 'absent', fingerprint: shortHash(`${g}:absent`) }
      continue
    }
    const parts: string[] = []
    const statuses: PcrStatus[] = []
    for (const pcr of GROUP_PCRS[g]) {
      const t = pcrTrust(ev, pcr)
      statuses.push(t.status)
      const bank = t.status === 'authenticated' ? quotedBank(ev, pcr) : undefined
      if (!bank) {
        parts.push(`${pcr}:${t.status}`)
        continue
      }
      const digests: string[] = []
      for (const e of byPcr.get(pcr) ?? []) {
        const d = e.digests.find((x) => x.bank === bank)
        if (!d) continue
        const digest = `${bank}:${toHex(d.digest)}`
        digests.push(digest)
        const label = labelOf(e)
        components.push({ group: g, pcr, digest, event: e.typeName, label: label.text, labelVerified: label.bound && eventTrust(ev, e.index).trusted })
      }
      parts.push(`${pcr}:authenticated:${digests.join(',')}`)
    }
    groups[g] = { status: worst(statuses), fingerprint: shortHash(`${g}|${parts.join('|')}`) }
  }
  return chain(groups, components)
}

/**
 * Windows boot drivers by name and Authenticode hash, from SIPA records the state extractor
 * trusts (their event digests bind the record, name included, in an authenticated PCR).
 * Untrusted records are left out of the key: the log alone says nothing about them.
 */
function windowsDrivers(ev: AuthenticatedEvidence, state: BootState | undefined, components: FleetComponent[]): FleetGroupState {
  const status = worst(GROUP_PCRS['windows-drivers'].map((p) => pcrTrust(ev, p).status))
  const keys: string[] = []
  for (const m of state?.windows?.bootModules ?? []) {
    if (!m.trusted || !m.authenticodeHash) continue
    const alg = (m.hashAlgorithm?.name ?? 'unknown').toLowerCase()
    const digest = `authenticode-${alg}:${m.authenticodeHash.toLowerCase()}`
    const name = m.filePath ?? ''
    keys.push(`${name}|${digest}`)
    const first = m.events[0]
    components.push({ group: 'windows-drivers', event: 'SIPA_LOADEDMODULE_AGGREGATION', pcr: first !== undefined ? (ev.log.events[first]?.pcrIndex ?? 13) : 13, digest, label: name, labelVerified: true })
  }
  keys.sort()
  return { status, fingerprint: shortHash(`windows-drivers|${status}|${keys.join(',')}`) }
}
