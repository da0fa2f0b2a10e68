/**
 * Token error codes (docs/tokens.md): the unions and the thrown-code list are defined in the
 * ground-floor src/error_codes.ts and re-exported here; the returned check-error shape is the
 * token module's own.
 */
import type { TokenErrorCode } from '../error_codes.js'

export { TOKEN_THROWN_CODES, type TokenErrorCode, type TokenParseErrorCode, type TokenCheckErrorCode } from '../error_codes.js'

/** One failed check, as returned in `errors[]` and printed by the CLI. */
export interface TokenCheckError {
  code: TokenErrorCode
  message: string
}
