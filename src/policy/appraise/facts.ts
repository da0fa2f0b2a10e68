/**
 * Whether a boot-state fact may be used: it must be trusted and every source event must sit in an
 * authenticated PCR; otherwise POLICY_FACT_UNTRUSTED (fail closed, attack H-10).
 */
import type { AppraisalComponent } from '../codes.js'
import { emit, type Ctx } from './context.js'
import type { CheckName, PolicyFact } from './types.js'

export function eventPcr(ctx: Ctx, i: number): number | undefined {
  return ctx.log?.events[i]?.pcrIndex
}

/** Why a fact may not be used (undefined = it may): untrusted, no valid quote, or a source PCR not authenticated. */
export function factProblem(ctx: Ctx, f: Pick<PolicyFact, 'trusted' | 'events' | 'reason'>, emptyPcr?: number): string | undefined {
  let reason = f.trusted ? undefined : f.reason ?? 'not trusted'
  if (!reason && !ctx.quote?.valid) reason = 'no valid quote authenticates it'
  if (!reason && ctx.log) {
    const pcrs = f.events.length ? f.events.map((e) => eventPcr(ctx, e)) : emptyPcr !== undefined ? [emptyPcr] : []
    const bad = pcrs.find((p) => p === undefined || !ctx.authenticated.has(p))
    if (bad !== undefined || pcrs.includes(undefined)) reason = bad === undefined ? 'its source event is not in the log' : `PCR ${bad} is not authenticated (${ctx.pcrProblems.get(bad)?.code ?? 'not quoted and replayed in every required bank'})`
  }
  return reason
}

/** Whether a fact may be used; emits POLICY_FACT_UNTRUSTED when not. */
export function useFact(ctx: Ctx, check: CheckName, component: AppraisalComponent, name: string, f: PolicyFact, emptyPcr?: number): boolean {
  const reason = factProblem(ctx, f, emptyPcr)
  if (!reason) return true
  emit(ctx, check, {
    code: 'POLICY_FACT_UNTRUSTED',
    component,
    ...(f.events[0] !== undefined ? { eventIndex: f.events[0], relatedEvents: f.events } : {}),
    ...(f.events[0] !== undefined && eventPcr(ctx, f.events[0]) !== undefined ? { pcr: eventPcr(ctx, f.events[0])! } : emptyPcr !== undefined ? { pcr: emptyPcr } : {}),
    message: `${name} cannot be used by the policy: ${reason}`,
  })
  return false
}
