/**
 * `verifyAttestation`: the one call a backend makes (issue 4).
 *
 * parse → quote verification → replay against the quoted PCRs → integrity → boot state →
 * appraisal → verdict. Unparseable input throws a BootproofError; everything else becomes
 * findings in an EAR-shaped verdict, each tagged with its step and submodule.
 */
import { authenticateAttestation, type LogCoverage } from './attest/authenticate.js'
import type { AuthenticatedEvidence } from './attest/evidence.js'
import type { EventLogAnalysis } from './attest/analyze.js'
import { parseEventLog, type ParseEventLogOptions } from './eventlog/parse.js'
import type { EventLog } from './eventlog/types.js'
import { isWindowsLog } from './eventlog/windows_marker.js'
import type { Finding } from './findings.js'
import type { HashProvider } from './hash/provider.js'
import type { BootStateLimits } from './limits.js'
import { stateFromEvidence, type BootState } from './state/boot_state.js'
import type { AkInput } from './tpm/ak.js'
import type { QuoteEvidence, VerifyQuoteOptions } from './tpm/quote_core.js'
import type { PcrValues } from './tpm/pcr_values.js'
import type { VerifyQuotesResult } from './tpm/verify_quotes.js'
import type { CertificateInput } from './x509/chain.js'
import type { EarStatus, TrustVector } from './verdict/ar4si.js'
import { verifyMaaToken, type VerifyMaaOptions } from './token/verify_maa.js'
import { maaResultToSubmod } from './token/maa_submod.js'
import { buildVerdict, type AkIdentity } from './verdict/build.js'
import { SUBMODS, submodForPcr, type SubmodName } from './verdict/submods.js'
import type { EarAppraisal, StepName, StepStatus, Verdict, VerdictFinding } from './verdict/types.js'
import { runAppraisal, type PolicyInput } from './verify_appraisal.js'
import { validatePolicy } from './policy/validate.js'
import type { Pcr11SignedBank, Policy } from './policy/types.js'
import { verifyPcr11Signatures, type Pcr11SignatureEvidence } from './attest/pcr_signature.js'
import { policyTrustAnchors } from './policy/appraise.js'
import { pcrsReadByPolicy } from './policy/coverage.js'
import { parseCel } from './cel/index.js'
import { verifyCvm, type CvmEvidence } from './cvm/verify_cvm.js'
import type { CvmVerifyResult } from './cvm/azure/cvm_checks.js'
import { cvmSubmod, CVM_SUBMOD } from './cvm/verdict/submod.js'
import { parseTdxQuote } from './cvm/tdx/quote.js'
import { CC_MR_BANK, RTMR_COUNT, rtmrValues, type TdQuoteRegisters } from './attest/td_quote_registers.js'
import { toHex } from './bytes/hex.js'
import type { QuoteEvidenceSummary } from './policy/appraise/types.js'

export interface VerifyAttestationInput {
  /** The firmware event log (binary_bios_measurements, WBCL, ...). */
  eventLog?: Uint8Array
  /**
   * The Canonical Event Log of the same boot (CEL-TLV or CEL-JSON, e.g. systemd's
   * /run/log/systemd/tpm2-measure.log), with `eventLog`: each PCR is replayed as its firmware
   * events then its CEL records and compared with the quote (src/attest/combine_cel.ts).
   */
  celLog?: Uint8Array
  /**
   * How `eventLog` is parsed. `registers: 'cc-mr'`: a TDX CC event log (CCEL), whose registers are
   * authenticated by the TD quote of `cvm` (RTMR0-3 = CC MR 1-4) once that quote verified, never
   * by the TPM quotes.
   */
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
  /** Overrides of the named boot-state limits (e.g. `maxCertificatesDecoded`). */
  bootStateLimits?: Partial<BootStateLimits>
  /** Extra quote-verification options (SHA-1 opt-in, AK EKUs, ...). */
  quoteOptions?: VerifyQuoteOptions
  verifier?: { developer: string; build: string }
  hash?: HashProvider
  /**
   * An Azure Attestation token for the same machine, verified without trusting it
   * (`verifyMaaToken`) and reported as its own submodule `maa` (issue 6).
   */
  maa?: { token: string; options: VerifyMaaOptions }
  /**
   * Confidential-VM hardware evidence (an evidence bundle's `cvm`): an Azure HCL report binds the
   * quote's AK to a SEV-SNP report or TD quote; reported as the `cvm` submodule (docs/cvm.md).
   */
  cvm?: CvmEvidence
  /**
   * The UKI's `.pcrsig` (systemd signed PCR 11 policies, JSON; an evidence bundle's
   * `pcrSignature`), for a policy's `pcr11Signed` rule. Attester data: only entries whose
   * signatures verify under the policy's keys count, and only for the quoted PCR 11 value.
   */
  pcrSignature?: Uint8Array | string
  /** Verifier settings for `cvm` (never from the evidence): accept a debuggable guest, SEV-SNP intermediates, TDX collateral. */
  cvmOptions?: { allowDebug?: boolean; chain?: readonly CertificateInput[]; tdx?: { collateral?: unknown; ccel?: Uint8Array; reportData?: Uint8Array } }
}

