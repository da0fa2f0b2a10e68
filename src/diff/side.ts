/**
 * One log prepared for the diff: its events described, grouped per PCR with their alignment keys,
 * the replayed values in the compared bank and, for Windows logs, the Windows boot state.
 */
import { toHex } from '../bytes/hex.js'
import { authenticateLog } from '../attest/authenticate_log.js'
import type { AuthenticatedEvidence } from '../attest/evidence.js'
import { isExtended } from '../eventlog/replay.js'
import type { EventLog, TcgEvent } from '../eventlog/types.js'
import type { HashProvider } from '../hash/provider.js'
import { contextFor } from '../state/fact.js'
import { extractWindowsState, type BootModule, type ElamDriver, type WindowsState } from '../state/windows/windows_state.js'
import { describeEvents, type EventDescription } from './describe.js'
import type { EventRef } from './types.js'

/** The Windows boot state the diff compares (src/state/windows). */
export type WindowsStateLike = WindowsState
export type WindowsModuleLike = BootModule
export type ElamLike = ElamDriver

export interface Side {
  log: EventLog
  desc: Map<number, EventDescription>
  byPcr: Map<number, TcgEvent[]>
  keys: Map<number, string>
  values: Map<number, string>
  windows: WindowsStateLike | undefined
}

export function side(log: EventLog, bank: string | null, hash: HashProvider, windows: boolean): Side {
  // One pass over the log (the authentication stage, log basis): the diff compares what two logs
  // say; neither is attested here.
  const evidence = authenticateLog(log, { hash })
  const win = windows ? windowsState(evidence) : undefined
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
    const rb = evidence.replay.banks.get(bank)
    if (rb?.replayable) for (const [i, p] of rb.pcrs) if (p.replayable) values.set(i, toHex(p.value))
  }
  return { log, desc, byPcr, keys, values, windows: win }
}

export function windowsState(evidence: AuthenticatedEvidence): WindowsStateLike | undefined {
  if (evidence.log.registerKind !== 'pcr') return undefined
  try {
    const w = extractWindowsState(contextFor(evidence))
    return w.detected ? w : undefined
  } catch {
    // The Windows decoder is total by design; if it ever throws, fall back to event-level components.
    return undefined
  }
}

export function digestOf(ev: TcgEvent, bank: string | null, hash: HashProvider): string {
  if (bank === null) return `data:${toHex(hash.digest('sha256', ev.data))}`
  const d = ev.digests.find((x) => x.bank === bank)
  return d ? toHex(d.digest) : `missing:${toHex(hash.digest('sha256', ev.data))}`
}

export function digestHex(s: Side, ev: TcgEvent): string {
  const k = s.keys.get(ev.index)!
  const d = k.slice(k.indexOf(':') + 1)
  return /^[0-9a-f]+$/.test(d) ? d : ''
}

export function ref(s: Side, ev: TcgEvent): EventRef {
  const d = s.desc.get(ev.index)!
  return { index: ev.index, type: ev.typeName, digest: digestHex(s, ev), component: d.kind, name: d.name, summary: d.value }
}
