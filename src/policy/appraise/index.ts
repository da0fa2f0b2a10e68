/**
 * `appraisePolicy`: compare evidence with a Policy v1 and return structured findings, one result per
 * component, and a summary per check (docs/policy.md). One module per check in this folder.
 *
 * Fail closed (attacks H-07, H-10, H-11):
 * - the policy is (re)validated; an unknown version throws ERR_POLICY_VERSION;
 * - a PCR is *authenticated* only when a valid quote covers it in every required bank and the log
 *   replays to the quoted value in each of those banks, and its event sequence is structurally sound;
 * - every PCR a rule uses must be authenticated, otherwise an error finding;
 * - evidence a rule needs but that is absent (quote, log, state, Windows state, counters) gives an
 *   error finding, never a pass;
 * - a boot-state fact is used only when it is trusted *and* all its source events sit in
 *   authenticated PCRs; otherwise POLICY_FACT_UNTRUSTED. Facts that show something bad (a forbidden
 *   digest, debug mode) are reported even when untrusted.
 */
import type { Finding } from '../../findings.js'
import { buildEvidence, checkLog } from '../../attest/authenticate_log.js'
import type { AuthenticatedEvidence } from '../../attest/evidence.js'
import { stateFromEvidence } from '../../state/boot_state.js'
import type { VerifyQuoteResult } from '../../tpm/verify_quote.js'
import type { VerifyQuotesResult } from '../../tpm/verify_quotes.js'
import type { AppraisalComponent } from '../codes.js'
import type { Policy } from '../types.js'
import { pcrsReadByPolicy } from '../coverage.js'
import { validatePolicy } from '../validate.js'
import { checkAkKey } from './ak_key.js'
import { checkAkRoots } from './ak_roots.js'
import { checkAttestation } from './attestation.js'
import { checkCmdline } from './cmdline.js'
import { attach, type Ctx } from './context.js'
import { checkDigests } from './digests.js'
import { checkEventRules } from './event_rules.js'
import { checkFreshness } from './freshness.js'
import { checkPcrValues } from './pcr_values.js'
import { checkPcr11Signed } from './pcr11_signed.js'
import { checkPlatform } from './platform.js'
import { checkSecureBoot } from './secure_boot.js'
import { checkTpmManufacturer } from './tpm_manufacturer.js'
import type { AppraisalInput, AppraisalResult, AppraisalState, CheckName, CheckSummary, ComponentResult, ComponentStatus, QuoteEvidenceSummary } from './types.js'
import { checkWindows } from './windows.js'

export { componentForPcr } from '../types.js'
export type { AppraisalInput, AppraisalResult, AppraisalState, CheckName, CheckSummary, ComponentMatch, ComponentResult, ComponentStatus, PolicyFact, PreviousQuoteState, QuoteEvidenceSummary, WindowsClaimName, WindowsStateLike } from './types.js'

function normalizeQuote(q: AppraisalInput['quote']): QuoteEvidenceSummary | undefined {
  if (!q) return undefined
  if ('checks' in q && Array.isArray((q as VerifyQuoteResult).checks)) {
    const r = q as VerifyQuoteResult | VerifyQuotesResult
    // ak.chain must pass, and never fail for any quote
    const chain = r.checks.filter((c) => c.id === 'ak.chain')
    const out: QuoteEvidenceSummary = { valid: r.valid, pcrs: r.valid ? r.pcrs : {}, akChainVerified: chain.length > 0 && chain.every((c) => c.ok) }
    // verifyQuotes: several quotes of one boot (quotes.consistency checks they agree); the latest clock counts.
    const summaries = 'quotes' in r ? r.quotes.filter((x): x is NonNullable<typeof x> => !!x) : r.quote ? [r.quote] : []
    const last = summaries.reduce<(typeof summaries)[number] | undefined>((a, b) => (!a || b.clock > a.clock ? b : a), undefined)
    if (last) {
      out.resetCount = last.resetCount
      out.restartCount = last.restartCount
      out.clock = last.clock
    }
    return out
  }
  const s = q as QuoteEvidenceSummary
  return { ...s, pcrs: s.valid ? s.pcrs ?? {} : {} }
}

/**
 * The authenticated evidence the appraisal reads. The pipeline passes it; a caller that gives a
 * log and a quote result instead gets it from the same authentication stage, once.
 */
