/**
 * The attestation check: quote validity, required banks, and which PCRs the policy may rely on
 * (authenticated by the evidence in every bank the policy requires). Every later check trusts
 * only `ctx.authenticated`; `ctx.pcrProblems` says why a PCR is not (attacks ).
 *
 * The evidence (src/attest) is read, never re-derived: the replay comparison and structural
 * soundness of each PCR were decided once by the authentication stage.
 */
import { toHex } from '../../bytes/hex.js'
import { pcrTrust, type AuthenticatedEvidence } from '../../attest/evidence.js'
import type { PolicyFinding } from '../codes.js'
import { emit, type Ctx } from './context.js'

export function checkAttestation(ctx: Ctx, evidence: AuthenticatedEvidence | undefined, relevant: Set<number>): void {
  const { quote, log, banks } = ctx
  ctx.configured.add('quote').add('banks').add('pcrs')
  if (!quote) {
    ctx.quoteProblem = emit(ctx, 'quote', { code: 'POLICY_EVIDENCE_MISSING', component: 'attestation', message: 'no quote was supplied: no PCR is authenticated, so nothing the policy checks can be trusted' })
  } else if (!quote.valid) {
    ctx.quoteProblem = emit(ctx, 'quote', { code: 'POLICY_QUOTE_INVALID', component: 'attestation', message: 'the quote did not verify: no PCR is authenticated' })
  }
  for (const bank of banks) {
    if (quote?.valid && !quote.pcrs[bank]) emit(ctx, 'banks', { code: 'POLICY_BANK_MISSING', component: 'attestation', bank, message: `the quote authenticates no ${bank} PCRs; the policy requires the ${bank} bank` })
    if (log && !log.algorithms.some((a) => a.bank === bank)) emit(ctx, 'banks', { code: 'POLICY_BANK_MISSING', component: 'attestation', bank, message: `the event log carries no ${bank} digests; the policy requires the ${bank} bank` })
  }
  // Every PCR the quote covers is assessed, so facts from PCRs the policy does not name explicitly
  // (Windows claims in PCR 12-14, systemd-stub's command line in PCR 12) can still be trusted; only
  // problems of relevant PCRs are findings.
  const assessed = new Set(relevant)
  if (quote?.valid) for (const b of banks) for (const k of Object.keys(quote.pcrs[b] ?? {})) assessed.add(Number(k))
  for (const pcr of [...assessed].sort((a, b) => a - b)) {
    const isRelevant = relevant.has(pcr)
    const emitIf = (f: Parameters<typeof emit>[2]): PolicyFinding => (isRelevant ? emit(ctx, 'pcrs', f) : ({ severity: 'error', ...f } as PolicyFinding))
    const trust = evidence ? pcrTrust(evidence, pcr) : undefined
    let problem: PolicyFinding | undefined
    for (const bank of banks) {
      if (problem) break
      const q = quote?.valid ? quote.pcrs[bank]?.[String(pcr)] : undefined
      if (q === undefined) {
        if (quote?.valid && quote.pcrs[bank]) problem = emitIf({ code: 'POLICY_PCR_NOT_QUOTED', component: 'attestation', pcr, bank, message: `${bank}:${pcr} is used by the policy but is not in the signed quote selection` })
        continue
      }
      if (!evidence) continue
      const status = trust?.banks[bank]
      if (status !== 'match') {
        const cmp = evidence.replay.comparisons?.find((c) => c.bank === bank && c.pcr === pcr)
        problem = emitIf({
          code: 'POLICY_PCR_UNVERIFIED',
          component: 'attestation',
          pcr,
          bank,
          expected: q,
          ...(cmp?.observed ? { observed: toHex(cmp.observed) } : {}),
          ...(cmp?.events.length ? { relatedEvents: cmp.events } : {}),
          message: cmp ? `${bank}:${pcr}: the event log does not replay to the quoted value (${cmp.status}); its events cannot be trusted` : `${bank}:${pcr}: the replay was not compared with the quoted value`,
        })
      }
    }
    if (!problem && trust?.status === 'tainted' && trust.reason) {
      const r = trust.reason
      problem = emitIf({ code: 'POLICY_PCR_UNVERIFIED', component: 'attestation', pcr, ...(r.eventIndex !== undefined ? { eventIndex: r.eventIndex } : {}), message: `${r.message}; its events cannot be trusted` })
    }
    const quoted = quote?.valid && banks.every((b) => quote.pcrs[b]?.[String(pcr)] !== undefined)
    if (problem) ctx.pcrProblems.set(pcr, problem)
    else if (quoted) ctx.authenticated.add(pcr)
  }
}
