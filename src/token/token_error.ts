/**
 * Throwing helper for the three parse-failure codes. Until `TokenErrorCode` is part of
 * `BootproofErrorCode` (src/errors.ts), the code is widened with a cast; the runtime object is a
 * plain `BootproofError` either way, so `err.code` and `isBootproofError` work unchanged.
 */
import { BootproofError } from '../errors.js'
import type { TokenParseErrorCode } from './error_codes.js'

export function tokenParseError(code: TokenParseErrorCode, message: string, cause?: unknown): BootproofError {
  return new BootproofError(code, message, cause === undefined ? {} : { cause })
}
