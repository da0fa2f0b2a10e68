/**
 * `verifyAttestation`: the one call a backend makes (issue 4).
 *
 * parse → quote verification → replay against the quoted PCRs → integrity → boot state →
 * appraisal → verdict. Unparseable input throws a BootproofError; everything else becomes
 * findings in an EAR-shaped verdict, each tagged with its step and submodule.
 */
import type { EventLogAnalysis } from './eventlog/analyze.js'
import { verifyEventIntegrity } from './eventlog/integrity.js'
import { checkEventLogStructure } from './eventlog/structure.js'
import { parseEventLog, type ParseEventLogOptions } from './eventlog/parse.js'
import { compareReplay, initialPcrValue, replayEventLog, type ReplayResult } from './eventlog/replay.js'
import type { EventLog } from './eventlog/types.js'
import type { Finding } from './findings.js'
import type { HashProvider } from './hash/provider.js'
import { extractBootState, type BootState } from './state/boot_state.js'
import type { AkInput } from './tpm/ak.js'
import { parseTpmsAttest, type TpmsAttest } from './tpm/attest.js'
import type { QuoteEvidence, VerifyQuoteOptions } from './tpm/quote_core.js'
import type { PcrValues } from './tpm/pcr_values.js'
import { verifyQuotes, type VerifyQuotesResult } from './tpm/verify_quotes.js'
import type { CertificateInput } from './x509/chain.js'
import type { EarStatus, TrustVector } from './verdict/ar4si.js'
import { verifyMaaToken, type VerifyMaaOptions } from './token/verify_maa.js'
import { maaResultToSubmod } from './token/maa_submod.js'
import { buildVerdict } from './verdict/build.js'
import { SUBMODS, submodForPcr, type SubmodName } from './verdict/submods.js'
import type { EarAppraisal, StepName, StepStatus, Verdict, VerdictFinding } from './verdict/types.js'
import { runAppraisal, type PolicyInput } from './verify_appraisal.js'
import { validatePolicy } from './policy/validate.js'
import type { Policy } from './policy/types.js'
import { policyTrustAnchors, rememberStructure } from './policy/appraise.js'

export interface VerifyAttestationInput {
  /** The firmware event log (binary_bios_measurements, WBCL, ...). */
  eventLog?: Uint8Array
  eventLogOptions?: ParseEventLogOptions
  /** One or more TPM2 quotes (TPMS_ATTEST + TPMT_SIGNATURE) made by the AK for `nonce`. */
  quotes: QuoteEvidence[]
  /**
   * PCR values reported by the attester (e.g. tpm2-tools' `-o` file). Optional: without them the
   * values replayed from the log are checked against the quote's pcrDigest directly.
   */
  pcrs?: PcrValues
  /** The AK: TPMT_PUBLIC / TPM2B_PUBLIC bytes, SPKI, certificate, or parts with a certificate. */
  ak: AkInput
  /**
   * `ak` comes from your enrollment records (e.g. an AK proven by credential activation), so it
   * identifies the machine (AR4SI instance-identity 2). Never set it for an AK taken from the
   * evidence itself: anyone can sign a quote with a key of their own.
   */
  akEnrolled?: boolean
  /** Roots for the AK certificate chain. */
  trustAnchors?: CertificateInput[]
  /** The nonce this verifier issued for this attestation. */
  nonce: Uint8Array | undefined
  /** Reference values (policy JSON, validated strictly). Without one the verdict is never affirming. */
  policy?: PolicyInput
  /** Verification time (certificates, verdict iat). Default: now. */
  now?: Date
  /** Last accepted quote state of this AK, to detect reboots and replays (attack Q-12). */
  previous?: { clock: bigint; resetCount: number; restartCount: number }
  /** Extra quote-verification options (SHA-1 opt-in, AK EKUs, ...). */
  quoteOptions?: VerifyQuoteOptions
  verifier?: { developer: string; build: string }
  hash?: HashProvider
  /**
   * An Azure Attestation token for the same machine, verified without trusting it
   * (`verifyMaaToken`) and reported as its own submodule `maa` (issue 6).
   */
  maa?: { token: string; options: VerifyMaaOptions }
}

export interface AttestationResult {
  verdict: Verdict
  /** The parsed log (absent when none was given). */
  log?: EventLog
  quote: VerifyQuotesResult
  analysis?: EventLogAnalysis
  state?: BootState
  /** PCR indices whose values were authenticated by the quote and reproduced by the log. */
  trustedPcrs: number[]
}

const KEY_CODES = /^ERR_(AK|CHAIN)_/

/**
 * PCRs a firmware log is compared on: those it extends, 0-9, and every PCR a policy rule can
 * look at. A digest rule with no PCR looks everywhere, so then every quoted PCR is compared:
 * otherwise a PCR's events could simply be left out of the log.
 */
