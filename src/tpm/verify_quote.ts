/**
 * `verifyQuote`: verify one TPM2_Quote (TPMS_ATTEST + TPMT_SIGNATURE) against an attestation
 * key, a verifier nonce and optional PCR values, the way an attacker cannot fool (attack
 * catalogue section A, Q-01..Q-12). Every rule is a named check in the result.
 */
import { runQuoteChecks, type CoreInput, type QuoteEvidence, type VerifyQuoteOptions, type QuoteSummary, type AkSummary, type AuthenticatedPcrs } from './quote_core.js'
import type { AkInput } from './ak.js'
import type { PcrValuesInput as PcrValues } from '../pcr_values.js'
import type { QuoteCheck, QuoteError } from './check_codes.js'

export type { VerifyQuoteOptions, QuoteSummary, AkSummary, AuthenticatedPcrs }

export interface VerifyQuoteInput extends QuoteEvidence {
  /** The AK: TPM public area, SPKI, certificate (bytes or PEM; auto-detected) or `{ public, spki, certificate, intermediates }`. */
  ak: AkInput
  /** The verifier's nonce (qualifyingData). Missing or empty fails unless `options.allowMissingNonce`. */
  nonce?: Uint8Array
  /** PCR values to authenticate: `{ sha256: { 0: '…hex…' } }`. Values outside the signed selection are an error. */
  pcrs?: PcrValues
  options?: VerifyQuoteOptions
}

export interface VerifyQuoteResult {
  /** True only when every check passed. */
  valid: boolean
  /** One entry per check that ran, in order. */
  checks: QuoteCheck[]
  /** The failing checks' codes and messages. */
  errors: QuoteError[]
  /** What the quote states (undefined when magic/type show it is not a quote). */
  quote?: QuoteSummary
  /** PCR values authenticated by this quote (bank → decimal index → lowercase hex); empty unless valid. */
  pcrs: AuthenticatedPcrs
  ak: AkSummary
}

/**
 * Verify a TPM 2.0 quote.
 *
 * @param input attest bytes, signature, AK, nonce, PCR values, options
 * @returns a result with one entry per check; `valid` is true only if all passed
 * @throws BootproofError when an input cannot be parsed (ERR_TPM_*, ERR_KEY_INVALID,
 *   ERR_CERT_INVALID, ERR_PEM_INVALID, ERR_PCRS_INVALID)
 * @example
 * const r = await verifyQuote({ attest, signature, ak: akPub, nonce, pcrs: { sha256: { 0: '…' } } })
 * if (!r.valid) console.log(r.errors)
 */
export async function verifyQuote(input: VerifyQuoteInput): Promise<VerifyQuoteResult> {
  const core: CoreInput = { quotes: [{ attest: input.attest, signature: input.signature }], ak: input.ak }
  if (input.nonce !== undefined) core.nonce = input.nonce
  if (input.pcrs !== undefined) core.pcrs = input.pcrs
  if (input.options !== undefined) core.options = input.options
  const r = await runQuoteChecks(core)
  const out: VerifyQuoteResult = { valid: r.valid, checks: r.checks, errors: r.errors, pcrs: r.pcrs, ak: r.ak }
  if (r.quotes[0]) out.quote = r.quotes[0]
  return out
}
