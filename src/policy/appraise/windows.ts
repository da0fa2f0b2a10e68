/** Windows boot claims (MAA names, from SIPA events in PCR 12-14) against the policy's values (attack P-06). */
import { emit, type Ctx } from './context.js'
import { useFact } from './facts.js'
import type { AppraisalState, WindowsClaimName } from './types.js'

export function checkWindows(ctx: Ctx, state: AppraisalState | undefined): void {
  const rule = ctx.policy.windows
  if (!rule) return
  ctx.configured.add('windows')
  ctx.touched.add('windows-boot')
  const w = state?.windows
  if (!w) {
    emit(ctx, 'windows', { code: 'POLICY_EVIDENCE_MISSING', component: 'windows-boot', message: 'the policy has Windows claim rules but no Windows boot state was supplied' })
    return
  }
  for (const [name, want] of Object.entries(rule.claims)) {
    const f = w.claims[name as WindowsClaimName]
    if (!f) {
      emit(ctx, 'windows', { code: 'POLICY_EVIDENCE_MISSING', component: 'windows-boot', componentName: name, message: `the Windows state has no claim "${name}"` })
      continue
    }
    if (!useFact(ctx, 'windows', 'windows-boot', `Windows claim ${name}`, f)) continue
    if (f.value !== want) {
      emit(ctx, 'windows', { code: 'POLICY_WINDOWS_CLAIM', component: 'windows-boot', componentName: name, ...(f.events[0] !== undefined ? { eventIndex: f.events[0], relatedEvents: f.events } : {}), expected: JSON.stringify(want), observed: JSON.stringify(f.value), message: `Windows claim ${name} is ${JSON.stringify(f.value)}; the policy requires ${JSON.stringify(want)}` })
    }
  }
}
