/**
 * Classification of the events of the SIPA PCRs by content (windows_state.ts): SIPA TLVs, the
 * "WBCL" separator, or anything else. The event type is not measured (attack R-01): SIPA data
 * under another type is still decoded and flagged; the separator counts only when its digest
 * binds the "WBCL" data.
 */
import { bytesEqual } from '../../bytes/hex.js'
import { EV } from '../../eventlog/event_types.js'
import type { IntegrityStatus } from '../../eventlog/integrity.js'
import type { TcgEvent } from '../../eventlog/types.js'
import type { Finding } from '../../findings.js'
import type { StateContext } from '../fact.js'
import { SIPA_CATEGORY_CONTAINER, SIPA_CATEGORY_MASK, SIPA_IDS, SIPA_PCRS } from './sipa_constants.js'
import { decodeSipa, walkSipa, type SipaError, type SipaRecord } from './sipa_decode.js'

const WBCL = new Uint8Array([0x57, 0x42, 0x43, 0x4c])

export interface WindowsSipaEvent {
  eventIndex: number
  pcr: number
  eventType: number
  typeName: string
  /** By content: SIPA TLVs, the "WBCL" separator, or anything else. */
  role: 'sipa' | 'separator' | 'unexpected'
  /** The content contradicts the (unmeasured) event type. */
  retyped: boolean
  /** After this PCR's WBCL separator: decoded and listed, never used for claims. */
  afterSeparator: boolean
  integrity: IntegrityStatus | 'unknown'
  /** Top-level SIPA records (empty for separators and unexpected events). */
  records: SipaRecord[]
  /** Framing errors of the top-level sequence. */
  errors: SipaError[]
  /** All records decoded without error. */
  complete: boolean
}

export function classify(ctx: StateContext, findings: Finding[]): WindowsSipaEvent[] {
  const out: WindowsSipaEvent[] = []
  const separatorAt = new Map<number, number>()
  for (const ev of ctx.log.events) {
    if (!SIPA_PCRS.includes(ev.pcrIndex) || ev.eventType === EV.EV_NO_ACTION) continue
    const integrity: IntegrityStatus | 'unknown' = ctx.integrity.events[ev.index]?.status ?? 'unknown'
    const base = { eventIndex: ev.index, pcr: ev.pcrIndex, eventType: ev.eventType, typeName: ev.typeName, integrity, afterSeparator: separatorAt.has(ev.pcrIndex) }
    // The WBCL boundary only when its digest binds the "WBCL" data: a boundary recognised from
    // unbound bytes would hide every record after it (attack R-02).
    if (bytesEqual(ev.data, WBCL) && integrity === 'verified') {
      const retyped = ev.eventType !== EV.EV_SEPARATOR
      if (retyped) findings.push(finding('WINDOWS_EVENT_RETYPED', 'error', `event ${ev.index} in PCR ${ev.pcrIndex} carries the WBCL separator but is typed ${ev.typeName}`, ev))
      if (separatorAt.has(ev.pcrIndex)) {
        findings.push({ ...finding('WINDOWS_WBCL_SEPARATOR_DUPLICATE', 'error', `second WBCL separator in PCR ${ev.pcrIndex}`, ev), relatedEvents: [separatorAt.get(ev.pcrIndex)!] })
      } else separatorAt.set(ev.pcrIndex, ev.index)
      out.push({ ...base, role: 'separator', retyped, records: [], errors: [], complete: true })
      continue
    }
    const dec = decodeSipa(ev.data, { base: ev.dataOffset, eventIndex: ev.index })
    const first = dec.records[0]
    const looksSipa = first !== undefined && SIPA_IDS.has(first.id) && dec.errors.length === 0
    if (ev.eventType === EV.EV_EVENT_TAG || looksSipa) {
      const retyped = ev.eventType !== EV.EV_EVENT_TAG
      const rec: WindowsSipaEvent = { ...base, role: 'sipa', retyped, records: dec.records, errors: dec.errors, complete: dec.complete }
      out.push(rec)
      if (retyped) findings.push(finding('WINDOWS_EVENT_RETYPED', 'error', `event ${ev.index} in PCR ${ev.pcrIndex} carries SIPA data but is typed ${ev.typeName}: its facts are still counted, and the claims they feed are untrusted`, ev))
      if (rec.afterSeparator) findings.push(finding('WINDOWS_SIPA_AFTER_SEPARATOR', 'warning', `SIPA event ${ev.index} follows the WBCL separator of PCR ${ev.pcrIndex}: ignored for claims`, ev))
      if (integrity === 'mismatch') findings.push(finding('WINDOWS_SIPA_UNVERIFIED', 'error', `SIPA event ${ev.index} (PCR ${ev.pcrIndex}) does not hash to its digest: its content is not what was measured, and the Windows claims derived from it are untrusted`, ev))
      if (!dec.complete) {
        const errs = [...dec.errors, ...[...walkSipa(dec.records)].flatMap((r) => (r.error ? [r.error] : []))]
        findings.push({ ...finding('WINDOWS_SIPA_MALFORMED', 'warning', `SIPA event ${ev.index}: ${errs.length} record(s) not decoded (kept raw): ${errs.slice(0, 3).map((e) => e.message).join('; ')}`, ev), offset: errs[0]?.offset })
      }
      if ((ev.pcrIndex === 12 || ev.pcrIndex === 13) && dec.records.some((r) => ((r.id & SIPA_CATEGORY_MASK) >>> 0) !== SIPA_CATEGORY_CONTAINER)) {
        findings.push(finding('WINDOWS_SIPA_NOT_CONTAINED', 'info', `SIPA event ${ev.index} (PCR ${ev.pcrIndex}) has top-level records outside a container`, ev))
      }
      continue
    }
    if (bytesEqual(ev.data, WBCL)) findings.push(finding('WINDOWS_WBCL_SEPARATOR_UNVERIFIED', 'error', `event ${ev.index} in PCR ${ev.pcrIndex} carries "WBCL" but its digest does not bind it: not a boundary, and the claims over PCR ${ev.pcrIndex} are untrusted`, ev))
    else if (ev.eventType === EV.EV_SEPARATOR) findings.push(finding('WINDOWS_WBCL_SEPARATOR_INVALID', 'error', `separator in PCR ${ev.pcrIndex} does not carry "WBCL"`, ev))
    else findings.push(finding('WINDOWS_UNEXPECTED_EVENT', 'warning', `${ev.typeName} event ${ev.index} in SIPA PCR ${ev.pcrIndex} holds neither SIPA data nor the WBCL separator`, ev))
    out.push({ ...base, role: 'unexpected', retyped: false, records: [], errors: [], complete: true })
  }
  return out
}

export function finding(code: string, severity: Finding['severity'], message: string, ev: TcgEvent): Finding {
  return { code, severity, message, pcr: ev.pcrIndex, eventIndex: ev.index }
}