export interface AttestationResult {
  verdict: Verdict
  /** The parsed log (absent when none was given). */
  log?: EventLog
  quote: VerifyQuotesResult
  analysis?: EventLogAnalysis
  /** What the authentication stage established (absent when no log was given). */
  evidence?: AuthenticatedEvidence
  state?: BootState
  /**
   * PCR indices whose values were authenticated by the quote and reproduced by the log; for a CC
   * event log (`eventLogOptions.registers: 'cc-mr'`), the CC MR indices (1-4 = RTMR0-3) that a
   * verified TD quote (`cvm`) authenticated and the log reproduced.
   */
  trustedPcrs: number[]
  /** The confidential-VM evidence's verification (when `cvm` was given). */
  cvm?: CvmVerifyResult
  /**
   * Who vouches for the AK (the verdict's `instance-identity`): its certificate chain to your
   * roots, your enrollment records (`akEnrolled`), a verified confidential-VM hardware report, or
   * nobody (`unknown`: then the quote was signed by a key anyone could hold, and the PCR values it
   * "authenticates" prove nothing about a TPM).
   */
  akIdentity: AkIdentity
}

const KEY_CODES = /^ERR_(AK|CHAIN)_/

/**
 * The TD quote of the confidential-VM evidence (a bare TD quote, or the one endorsing an Azure HCL
 * report) as the register source of a CCEL: its RTMRs, and whether `verifyCvm` verified it (quote
 * signature, QE report, PCK chain, collateral when given; an HCL TD report equal to it). The debug
 * attribute is the `cvm` submodule's question, not the quote's authenticity.
 */
function tdQuoteRegisters(evidence: CvmEvidence | undefined, result: CvmVerifyResult | undefined, allowDebug: boolean): TdQuoteRegisters | undefined {
  if (!evidence || !result || result.platform !== 'tdx') return undefined
  const bytes = 'tdxQuote' in evidence ? evidence.tdxQuote : 'hclReport' in evidence ? evidence.tdQuote : undefined
  if (!bytes) return undefined
  // verifyCvm parsed these bytes already (it throws otherwise): this parse cannot fail.
  const quote = parseTdxQuote(bytes)
  const failed = result.checks.find((c) => !c.ok && c.id !== 'tdx.td.debug' && (c.id.startsWith('tdx.') || c.id === 'hcl.tdReport'))
  // A debug TD (TDATTRIBUTES bit 0, TDX Module ABI "TDATTRIBUTES") lets the host read and write
  // its memory and state: the host can extend any RTMR values, so its RTMRs authenticate nothing
  // unless the verifier opted in (allowDebug), whatever the quote's signature says.
  const debug = (quote.body.tdAttributes[0]! & 1) === 1
  const verified = result.hardwareVerified && (!debug || allowDebug)
  const problem = !result.hardwareVerified ? (failed?.code ?? 'the TD quote did not verify') : 'ERR_TDX_DEBUG: the TD allows debugging (TDATTRIBUTES bit 0), so the host can set its RTMRs'
  return { rtmrs: quote.body.rtmrs, verified, ...(verified ? {} : { problem }) }
}

