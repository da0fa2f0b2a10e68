/** PE / Authenticode error codes: defined in the ground-floor src/error_codes.ts, re-exported for this path. */
export { AUTHENTICODE_ERROR_CODES, type AuthenticodeErrorCode } from '../error_codes.js'
