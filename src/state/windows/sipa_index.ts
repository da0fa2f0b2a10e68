/**
 * One index of a log's SIPA records (windows_state.ts), built once per extraction: record name →
 * every (event, record) hit in log order (events in order, each event's records depth-first),
 * from the SIPA events before their PCR's WBCL separator. Each claim reads its names from it
 * instead of walking every SIPA record tree again.
 */
import { walkSipa, type SipaRecord } from './sipa_decode.js'
import type { WindowsSipaEvent } from './sipa_events.js'

export interface SipaHit {
  ev: WindowsSipaEvent
  rec: SipaRecord
}

interface Indexed extends SipaHit {
  seq: number
}

export class SipaIndex {
  private readonly byName = new Map<string, Indexed[]>()
  private readonly scannedBy = new Map<string, WindowsSipaEvent[]>()

  constructor(private readonly events: readonly WindowsSipaEvent[]) {
    let seq = 0
    for (const ev of events) {
      if (ev.role !== 'sipa' || ev.afterSeparator) continue
      for (const rec of walkSipa(ev.records)) {
        let list = this.byName.get(rec.name)
        if (!list) this.byName.set(rec.name, (list = []))
        list.push({ ev, rec, seq: seq++ })
      }
    }
  }

  /**
   * Events a claim over `pcrs` depends on: every event of those PCRs except separators and
   * events after a separator, and every retyped one. Memoized per PCR set: callers only read it.
   */
  scanned(pcrs: readonly number[]): readonly WindowsSipaEvent[] {
    const key = pcrs.join(',')
    let out = this.scannedBy.get(key)
    if (!out) this.scannedBy.set(key, (out = this.events.filter((e) => pcrs.includes(e.pcr) && (e.retyped || (!e.afterSeparator && e.role !== 'separator')))))
    return out
  }

  /** The records named `names` in the SIPA events of `pcrs`, in log order. */
  hits(pcrs: readonly number[], names: readonly string[]): SipaHit[] {
    const found: Indexed[] = []
    for (const name of names) for (const h of this.byName.get(name) ?? []) if (pcrs.includes(h.ev.pcr)) found.push(h)
    if (names.length > 1) found.sort((a, b) => a.seq - b.seq)
    return found.map(({ ev, rec }) => ({ ev, rec }))
  }
}