function logCoverage(log: EventLog, policy: Policy | undefined, quoted: number[] = []): Set<number> {
  const out = new Set<number>([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  for (const e of log.events) if (e.eventType !== 3 && e.pcrIndex <= 23) out.add(e.pcrIndex)
  if (policy) {
    for (const p of policy.pcrs?.required ?? []) out.add(p)
    for (const r of policy.pcrValues ?? []) out.add(r.pcr)
    for (const r of policy.eventRules ?? []) out.add(r.pcr)
    for (const d of [...(policy.digests?.required ?? []), ...(policy.digests?.forbidden ?? [])]) {
      if (d.pcr !== undefined) out.add(d.pcr)
      else for (const q of quoted) out.add(q)
    }
    if (policy.windows) for (const p of [12, 13, 14]) out.add(p)
  }
  return out
}

/** Each quote's TPMS_ATTEST parsed once for the pipeline (undefined when it does not parse: verifyQuotes reports it). */
function parseAttests(quotes: QuoteEvidence[]): (TpmsAttest | undefined)[] {
  return quotes.map((q) => {
    try {
      return parseTpmsAttest(q.attest)
    } catch {
      return undefined
    }
  })
}

function quotedPcrIndices(attests: readonly (TpmsAttest | undefined)[]): number[] {
  const out = new Set<number>()
  for (const p of attests) if (p && p.attested.kind === 'quote') for (const s of p.attested.pcrSelect) for (const i of s.pcrs) out.add(i)
  return [...out].sort((a, b) => a - b)
}

/** Banks selected by the quotes, or undefined when a quote cannot be parsed (verifyQuotes reports it). */
function selectedBanks(attests: readonly (TpmsAttest | undefined)[]): string[] | undefined {
  const banks = new Set<string>()
  for (const p of attests) {
    if (!p || p.attested.kind !== 'quote') return undefined
    for (const s of p.attested.pcrSelect) banks.add(s.bank)
  }
  return banks.size ? [...banks] : undefined
}

/**
 * PCR values for the quote's selection, taken from the log replay (initial values where no events).
 * As bytes: verifyQuotes accepts bytes or hex, and hex would only be decoded again.
 */
function pcrsFromReplay(log: EventLog, replay: ReplayResult, attests: readonly (TpmsAttest | undefined)[]): PcrValues | undefined {
  const out: Record<string, Record<string, Uint8Array>> = {}
  for (const parsed of attests) {
    if (!parsed) return undefined // verifyQuotes reports the parse error itself
    if (parsed.attested.kind !== 'quote') return undefined
    for (const sel of parsed.attested.pcrSelect) {
      const bank = replay.banks.get(sel.bank)
      if (!bank || !bank.replayable) continue
      const regs = (out[sel.bank] ??= {})
      for (const i of sel.pcrs) {
        const p = bank.pcrs.get(i)
        if (p && !p.replayable) continue
        regs[String(i)] = p ? p.value : initialPcrValue(log, i, bank.size)
      }
    }
  }
  return out
}

export async function verifyAttestation(input: VerifyAttestationInput): Promise<AttestationResult> {
  const now = input.now ?? new Date()
  const findings: VerdictFinding[] = []
  const steps: Partial<Record<StepName, { status: StepStatus; note?: string }>> = {}
  let windows = false
  const add = (step: StepName, list: readonly Finding[], submod?: SubmodName) => {
    for (const f of list) findings.push({ ...f, step, submod: submod ?? submodForPcr(f.pcr, windows) })
  }

  // 0. the policy: invalid or unknown-version policies throw before any evidence is examined.
  const validated = input.policy !== undefined ? validatePolicy(input.policy) : undefined
  const policyRoots = validated ? policyTrustAnchors(validated) : []
  const trustAnchors = [...(input.trustAnchors ?? []), ...policyRoots]

  // 1. parse
  let log: EventLog | undefined
  let analysis: EventLogAnalysis | undefined
  if (input.eventLog) {
    log = parseEventLog(input.eventLog, input.eventLogOptions)
    windows = log.events.some((e) => e.eventType === 4 && e.data.length === 4 && String.fromCharCode(...e.data) === 'WBCL')
    add('parse', log.findings)
    steps.parse = { status: 'success', note: `${log.format}, ${log.events.length} events` }
  } else {
    steps.parse = { status: 'skipped', note: 'no event log given' }
  }

  // 2. quote: against the attester's PCR values, or the values the log replays to.
  const hashOpt = input.hash ? { hash: input.hash } : {}
  // Only the banks the quotes select are authenticated, so only they are replayed and checked.
  const attests = parseAttests(input.quotes)
  const quotedBanks = selectedBanks(attests)
  const bankOpt = quotedBanks ? { banks: quotedBanks } : {}
  const replay0 = log ? replayEventLog(log, { ...hashOpt, ...bankOpt }) : undefined
  const candidate = input.pcrs ?? (log && replay0 ? pcrsFromReplay(log, replay0, attests) : undefined)
  const quote = await verifyQuotes({
    quotes: input.quotes,
    ak: input.ak,
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
    ...(candidate ? { pcrs: candidate } : {}),
    options: {
      ...input.quoteOptions,
      now,
      ...(trustAnchors.length ? { trustAnchors } : {}),
      ...(input.previous ? { previous: input.previous } : {}),
    },
  })
  for (const e of quote.errors) {
    findings.push({ code: e.code, severity: 'error', message: e.message, step: KEY_CODES.test(e.code) ? 'key' : 'quote', submod: 'tpm' })
  }
  steps.key = { status: quote.errors.some((e) => KEY_CODES.test(e.code)) ? 'failed' : 'success', note: `AK ${quote.ak.kind}${input.akEnrolled ? ', enrolled' : ''}` }
  steps.quote = { status: quote.valid ? 'success' : 'failed', note: `${input.quotes.length} quote(s)` }
  if (!quote.valid && !input.pcrs && candidate && log && quote.errors.some((e) => e.code === 'ERR_PCR_DIGEST_MISMATCH')) {
    const quoted = quotedPcrIndices(attests)
    const outside = quoted.filter((i) => !logCoverage(log!, validated, quoted).has(i))
    findings.push({
      code: 'LOG_DOES_NOT_MATCH_QUOTE',
      severity: 'error',
      message: outside.length
        ? `the quote also covers PCRs ${outside.join(', ')}, which this log does not extend (IMA, OS or DRTM measurements): supply the attester's PCR values (e.g. tpm2_quote -o) so each PCR can be checked`
        : "the PCR values the event log replays to do not hash to the quote's pcrDigest: the log is not the one that was measured (or is incomplete); supply the attester's PCR values to see which PCR differs",
      step: 'replay',
      submod: 'tpm',
    })
  }

  // 3. replay against the authenticated PCRs, integrity and structure.
  const trustedPcrs: number[] = []
  let structure: Finding[] = []
  if (log) {
    // One replay serves both the quote check above and this comparison. The firmware log is
    // compared on the PCRs it speaks for: every PCR it extends, the firmware and boot-loader
    // PCRs 0-9 even when empty (a stripped PCR must hold its initial value, attack L-08), and every
    // PCR the policy requires. Other quoted PCRs (IMA's 10, OS-owned 11-15, DRTM 17-22) belong to
    // other logs: they stay authenticated by the quote but say nothing about this log.
    const covered = logCoverage(log, validated, quotedPcrIndices(attests))
    const expected: Record<string, Record<string, string>> = {}
    const notCovered = new Set<number>()
    for (const [bank, regs] of Object.entries(quote.pcrs)) {
      for (const [idx, v] of Object.entries(regs)) {
        if (covered.has(Number(idx))) (expected[bank] ??= {})[idx] = v
        else notCovered.add(Number(idx))
      }
    }
    const replay = compareReplay(log, replay0!, expected)
    if (notCovered.size) {
      findings.push({ code: 'PCR_NOT_COVERED_BY_LOG', severity: 'info', message: `quoted PCRs ${[...notCovered].sort((a, b) => a - b).join(', ')} have no events in this log and are not compared with it`, step: 'replay', submod: 'tpm' })
    }
    const integrity = verifyEventIntegrity(log, { ...hashOpt, ...bankOpt })
    structure = checkEventLogStructure(log, { ...hashOpt, integrity })
    // The appraisal checks the same log's structure with the default hash provider: reuse these findings.
    if (!input.hash && validated) rememberStructure(log, integrity, structure)
    const all = [...log.findings, ...structure, ...integrity.findings, ...replay.findings]
    analysis = { replay, integrity, findings: all, ok: !all.some((f) => f.severity === 'error') }
    add('replay', replay.findings)
    add('integrity', [...integrity.findings, ...structure])
    // A PCR is trusted when every quoted bank authenticates it and the log reproduces it.
    const byPcr = new Map<number, boolean>()
    for (const c of analysis.replay.comparisons ?? []) byPcr.set(c.pcr, (byPcr.get(c.pcr) ?? true) && c.status === 'match')
    for (const [pcr, ok] of byPcr) if (ok) trustedPcrs.push(pcr)
    trustedPcrs.sort((a, b) => a - b)
    steps.replay = { status: !quote.valid ? 'failed' : analysis.replay.ok ? 'success' : 'failed', note: `${analysis.replay.comparisons?.filter((c) => c.status === 'match').length ?? 0}/${analysis.replay.comparisons?.length ?? 0} quoted PCR values reproduced` }
    const c = analysis.integrity.counts
    steps.integrity = { status: analysis.integrity.findings.some((f) => f.severity === 'error') ? 'failed' : 'success', note: `${c.verified} verified, ${c.mismatch} mismatch, ${c['not-applicable']} not bound` }
    const authBanks = Object.keys(quote.pcrs)
    if (quote.valid && authBanks.length > 0 && authBanks.every((b) => b === 'sha1')) {
      findings.push({ code: 'QUOTE_SHA1_BANK_ONLY', severity: 'warning', message: 'only the sha1 bank is quoted: SHA-1 collisions make the log replay weaker (attack L-10)', step: 'quote', submod: 'tpm' })
    }
  } else {
    steps.replay = { status: 'skipped', note: 'no event log given' }
    steps.integrity = { status: 'skipped' }
  }

  // 4. boot state from trusted facts only.
  let state: BootState | undefined
  if (log && analysis) {
    const r = extractBootState(log, { quotedPcrs: quote.valid ? trustedPcrs : [], integrity: analysis.integrity, structure, ...(input.hash ? { hash: input.hash } : {}) })
    state = r.state
    add('state', r.findings)
    steps.state = { status: r.findings.some((f) => f.severity === 'error') ? 'failed' : 'success' }
  } else {
    steps.state = { status: 'skipped' }
  }

  // 5. appraisal against the policy.
  let policyId: string | undefined
  let appraised: Partial<Record<SubmodName, EarStatus>> = {}
  if (input.policy !== undefined) {
    // The nonce counts as checked only when one was given and every quote's extraData equals it.
    const nonceChecks = quote.checks.filter((c) => c.id === 'quote.nonce')
    const nonceChecked = !!input.nonce?.length && nonceChecks.length === input.quotes.length && nonceChecks.every((c) => c.ok)
    const a = runAppraisal({ policy: validated ?? input.policy, log, analysis, state, quote, previous: input.previous, nonceChecked, ak: input.ak })
    policyId = a.policyId
    appraised = a.submods
    for (const f of a.findings) findings.push(f)
    steps.appraisal = { status: a.findings.some((f) => f.severity === 'error') ? 'failed' : 'success', note: `policy ${a.policyId}` }
  } else {
    steps.appraisal = { status: 'skipped', note: 'no policy: the verdict cannot be affirming' }
  }

  // 5b. an attestation-service token, as evidence of its own.
  const extraSubmods: Record<string, EarAppraisal> = {}
  if (input.maa) {
    const res = await verifyMaaToken(input.maa.token, { now, ...input.maa.options })
    const sub = maaResultToSubmod(res)
    const subFindings: VerdictFinding[] = sub.findings.map((f) => ({ ...f, step: 'token', submod: sub.label as SubmodName }))
    findings.push(...subFindings)
    extraSubmods[sub.label] = {
      ear_status: sub.appraisal.status,
      ear_trustworthiness_vector: (sub.appraisal.trustworthinessVector ?? {}) as TrustVector,
      bootproof_findings: subFindings,
    }
    steps.token = { status: res.valid ? 'success' : 'failed', note: `Azure Attestation token ${res.valid ? 'verified' : 'rejected'}` }
  }

  // 6. verdict.
  // Every submodule that applies to the evidence, plus every one the appraisal or a finding
  // touched: a failing rule must count even when its evidence (a log, a Windows WBCL) is absent.
  const present = new Set<SubmodName>(['tpm'])
  if (log) for (const s of ['platform-firmware', 'secure-boot', 'boot-loader', 'os-kernel'] as const) present.add(s)
  if (windows) present.add('windows-boot')
  for (const s of Object.keys(appraised) as SubmodName[]) present.add(s)
  for (const f of findings) if (f.submod && f.submod in SUBMODS) present.add(f.submod as SubmodName)
  // Identified by certificate only when its chain validated to the caller's (or the policy's) roots.
  const chainOk = quote.checks.some((c) => c.id === 'ak.chain' && c.ok) && !quote.checks.some((c) => c.id === 'ak.chain' && !c.ok)
  const akIdentity = quote.valid && chainOk ? 'certificate' : input.akEnrolled ? 'enrolled' : 'unknown'
  const verdict = buildVerdict({
    now,
    ...(input.verifier ? { verifier: input.verifier } : {}),
    ...(input.nonce ? { nonce: input.nonce } : {}),
    ...(policyId ? { policyId } : {}),
    steps,
    findings,
    quoteValid: input.quotes.length ? quote.valid : undefined,
    akIdentity,
    appraised,
    present: [...present],
    extraSubmods,
  })
  return { verdict, ...(log ? { log } : {}), quote, ...(analysis ? { analysis } : {}), ...(state ? { state } : {}), trustedPcrs }
}