function evidenceOf(input: AppraisalInput, quote: QuoteEvidenceSummary | undefined): AuthenticatedEvidence | undefined {
  if (input.evidence) {
    if (input.log && input.evidence.log !== input.log) throw new TypeError('appraisePolicy: evidence belongs to another log')
    return input.evidence
  }
  if (!input.log) return undefined
  const problem = !quote ? { code: 'NO_QUOTE' as const, message: 'no quote was given: no PCR is authenticated' } : !quote.valid ? { code: 'QUOTE_INVALID' as const, message: 'the quote did not verify: no PCR is authenticated' } : undefined
  return buildEvidence({ checks: checkLog(input.log), basis: 'quote', expected: quote?.valid ? quote.pcrs : {}, ...(problem ? { quoteProblem: problem } : {}) })
}

const CHECKS: CheckName[] = ['quote', 'banks', 'pcrs', 'pcrValues', 'eventRules', 'digests', 'secureBoot', 'kernelCmdline', 'windows', 'platform', 'freshness', 'akRoots', 'tpm', 'pcr11Signed']
/** Report order of the components (attestation first, then boot order); every AppraisalComponent is listed (checked below). */
const ORDER = ['attestation', 'platform-firmware', 'platform-config', 'option-roms', 'secure-boot', 'boot-loader', 'boot-config', 'os-kernel', 'initrd', 'windows-boot', 'os-runtime', 'other'] as const satisfies readonly AppraisalComponent[]
const EVERY_COMPONENT_ORDERED: [Exclude<AppraisalComponent, (typeof ORDER)[number]>] extends [never] ? true : never = true
void EVERY_COMPONENT_ORDERED

function statusOf(findings: readonly Finding[]): ComponentStatus {
  if (findings.some((f) => f.severity === 'error')) return 'contraindicated'
  if (findings.some((f) => f.severity === 'warning')) return 'warning'
  return 'affirming'
}

/**
 * Appraise evidence against a policy.
 * @throws PolicyError ERR_POLICY_VERSION / ERR_POLICY_INVALID when the policy is not valid v1.
 * @example
 * const res = appraisePolicy({ policy, log, quote: await verifyQuote(...), nonceChecked: true })
 * if (!res.ok) for (const f of res.findings) console.log(f.code, f.message)
 */
export function appraisePolicy(input: AppraisalInput): AppraisalResult {
  const policy = validatePolicy(input.policy)
  const ctx: Ctx = {
    policy,
    banks: policy.pcrs?.banks ?? ['sha256'],
    log: input.log,
    quote: normalizeQuote(input.quote),
    findings: [],
    byComponent: new Map(),
    matched: new Map(),
    touched: new Set(['attestation']),
    checkFindings: new Map(),
    configured: new Set(),
    authenticated: new Set(),
    pcrProblems: new Map(),
  }
  const relevant = pcrsReadByPolicy(policy).pcrs
  const evidence = evidenceOf(input, ctx.quote)
  checkAttestation(ctx, evidence, relevant)
  const state: AppraisalState | undefined = input.state ?? (evidence ? stateFromEvidence(evidence).state : undefined)
  checkPcrValues(ctx, evidence?.replay)
  checkPcr11Signed(ctx, evidence, input.pcr11Signatures)
  checkEventRules(ctx)
  checkDigests(ctx, state)
  checkSecureBoot(ctx, state)
  checkCmdline(ctx, state)
  checkWindows(ctx, state)
  checkPlatform(ctx, state)
  checkFreshness(ctx, input)
  checkAkRoots(ctx)
  checkAkKey(ctx, input.ak)
  checkTpmManufacturer(ctx, input.ak)

  if (ctx.quoteProblem) for (const c of ctx.touched) attach(ctx, c, ctx.quoteProblem)
  const components: ComponentResult[] = ORDER.filter((c) => ctx.touched.has(c)).map((component) => {
    const findings = ctx.byComponent.get(component) ?? []
    return { component, status: statusOf(findings), findings, matched: ctx.matched.get(component) ?? [] }
  })
  const checks = {} as Record<CheckName, CheckSummary>
  for (const c of CHECKS) {
    const fs = ctx.checkFindings.get(c) ?? []
    checks[c] = { status: !ctx.configured.has(c) && !fs.length ? 'not-configured' : fs.some((f) => f.severity === 'error') ? 'fail' : fs.length ? 'warn' : 'pass', findings: fs.length }
  }
  return {
    policyId: policy.id,
    ok: !ctx.findings.some((f) => f.severity === 'error'),
    findings: ctx.findings,
    components,
    checks,
    relevantPcrs: [...relevant].sort((a, b) => a - b),
    authenticatedPcrs: [...ctx.authenticated].sort((a, b) => a - b),
  }
}

/** The policy's AK roots, to pass as `trustAnchors` to verifyQuote. */
export function policyTrustAnchors(policy: Policy): string[] {
  return [...(policy.trustedAkRoots ?? [])]
}
