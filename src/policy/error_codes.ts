/** Policy error codes: defined in the ground-floor src/error_codes.ts, re-exported for this path. */
export { POLICY_ERROR_CODES, type PolicyErrorCode } from '../error_codes.js'
