/**
 * The authentication stage of an attestation: quote(s), then replay, integrity and structure
 * of the log against what the quotes authenticate, each run once. The result is the
 * `AuthenticatedEvidence` every later stage reads (boot state, appraisal, verdict).
 *
 * Order (TPM 2.0 Part 3 §18.4; TCG PFP §10.4.5): the log is replayed once, in the banks the
 * quotes select (other banks prove nothing, attack Q-07); the quote's pcrDigest is checked
 * against the attester's PCR values or, without them, against the values the log replays to,
 * so a log that is not the measured one fails cryptographically; then the replay is compared
 * with the authenticated values on the PCRs the log speaks for.
 *
 * A CC event log (CCEL, `registers: 'cc-mr'`) speaks for CC measurement registers, not PCRs: its
 * register source is a TD quote's RTMR0-3 (`tdQuote`, authenticate_ccel.ts); the TPM quotes are
 * still verified, but never compared with it.
 */
import type { Finding } from '../findings.js'
import type { HashProvider } from '../hash/provider.js'
import type { EventLog } from '../eventlog/types.js'
import type { CelLog } from '../cel/types.js'
import type { AkInput } from '../tpm/ak.js'
import type { QuoteEvidence, VerifyQuoteOptions } from '../tpm/quote_core.js'
import type { PcrValues } from '../tpm/pcr_values.js'
import { verifyQuotes, type VerifyQuotesResult } from '../tpm/verify_quotes.js'
import type { CertificateInput } from '../x509/chain.js'
import { buildEvidence, checkLog } from './authenticate_log.js'
import type { AuthenticatedEvidence, TrustReason } from './evidence.js'
import { parseAttests, pcrsFromReplay, quotedPcrIndices, selectedBanks } from './quoted_pcrs.js'
import { authenticateCcel } from './authenticate_ccel.js'
import type { TdQuoteRegisters } from './td_quote_registers.js'

/** Which quoted PCRs a firmware log must account for (beyond those it extends and 0-9). */
export interface LogCoverage {
  /** PCRs a caller's rule reads: compared even when the log has no event there (attack L-08). */
  pcrs?: readonly number[]
  /** Compare every quoted PCR (a rule that looks for a digest anywhere). */
  allQuoted?: boolean
}

export interface AuthenticateInput {
  log?: EventLog
  /**
   * The Canonical Event Log of the same boot (systemd's tpm2-measure.log, `parseCel`), with `log`:
   * each PCR is replayed as its firmware events then its CEL records and compared with the quote
   * (src/attest/combine_cel.ts). Ignored without `log`.
   */
  celLog?: CelLog
  quotes: readonly QuoteEvidence[]
  ak: AkInput
  nonce: Uint8Array | undefined
  /** The attester's PCR values (optional; checked against the quote, never trusted alone). */
  pcrs?: PcrValues
  trustAnchors?: readonly CertificateInput[]
  now: Date
  previous?: { clock: bigint; resetCount: number; restartCount: number }
  quoteOptions?: VerifyQuoteOptions
  coverage?: LogCoverage
  hash?: HashProvider
  /**
   * The register source of a CC event log (`log.registerKind === 'cc-mr'`): the TD quote's RTMR0-3
   * and whether the caller's `verifyTdxQuote` (or `verifyCvm`) verified it. Ignored for a TPM log.
   */
  tdQuote?: TdQuoteRegisters
}

export interface Authentication {
  quote: VerifyQuotesResult
  /** Present when a log was given. */
  evidence?: AuthenticatedEvidence
  /** Findings of the quote step (key and quote checks). */
  quoteFindings: Finding[]
  /** Findings about the log against the quote that are not the evidence's own. */
  replayFindings: Finding[]
}