/**
 * The registers a TD quote authenticates, in the shape the appraisal reads a quote's PCRs (none
 * when it did not verify). It carries no TPM clock or AK chain: rules on those fail for a CCEL.
 */
function ccRegisterSummary(source: TdQuoteRegisters): QuoteEvidenceSummary {
  const values = rtmrValues(source)[CC_MR_BANK]!
  const regs: Record<string, string> = {}
  for (const [mr, v] of Object.entries(values)) regs[mr] = toHex(v)
  return { valid: source.verified, pcrs: source.verified ? { [CC_MR_BANK]: regs } : {} }
}

/**
 * Submodule of a CC MR (TDX): RTMR0 (MR 1) holds what PC Client puts in PCR 1 and 7, RTMR1 (MR 2)
 * the boot applications of PCR 2-6, RTMR2 (MR 3) the OS loader and kernel of PCR 8-15, RTMR3 (MR 4)
 * runtime measurements (Intel TDX Virtual Firmware Design Guide, "Measurement register mapping").
 */
function submodForCcMr(mr: number | undefined): SubmodName {
  if (mr === undefined) return 'tpm'
  return mr === 2 ? 'boot-loader' : mr === 3 || mr === 4 ? 'os-kernel' : 'platform-firmware'
}

/** The PCRs the firmware log must account for: every PCR a policy rule reads (src/policy/coverage.ts). */
function policyCoverage(policy: Policy | undefined): LogCoverage {
  if (!policy) return {}
  const { pcrs, anywhere } = pcrsReadByPolicy(policy)
  return { pcrs: [...pcrs], allQuoted: anywhere }
}

