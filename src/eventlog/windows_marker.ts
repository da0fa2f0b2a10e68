/**
 * The Windows "WBCL" marker: Windows closes PCR 12-14 with an EV_SEPARATOR whose data is the
 * ASCII "WBCL" instead of a u32 (PFP §10.4.1 separators; Windows SDK wbcl.h). One test for
 * "is this event the marker" and "is this a Windows log", built on the separator decoder's
 * meaning so every consumer agrees with what `decoded` says.
 */
import { EV } from './event_types.js'
import type { EventLog, TcgEvent } from './types.js'

/**
 * Whether `ev` is a "WBCL" separator. Uses `decoded.meaning === 'wbcl'`; when the log was parsed
 * with decoding off (`decoded.kind === 'raw'`) the same 4-byte rule is applied to the raw data,
 * so the answer does not depend on the parse options. The PCR is not checked: structure checks
 * decide whether a marker outside PCR 12-14 is acceptable.
 */
export function isWbclSeparator(ev: Pick<TcgEvent, 'eventType' | 'data' | 'decoded'>): boolean {
  const d = ev.decoded
  if (d.kind === 'separator') return d.meaning === 'wbcl'
  if (d.kind !== 'raw' || ev.eventType !== EV.EV_SEPARATOR) return false
  const b = ev.data
  return b.length === 4 && b[0] === 0x57 && b[1] === 0x42 && b[2] === 0x43 && b[3] === 0x4c
}

/** Whether the log is a Windows WBCL: it carries at least one "WBCL" separator. */
export function isWindowsLog(log: Pick<EventLog, 'events'>): boolean {
  return log.events.some(isWbclSeparator)
}
