/**
 * Stable codes of failing verification checks (documented in docs/quote-checks.md). These are
 * verdicts on well-formed input and are returned in `checks[]` / `errors[]`, never thrown.
 */
export type QuoteCheckCode =
  // Attestation key
  | 'ERR_AK_ATTRIBUTES'
  | 'ERR_AK_UNBOUND'
  | 'ERR_AK_SCHEME'
  | 'ERR_AK_KEY_SIZE'
  | 'ERR_AK_CURVE'
  | 'ERR_AK_KEY_INVALID'
  | 'ERR_AK_CERT_MISMATCH'
  | 'ERR_AK_CERT_PROFILE'
  | 'ERR_CHAIN_UNTRUSTED'
  // TPMS_ATTEST header and signature
  | 'ERR_QUOTE_MAGIC'
  | 'ERR_QUOTE_TYPE'
  | 'ERR_QUOTE_SCHEME_MISMATCH'
  | 'ERR_QUOTE_SHA1_REFUSED'
  | 'ERR_QUOTE_HASH_UNSUPPORTED'
  | 'ERR_QUOTE_SIGNATURE'
  | 'ERR_QUOTE_ECDSA_RANGE'
  | 'ERR_QUOTE_NONCE_MISSING'
  | 'ERR_QUOTE_NONCE_MISMATCH'
  | 'ERR_QUOTE_QUALIFIED_SIGNER'
  | 'ERR_QUOTE_CLOCK_UNSAFE'
  | 'ERR_QUOTE_SELECTION'
  // PCRs
  | 'ERR_PCR_NOT_IN_SELECTION'
  | 'ERR_PCR_MISSING'
  | 'ERR_PCR_VALUE_SIZE'
  | 'ERR_PCR_DIGEST_MISMATCH'
  // Several quotes / previous state
  | 'ERR_QUOTES_EMPTY'
  | 'ERR_QUOTES_INCONSISTENT'
  | 'ERR_QUOTE_RESET'
  | 'ERR_QUOTE_CLOCK_ROLLBACK'

/** One entry per check that ran. */
export interface QuoteCheck {
  /** Stable check id, e.g. `quote.magic`, `signature.verify`, `pcrs.digest`. */
  id: string
  ok: boolean
  /** Set when `ok` is false. */
  code?: QuoteCheckCode
  message: string
  /** Index of the quote in `verifyQuotes` input. */
  quote?: number
}

export interface QuoteError {
  code: QuoteCheckCode
  message: string
}
