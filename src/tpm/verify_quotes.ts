/**
 * `verifyQuotes`: several quotes from one AK (one per bank, as go-tpm-tools produces, or
 * taken in sequence). Each quote gets the full single-quote checks; supplied PCRs must be
 * covered by some signed selection, every selected PCR must be supplied, and all quotes must
 * share resetCount / restartCount / firmwareVersion (one boot of one TPM; go-attestation
 * `VerifyAll`, Keylime `check_quote_timing`).
 */
import { runQuoteChecks, type CoreResult, type QuoteEvidence, type VerifyQuoteOptions } from './quote_core.js'
import type { AkInput } from './ak.js'
import type { PcrValuesInput as PcrValues } from '../pcr_values.js'

export interface VerifyQuotesInput {
  quotes: readonly QuoteEvidence[]
  ak: AkInput
  nonce?: Uint8Array
  pcrs?: PcrValues
  options?: VerifyQuoteOptions
}

export type VerifyQuotesResult = CoreResult

/**
 * Verify several quotes made by one AK for one nonce.
 * @throws BootproofError when an input cannot be parsed
 */
export async function verifyQuotes(input: VerifyQuotesInput): Promise<VerifyQuotesResult> {
  return runQuoteChecks({
    quotes: input.quotes,
    ak: input.ak,
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
    ...(input.pcrs !== undefined ? { pcrs: input.pcrs } : {}),
    ...(input.options !== undefined ? { options: input.options } : {}),
  })
}
