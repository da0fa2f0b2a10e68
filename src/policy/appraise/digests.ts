/** Forbidden and required digests, in any PCR or a named one, and in Windows boot modules. */
import { isExtended } from '../../eventlog/replay.js'
import { describeDigest, describeEntry, digestMatches } from '../match.js'
import { componentForPcr, type DigestSpec, type PolicyBank } from '../types.js'
import { addMatch, emit, type Ctx } from './context.js'
import { eventDigests } from './event_digests.js'
import type { AppraisalState, ComponentMatch } from './types.js'

export function checkDigests(ctx: Ctx, state: AppraisalState | undefined): void {
  const d = ctx.policy.digests
  if (!d || !(d.required?.length || d.forbidden?.length)) return
  ctx.configured.add('digests')
  const log = ctx.log
  if (!log) {
    emit(ctx, 'digests', { code: 'POLICY_EVIDENCE_MISSING', component: d.required?.[0]?.component ?? d.forbidden?.[0]?.component ?? 'other', message: 'the policy has digest rules but no event log was supplied' })
    return
  }
  const events = log.events.filter((e) => isExtended(log, e.eventType, e.pcrIndex)).map((e) => ({ ev: e, digests: eventDigests(e) }))
  const anyBank = ['sha1', 'sha256', 'sha384', 'sha512', 'sm3_256'] as PolicyBank[]
  const hit = (spec: DigestSpec, digests: Record<string, string>) => digestMatches(spec, digests, anyBank)
  d.forbidden?.forEach((ref, i) => {
    for (const { ev, digests } of events) {
      if (ref.pcr !== undefined && ev.pcrIndex !== ref.pcr) continue
      const spec = ref.anyOf.find((s) => hit(s, digests))
      if (!spec) continue
      const component = ref.component ?? componentForPcr(ev.pcrIndex)
      emit(ctx, 'digests', { code: 'POLICY_DIGEST_FORBIDDEN', component, reference: `/digests/forbidden/${i}`, pcr: ev.pcrIndex, eventIndex: ev.index, eventType: ev.typeName, observed: describeDigest(digests, ctx.banks), message: `event ${ev.index} (${ev.typeName}) in PCR ${ev.pcrIndex} is a forbidden digest${ref.description ? `: ${ref.description}` : ''}` })
    }
    // Windows boot modules (SIPA LOADEDMODULE Authenticode hashes), when the Windows state is given.
    for (const m of state?.windows?.bootModules ?? []) {
      const h = m.authenticodeHash
      if (!h) continue
      if (!ref.anyOf.some((s) => Object.values(s).includes(h))) continue
      emit(ctx, 'digests', { code: 'POLICY_DIGEST_FORBIDDEN', component: ref.component ?? 'windows-boot', reference: `/digests/forbidden/${i}`, ...(m.events[0] !== undefined ? { eventIndex: m.events[0] } : {}), observed: h, message: `Windows boot module ${m.filePath ?? ''} has a forbidden Authenticode hash${ref.description ? `: ${ref.description}` : ''}`.replace(/ +/g, ' ') })
    }
  })
  d.required?.forEach((ref, i) => {
    const component = ref.component ?? (ref.pcr !== undefined ? componentForPcr(ref.pcr) : 'other')
    ctx.touched.add(component)
    const found = events.filter(({ ev, digests }) => (ref.pcr === undefined || ev.pcrIndex === ref.pcr) && ref.anyOf.some((s) => digestMatches(s, digests, ctx.banks)))
    const good = found.find(({ ev }) => ctx.authenticated.has(ev.pcrIndex))
    if (good) {
      const m: ComponentMatch = { reference: `/digests/required/${i}`, events: [good.ev.index] }
      if (ref.description) m.name = ref.description
      addMatch(ctx, component, m)
      return
    }
    const first = found[0]
    emit(ctx, 'digests', {
      code: 'POLICY_DIGEST_REQUIRED_MISSING',
      component,
      reference: `/digests/required/${i}`,
      ...(ref.pcr !== undefined ? { pcr: ref.pcr } : {}),
      ...(first ? { eventIndex: first.ev.index } : {}),
      expected: ref.anyOf.map((s) => describeEntry(s, ctx.banks)).join(' | '),
      message: first
        ? `required digest${ref.description ? ` (${ref.description})` : ''} is only in event ${first.ev.index}, in PCR ${first.ev.pcrIndex}, which is not authenticated`
        : `required digest${ref.description ? ` (${ref.description})` : ''} was not measured${ref.pcr !== undefined ? ` in PCR ${ref.pcr}` : ''}`,
    })
  })
}