export async function verifyAttestation(input: VerifyAttestationInput): Promise<AttestationResult> {
  const now = input.now ?? new Date()
  const findings: VerdictFinding[] = []
  const steps: Partial<Record<StepName, { status: StepStatus; note?: string }>> = {}
  let windows = false
  let ccLog = false
  const add = (step: StepName, list: readonly Finding[], submod?: SubmodName) => {
    for (const f of list) findings.push({ ...f, step, submod: submod ?? (ccLog ? submodForCcMr(f.pcr) : submodForPcr(f.pcr, windows)) })
  }

  // 0. the policy: invalid or unknown-version policies throw before any evidence is examined.
  const validated = input.policy !== undefined ? validatePolicy(input.policy) : undefined
  const policyRoots = validated ? policyTrustAnchors(validated) : []
  const trustAnchors = [...(input.trustAnchors ?? []), ...policyRoots]

  // 1. parse
  let log: EventLog | undefined
  if (input.eventLog) {
    log = parseEventLog(input.eventLog, input.eventLogOptions)
    windows = isWindowsLog(log)
    ccLog = log.registerKind === 'cc-mr'
    add('parse', log.findings)
    steps.parse = { status: 'success', note: `${log.format}, ${log.events.length} events` }
  } else {
    steps.parse = { status: 'skipped', note: 'no event log given' }
  }

  // 1b. confidential-VM hardware evidence, bound to the AK (Azure HCL report). Before the quote:
  // an AK that a verified hardware report binds needs no TPM public area (Azure publishes the
  // vTPM AK only as the runtime data's JWK), so its bare key is then accepted for the quote.
  let cvm: CvmVerifyResult | undefined
  const cvmPolicy = validated?.cvm
  if (input.cvm) {
    const allowDebug = input.cvmOptions?.allowDebug ?? cvmPolicy?.allowDebug
    cvm = await verifyCvm(input.cvm, {
      ak: input.ak,
      now,
      ...(allowDebug !== undefined ? { allowDebug } : {}),
      ...(cvmPolicy?.minimumTcb ? { minimumTcb: cvmPolicy.minimumTcb } : {}),
      ...(cvmPolicy?.measurements ? { measurements: cvmPolicy.measurements } : {}),
      ...(cvmPolicy?.hostData ? { hostData: cvmPolicy.hostData } : {}),
      ...(input.cvmOptions?.chain ? { chain: input.cvmOptions.chain } : {}),
      ...(input.cvmOptions?.tdx ? { tdx: input.cvmOptions.tdx } : {}),
      ...(input.hash ? { hash: input.hash } : {}),
    })
  }
  // 1c. the CEL of the same boot, replayed after the firmware log's events of each PCR.
  const celLog = log && input.celLog ? parseCel(input.celLog) : undefined
  if (celLog && steps.parse) steps.parse.note += `; ${celLog.format}, ${celLog.records.length} records`
  // 2-3. authentication, once: quotes, then replay / integrity / structure against them. A CCEL's
  // registers are authenticated by the TD quote's RTMRs, never by the TPM quotes.
  const tdQuote = ccLog ? tdQuoteRegisters(input.cvm, cvm, (input.cvmOptions?.allowDebug ?? cvmPolicy?.allowDebug) === true) : undefined
  const auth = await authenticateAttestation({
    ...(tdQuote ? { tdQuote } : {}),
    ...(log ? { log } : {}),
    ...(celLog ? { celLog } : {}),
    quotes: input.quotes,
    ak: input.ak,
    nonce: input.nonce,
    ...(input.pcrs ? { pcrs: input.pcrs } : {}),
    trustAnchors,
    now,
    ...(input.previous ? { previous: input.previous } : {}),
    ...(input.quoteOptions || cvm?.akBound ? { quoteOptions: { ...input.quoteOptions, ...(cvm?.akBound ? { trustBareKey: true } : {}) } } : {}),
    coverage: policyCoverage(validated),
    ...(input.hash ? { hash: input.hash } : {}),
  })
  const { quote, evidence } = auth
  for (const f of auth.quoteFindings) findings.push({ ...f, step: KEY_CODES.test(f.code) ? 'key' : 'quote', submod: 'tpm' })
  steps.key = { status: quote.errors.some((e) => KEY_CODES.test(e.code)) ? 'failed' : 'success', note: `AK ${quote.ak.kind}${input.akEnrolled ? ', enrolled' : ''}${cvm?.akBound ? ', bound by the confidential-VM hardware report' : ''}` }
  steps.quote = { status: quote.valid ? 'success' : 'failed', note: `${input.quotes.length} quote(s)` }
  for (const f of auth.replayFindings) findings.push({ ...f, step: 'replay', submod: 'tpm' })

  let analysis: EventLogAnalysis | undefined
  if (evidence) {
    analysis = { replay: evidence.replay, integrity: evidence.integrity, findings: [...evidence.findings], ok: evidence.ok }
    add('replay', evidence.replay.findings)
    add('integrity', [...evidence.integrity.findings, ...evidence.structure])
    if (evidence.cel) add('integrity', [...evidence.cel.log.findings, ...evidence.cel.integrity.findings, ...evidence.findings.filter((f) => f.code === 'CEL_NV_INDEX_NOT_QUOTED')])
    const cmp = evidence.replay.comparisons ?? []
    const reproduced = cmp.filter((c) => c.status === 'match').length
    steps.replay = ccLog
      ? { status: tdQuote?.verified && evidence.replay.ok ? 'success' : 'failed', note: !tdQuote ? 'a CC event log needs a TD quote (cvm.tdxQuote or an HCL report\'s tdQuote): no RTMR to compare with' : !tdQuote.verified ? `the TD quote did not verify (${tdQuote.problem}): no RTMR is authenticated` : `${reproduced}/${RTMR_COUNT} RTMRs of the verified TD quote reproduced by the CCEL` }
      : { status: !quote.valid ? 'failed' : evidence.replay.ok ? 'success' : 'failed', note: `${reproduced}/${cmp.length} quoted PCR values reproduced` }
    const c = evidence.integrity.counts
    steps.integrity = { status: evidence.integrity.findings.some((f) => f.severity === 'error') ? 'failed' : 'success', note: `${c.verified} verified, ${c.mismatch} mismatch, ${c['not-applicable']} not bound` }
  } else {
    steps.replay = { status: 'skipped', note: 'no event log given' }
    steps.integrity = { status: 'skipped' }
  }
  const trustedPcrs = evidence ? [...evidence.authenticatedPcrs] : []

  // 4. boot state, read from the evidence only.
  let state: BootState | undefined
  if (evidence) {
    const r = stateFromEvidence(evidence, input.bootStateLimits ? { limits: input.bootStateLimits } : {})
    state = r.state
    add('state', r.findings)
    steps.state = { status: r.findings.some((f) => f.severity === 'error') ? 'failed' : 'success' }
  } else {
    steps.state = { status: 'skipped' }
  }

  // 4b. a pcr11Signed rule: the .pcrsig's signatures checked once, under the policy's keys
  // (asynchronous, so before the appraisal, which only compares digests).
  let pcr11Signatures: Pcr11SignatureEvidence | undefined
  const signedRule = validated?.pcr11Signed
  if (signedRule && input.pcrSignature !== undefined) {
    const banks = signedRule.banks ?? ['sha256']
    const pcr11: Partial<Record<Pcr11SignedBank, string>> = {}
    for (const b of banks) {
      const v = quote.valid ? quote.pcrs[b]?.['11'] : undefined
      if (v !== undefined) pcr11[b] = v
    }
    pcr11Signatures = await verifyPcr11Signatures(input.pcrSignature, signedRule.keys, { banks, pcr11, ...(input.hash ? { hash: input.hash } : {}) })
  }

  // 5. appraisal against the policy.
  let policyId: string | undefined
  let appraised: Partial<Record<SubmodName, EarStatus>> = {}
  if (input.policy !== undefined) {
    // The nonce counts as checked only when one was given and every quote's extraData equals it.
    const nonceChecks = quote.checks.filter((c) => c.id === 'quote.nonce')
    // A CCEL's registers come from the TD quote: the TPM quotes' nonce does not make its RTMRs
    // fresh; the TD quote's REPORTDATA does, when the caller gave the value it expects there
    // (cvmOptions.tdx.reportData) and the quote carries it.
    const nonceChecked = tdQuote
      ? input.cvmOptions?.tdx?.reportData !== undefined && !!cvm?.checks.some((c) => c.id === 'tdx.td.reportData' && c.ok)
      : !!input.nonce?.length && nonceChecks.length === input.quotes.length && nonceChecks.every((c) => c.ok)
    // A CCEL is appraised on the registers its TD quote authenticated (the TPM quotes cover PCRs).
    const registers = tdQuote ? ccRegisterSummary(tdQuote) : quote
    const a = runAppraisal({ policy: validated ?? input.policy, log, ...(evidence ? { evidence } : {}), state, quote: registers, previous: input.previous, nonceChecked, ak: input.ak, ...(pcr11Signatures ? { pcr11Signatures } : {}) })
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

  const cvmSub = cvmSubmod({ ...(cvm ? { result: cvm } : {}), ...(cvmPolicy ? { policy: cvmPolicy } : {}), ...(policyId ? { policyId } : {}), quoteValid: quote.valid })
  if (cvmSub) {
    findings.push(...cvmSub.findings)
    extraSubmods[CVM_SUBMOD] = cvmSub.appraisal
    steps.cvm = cvmSub.step
  } else {
    steps.cvm = { status: 'skipped', note: 'no confidential-VM evidence' }
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
  // An AK that a verified hardware report binds (Azure HCL runtime data) is identified by that
  // hardware's endorsement chain, like a certificate chain to a pinned root.
  const akIdentity: AkIdentity = quote.valid && chainOk ? 'certificate' : input.akEnrolled ? 'enrolled' : quote.valid && cvm?.akBound ? 'hardware' : 'unknown'
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
  return { verdict, ...(log ? { log } : {}), quote, ...(analysis ? { analysis } : {}), ...(evidence ? { evidence } : {}), ...(state ? { state } : {}), trustedPcrs, ...(cvm ? { cvm } : {}), akIdentity }
}
