/**
 * Throwing helper for the three parse-failure codes (`TokenParseErrorCode`, part of
 * `BootproofErrorCode`): a plain `BootproofError`, so `err.code` and `isBootproofError` work.
 */
import { BootproofError } from '../errors.js'
import type { TokenParseErrorCode } from '../error_codes.js'

export function tokenParseError(code: TokenParseErrorCode, message: string, cause?: unknown): BootproofError {
  return new BootproofError(code, message, cause === undefined ? {} : { cause })
}
