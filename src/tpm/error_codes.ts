/** TPM error codes: defined in the ground-floor src/error_codes.ts, re-exported for this path. */
export type { TpmErrorCode } from '../error_codes.js'
