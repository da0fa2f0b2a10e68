/** Platform rules: the pinned start locality of PCR 0 (TCG PFP §10.4.5.3, attacks L-07, P-03). */
import { attach, emit, type Ctx } from './context.js'
import type { AppraisalState } from './types.js'

/**
 * The log's start locality against the platform's pinned one (attacks L-07, P-03). The stated
 * locality is an unmeasured EV_NO_ACTION hint, but PCR 0's replay starts from it: once PCR 0 is
 * authenticated (quoted and replayed), a log stating the wrong locality cannot match the quote. So
 * the stated value is compared with the pin, and PCR 0 is required.
 */
export function checkPlatform(ctx: Ctx, state: AppraisalState | undefined): void {
  const want = ctx.policy.platform?.startupLocality
  if (want === undefined) return
  ctx.configured.add('platform')
  ctx.touched.add('platform-firmware')
  const prob = ctx.pcrProblems.get(0)
  if (prob) attach(ctx, 'platform-firmware', prob)
  const f = state?.platform?.startupLocality
  if (!f) {
    emit(ctx, 'platform', { code: 'POLICY_EVIDENCE_MISSING', component: 'platform-firmware', pcr: 0, expected: String(want), message: 'the policy pins the start locality but neither a boot state nor an event log was supplied' })
    return
  }
  const ev = f.events[0]
  const src = ev !== undefined ? ctx.log?.events[ev] : undefined
  const stated = f.value
  if ((stated ?? 0) !== want) {
    emit(ctx, 'platform', {
      code: 'POLICY_STARTUP_LOCALITY',
      component: 'platform-firmware',
      componentName: 'start locality',
      pcr: 0,
      ...(ev !== undefined ? { eventIndex: ev, ...(src ? { eventType: src.typeName } : {}) } : {}),
      expected: String(want),
      observed: stated === undefined ? '0 (no StartupLocality or H-CRTM record)' : String(stated),
      message:
        stated === undefined
          ? `the platform is pinned to start locality ${want}, but the log states none, so PCR 0 starts from locality 0: a TPM reset and replay from locality 0, or not this platform (attacks P-03, L-07)`
          : `the platform is pinned to start locality ${want}, but the log states ${stated}${ev !== undefined ? ` (event ${ev})` : ''} (attacks P-03, L-07)`,
    })
    return
  }
  if (!ctx.authenticated.has(0) && !prob && !ctx.quoteProblem) {
    emit(ctx, 'platform', { code: 'POLICY_FACT_UNTRUSTED', component: 'platform-firmware', pcr: 0, message: `the start locality cannot be used by the policy: PCR 0 is not authenticated (not quoted and replayed in every required bank)` })
  }
}
