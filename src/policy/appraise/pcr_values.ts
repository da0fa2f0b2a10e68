/** Golden PCR values: each quoted PCR a rule names must equal one of its alternatives. */
import type { ReplayResult } from '../../eventlog/replay.js'
import { componentForPcr } from '../types.js'
import { addMatch, emit, short, type Ctx } from './context.js'
import type { ComponentMatch } from './types.js'

export function checkPcrValues(ctx: Ctx, replay: ReplayResult | undefined): void {
  const rules = ctx.policy.pcrValues ?? []
  if (!rules.length) return
  ctx.configured.add('pcrValues')
  rules.forEach((r, i) => {
    const component = r.component ?? componentForPcr(r.pcr)
    ctx.touched.add(component)
    const reference = `/pcrValues/${i}`
    const observed = ctx.quote?.valid ? ctx.quote.pcrs[r.bank]?.[String(r.pcr)] : undefined
    if (observed === undefined) {
      emit(ctx, 'pcrValues', { code: 'POLICY_PCR_NOT_QUOTED', component, pcr: r.pcr, bank: r.bank, reference, ...(r.name ? { componentName: r.name } : {}), message: `${r.bank}:${r.pcr} has a golden value but is not authenticated by a valid quote` })
      return
    }
    if (r.alternatives.includes(observed)) {
      const m: ComponentMatch = { reference, events: replay?.banks.get(r.bank)?.pcrs.get(r.pcr)?.events ?? [], alternative: r.alternatives.indexOf(observed) }
      if (r.name) m.name = r.name
      addMatch(ctx, component, m)
      return
    }
    const events = replay?.banks.get(r.bank)?.pcrs.get(r.pcr)?.events
    emit(ctx, 'pcrValues', {
      code: 'POLICY_PCR_MISMATCH',
      component,
      pcr: r.pcr,
      bank: r.bank,
      reference,
      ...(r.name ? { componentName: r.name } : {}),
      expected: r.alternatives.join(' | '),
      observed,
      ...(events?.length ? { relatedEvents: events } : {}),
      message: `${r.bank}:${r.pcr} = ${short(observed)} is none of the ${r.alternatives.length} golden value(s)${events?.length ? `; compare its ${events.length} events with a known-good log (bootproof diff)` : ''}`,
    })
  })
}
