/** Freshness: the verifier nonce and the quote counters against the last accepted quote (TPM 2.0 Part 2 §10.11.1, attacks ). */
import type { CounterRule } from '../types.js'
import { emit, type Ctx } from './context.js'
import type { AppraisalInput } from './types.js'

const big = (v: bigint | number): bigint => (typeof v === 'bigint' ? v : BigInt(Math.trunc(v)))

export function checkFreshness(ctx: Ctx, input: AppraisalInput): void {
  const fr = ctx.policy.freshness ?? {}
  ctx.configured.add('freshness')
  if ((fr.nonceRequired ?? true) && input.nonceChecked !== true) {
    emit(ctx, 'freshness', { code: 'POLICY_FRESHNESS_NONCE', component: 'attestation', message: 'the quote was not checked against a fresh verifier nonce: it may be a replay (set nonceChecked only after verifyQuote matched the nonce)' })
  }
  const prev = input.previous
  if (!prev) {
    if (fr.previousRequired) emit(ctx, 'freshness', { code: 'POLICY_FRESHNESS_PREVIOUS_MISSING', component: 'attestation', message: 'the policy requires the previous quote state (resetCount, restartCount, clock) but none was supplied' })
    return
  }
  const q = ctx.quote
  if (!q || q.resetCount === undefined || q.restartCount === undefined || q.clock === undefined) {
    emit(ctx, 'freshness', { code: 'POLICY_EVIDENCE_MISSING', component: 'attestation', message: 'previous counters were supplied but the quote gives no resetCount / restartCount / clock' })
    return
  }
  const cmp = (rule: CounterRule, now: number, before: number) => (rule === 'any' ? true : rule === 'equal' ? now === before : now >= before)
  const resetRule = fr.resetCount ?? 'nondecreasing'
  if (!cmp(resetRule, q.resetCount, prev.resetCount)) {
    emit(ctx, 'freshness', { code: 'POLICY_FRESHNESS_RESET', component: 'attestation', expected: `${resetRule === 'equal' ? '=' : '>='} ${prev.resetCount}`, observed: String(q.resetCount), message: q.resetCount < prev.resetCount ? `resetCount went backwards (${prev.resetCount} → ${q.resetCount}): not the same TPM history` : `resetCount changed (${prev.resetCount} → ${q.resetCount}) although the same boot is expected: TPM reset without platform reset suspected (attack P-03)` })
  }
  // restartCount is zeroed by a TPM reset, so it is compared only within one reset cycle.
  if (q.resetCount === prev.resetCount) {
    const restartRule = fr.restartCount ?? 'nondecreasing'
    if (!cmp(restartRule, q.restartCount, prev.restartCount)) {
      emit(ctx, 'freshness', { code: 'POLICY_FRESHNESS_RESTART', component: 'attestation', expected: `${restartRule === 'equal' ? '=' : '>='} ${prev.restartCount}`, observed: String(q.restartCount), message: `restartCount ${q.restartCount < prev.restartCount ? 'went backwards' : 'changed'} (${prev.restartCount} → ${q.restartCount})` })
    } else if ((fr.clockMustAdvance ?? true) && q.restartCount === prev.restartCount && big(q.clock) <= big(prev.clock)) {
      emit(ctx, 'freshness', { code: 'POLICY_FRESHNESS_CLOCK', component: 'attestation', expected: `> ${prev.clock}`, observed: String(q.clock), message: `the TPM clock did not advance (${prev.clock} → ${q.clock}) within the same boot: a replayed or rolled-back quote` })
    }
  }
}
