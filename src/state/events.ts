/** Small typed accessors over decoded events, shared by the state extractors. */
import { absenceTrust } from '../attest/evidence.js'
import type { DecodedEventData, UefiVariableData } from '../eventlog/decode/types.js'
import { formatGuid } from '../eventlog/decode/guid.js'
import { variableDataOffset } from '../eventlog/variable_data.js'
import { EV } from '../eventlog/event_types.js'
import type { TcgEvent } from '../eventlog/types.js'
import { toHex } from '../bytes/hex.js'
import type { Fact, StateContext } from './fact.js'

export function variableOf(ev: TcgEvent): UefiVariableData | undefined {
  const d = ev.decoded as DecodedEventData
  return d.kind === 'uefi-variable' ? d : undefined
}

export function actionText(ev: TcgEvent): string | undefined {
  const d = ev.decoded as DecodedEventData
  return d.kind === 'action' ? d.text : undefined
}

/** Digests of an event by bank, lowercase hex. */
export function digestsOf(ev: TcgEvent): Record<string, string> {
  const out: Record<string, string> = {}
  for (const d of ev.digests) out[d.bank] = toHex(d.digest)
  return out
}

/**
 * The bytes an event's digest binds, or undefined when its content is not verified. The event
 * type is not measured (attack R-01), so this is what a fact may read whatever the type says:
 * the whole data for `data` (H(data) in every checked bank), the string after GRUB's unmeasured
 * prefix (TCG PFP §10.4.1 leaves EV_IPL to the loader; GRUB hashes only the suffix), VariableData
 * alone for EV_EFI_VARIABLE_BOOT (TCG PFP §10.4.4: the GUID and name beside it are not hashed).
 */
export function boundBytes(ctx: StateContext, ev: TcgEvent): Uint8Array | undefined {
  const integ = ctx.integrity.events[ev.index]
  if (integ?.status !== 'verified') return undefined
  const d = ev.data
  const dropLast = (b: Uint8Array): Uint8Array => b.subarray(0, Math.max(0, b.length - 1))
  switch (integ.form) {
    case 'data':
      return d
    case 'data-without-nul':
    case 'data-without-last-byte':
      return dropLast(d)
    case 'grub-suffix':
    case 'grub-suffix-without-nul': {
      const dec = ev.decoded as DecodedEventData
      const prefixLen = dec.kind === 'ipl' && dec.prefix ? dec.prefix.length : -1
      if (prefixLen < 0) return undefined
      const suffix = d.subarray(prefixLen)
      return integ.form === 'grub-suffix' ? suffix : dropLast(suffix)
    }
    case 'variable-data':
      return uefiVariableContent(d)?.data
    default:
      return undefined
  }
}

/** Whether the whole event data (type label aside) is bound: every byte a decoder reads is measured. */
export function wholeDataBound(ctx: StateContext, ev: TcgEvent): boolean {
  return ctx.integrity.events[ev.index]?.status === 'verified' && ctx.integrity.events[ev.index]?.form === 'data'
}

/** UEFI_VARIABLE_DATA (TCG PFP §10.2.6) with exact lengths, or undefined; read from content, not from the type. */
export function uefiVariableContent(d: Uint8Array): { guid: string; name: string; data: Uint8Array } | undefined {
  const at = variableDataOffset(d)
  if (at === undefined) return undefined
  let name = ''
  for (let i = 32; i < at; i += 2) name += String.fromCharCode(d[i]! | (d[i + 1]! << 8))
  return { guid: formatGuid(d), name: name.replace(/\u0000+$/, ''), data: d.subarray(at) }
}

/**
 * The first event of `pcr` whose content is not bound (or not what was measured): such an event
 * could be the contrary measurement an absence fact denies, retyped or with its data replaced
 * (attacks ), so "nothing in PCR n says X" cannot be read from it.
 */
export function unboundEventIn(ctx: StateContext, pcr: number): { index: number; code: 'EVENT_CONTENT_UNBOUND' | 'EVENT_CONTENT_MISMATCH'; reason: string } | undefined {
  for (const ev of ctx.log.events) {
    if (ev.pcrIndex !== pcr || ev.eventType === EV.EV_NO_ACTION) continue
    const st = ctx.integrity.events[ev.index]?.status
    if (st === 'verified') continue
    const code = st === 'mismatch' ? 'EVENT_CONTENT_MISMATCH' : 'EVENT_CONTENT_UNBOUND'
    return { index: ev.index, code, reason: `event ${ev.index} (${ev.typeName}) in PCR ${pcr} ${st === 'mismatch' ? 'is not what was measured' : 'has content its digest does not bind'}: it could be the measurement this fact says is absent` }
  }
  return undefined
}

/**
 * Narrow a fact that also rests on absence: besides its source events, every PCR in `pcrs`
 * (where a contrary event could be measured) must be authenticated, because only the sequence
 * within a quoted, reproduced PCR is authenticated (TPM 2.0 Part 1 §17.3).
 */
export function withAbsence<T>(ctx: StateContext, f: Fact<T>, pcrs: readonly number[]): Fact<T> {
  if (!f.trusted) return f
  const t = absenceTrust(ctx.evidence, pcrs)
  if (t.trusted) return f
  return { value: f.value, trusted: false, events: f.events, reason: `rests on the absence of contrary events in PCR ${pcrs.join(', ')}: ${t.reason!.message}`, reasonCode: t.reason!.code }
}

/** `withAbsence`, and every event of `contentPcrs` must have bound content (see `unboundEventIn`). */
export function withBoundAbsence<T>(ctx: StateContext, f: Fact<T>, pcrs: readonly number[], contentPcrs: readonly number[]): Fact<T> {
  const g = withAbsence(ctx, f, pcrs)
  if (!g.trusted) return g
  for (const p of contentPcrs) {
    const u = unboundEventIn(ctx, p)
    if (u) return { value: f.value, trusted: false, events: f.events, reason: u.reason, reasonCode: u.code }
  }
  return g
}