/** PCRs a firmware log is compared on: those it extends, the firmware and loader PCRs 0-9, and the caller's. */
function coveredPcrs(log: EventLog, quoted: readonly number[], coverage: LogCoverage | undefined, celPcrs: readonly number[] = []): Set<number> {
  const out = new Set<number>([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  for (const e of log.events) if (e.eventType !== 3 && e.pcrIndex <= 23) out.add(e.pcrIndex)
  for (const p of celPcrs) if (p <= 23) out.add(p)
  for (const p of coverage?.pcrs ?? []) out.add(p)
  if (coverage?.allQuoted) for (const q of quoted) out.add(q)
  return out
}

/** The TPM quote step: the quotes verified with the given (or replayed) PCR values. */
async function checkQuotes(input: AuthenticateInput, pcrs: PcrValues | undefined): Promise<{ quote: VerifyQuotesResult; quoteFindings: Finding[] }> {
  const quote = await verifyQuotes({
    quotes: input.quotes,
    ak: input.ak,
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
    ...(pcrs ? { pcrs } : {}),
    options: {
      ...input.quoteOptions,
      now: input.now,
      ...(input.trustAnchors?.length ? { trustAnchors: input.trustAnchors } : {}),
      ...(input.previous ? { previous: input.previous } : {}),
    },
  })
  return { quote, quoteFindings: quote.errors.map((e) => ({ code: e.code, severity: 'error', message: e.message })) }
}

export async function authenticateAttestation(input: AuthenticateInput): Promise<Authentication> {
  const { log } = input
  if (log?.registerKind === 'cc-mr') {
    // A CCEL's indices are CC MRs: a TPM quote's PCRs say nothing about them (and the CCEL
    // supplies no PCR values to the quote check), so the TD quote alone authenticates them.
    const { quote, quoteFindings } = await checkQuotes(input, input.pcrs)
    const { evidence } = authenticateCcel({ log, ...(input.tdQuote ? { tdQuote: input.tdQuote } : {}), ...(input.celLog ? { celLog: input.celLog } : {}), ...(input.hash ? { hash: input.hash } : {}) })
    return { quote, evidence, quoteFindings, replayFindings: [] }
  }
  const attests = parseAttests(input.quotes)
  const banks = selectedBanks(attests)
  const checks = log ? checkLog(log, { ...(input.hash ? { hash: input.hash } : {}), ...(banks ? { banks } : {}), ...(input.celLog ? { celLog: input.celLog } : {}) }) : undefined
  const candidate = input.pcrs ?? (log && checks ? pcrsFromReplay(log, checks.cel?.combined ?? checks.replay, attests) : undefined)
  const { quote, quoteFindings } = await checkQuotes(input, candidate)
  const replayFindings: Finding[] = []
  if (!log || !checks) return { quote, quoteFindings, replayFindings }

  const quoted = quotedPcrIndices(attests)
  const covered = coveredPcrs(log, quoted, input.coverage, checks.cel?.pcrs)
  if (!quote.valid && !input.pcrs && candidate && quote.errors.some((e) => e.code === 'ERR_PCR_DIGEST_MISMATCH')) {
    const outside = quoted.filter((i) => !covered.has(i))
    replayFindings.push({
      code: 'LOG_DOES_NOT_MATCH_QUOTE',
      severity: 'error',
      message: outside.length
        ? `the quote also covers PCRs ${outside.join(', ')}, which this log does not extend (IMA, OS or DRTM measurements): supply the attester's PCR values (e.g. tpm2_quote -o) so each PCR can be checked`
        : "the PCR values the event log replays to do not hash to the quote's pcrDigest: the log is not the one that was measured (or is incomplete); supply the attester's PCR values to see which PCR differs",
    })
  }
  // Compare on the PCRs the log speaks for; other quoted PCRs (IMA's 10, OS-owned 11-15, DRTM
  // 17-22) belong to other logs: authenticated by the quote, but saying nothing about this log.
  // Without attester values the authenticated PCRs are the replay's own bytes (the quote check
  // hashed exactly those and reports them as hex): the comparison takes a copy of the bytes
  // instead of decoding the hex again.
  const own = input.pcrs ? undefined : (candidate as Record<string, Record<string, Uint8Array>> | undefined)
  const expected: Record<string, Record<string, string | Uint8Array>> = {}
  const notCovered = new Set<number>()
  for (const [bank, regs] of Object.entries(quote.pcrs)) {
    for (const [idx, v] of Object.entries(regs)) {
      if (covered.has(Number(idx))) (expected[bank] ??= {})[idx] = own?.[bank]?.[idx]?.slice() ?? v
      else notCovered.add(Number(idx))
    }
  }
  if (notCovered.size) {
    replayFindings.push({ code: 'PCR_NOT_COVERED_BY_LOG', severity: 'info', message: `quoted PCRs ${[...notCovered].sort((a, b) => a - b).join(', ')} have no events in this log and are not compared with it` })
  }
  const authBanks = Object.keys(quote.pcrs)
  if (quote.valid && authBanks.length > 0 && authBanks.every((b) => b === 'sha1')) {
    quoteFindings.push({ code: 'QUOTE_SHA1_BANK_ONLY', severity: 'warning', message: 'only the sha1 bank is quoted: SHA-1 collisions make the log replay weaker (attack L-10)' })
  }
  const quoteProblem: TrustReason | undefined = input.quotes.length === 0
    ? { code: 'NO_QUOTE', message: 'no quote was given: no PCR is authenticated' }
    : !quote.valid
      ? { code: 'QUOTE_INVALID', message: `the quote did not verify (${quote.errors[0]?.code ?? 'invalid'}): no PCR is authenticated` }
      : undefined
  const evidence = buildEvidence({ checks, basis: 'quote', expected, ...(quoteProblem ? { quoteProblem } : {}) })
  return { quote, evidence, quoteFindings, replayFindings }
}
