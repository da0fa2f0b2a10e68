/** The AK certificate must chain to the policy's pinned AK roots. */
import { emit, type Ctx } from './context.js'

export function checkAkRoots(ctx: Ctx): void {
  if (!ctx.policy.trustedAkRoots?.length) return
  ctx.configured.add('akRoots')
  if (ctx.quote?.akChainVerified !== true) {
    emit(ctx, 'akRoots', { code: 'POLICY_AK_UNTRUSTED', component: 'attestation', message: `the policy pins ${ctx.policy.trustedAkRoots.length} AK root(s), but the AK certificate was not verified to chain to them (pass policy.trustedAkRoots as verifyQuote trustAnchors)` })
  }
}
