/**
 * Codes thrown (as `BootproofError`) when a PE/COFF image cannot be parsed or hashed. Until
 * `AuthenticodeErrorCode` is part of `BootproofErrorCode` (src/errors.ts), `peError` widens the
 * code with a cast; the runtime object is a plain `BootproofError` either way, so `err.code` and
 * `isBootproofError` work unchanged. Documented in docs/diff.md ("PE / Authenticode errors").
 */
export type AuthenticodeErrorCode =
  /** The file ends inside the DOS header, the PE signature, the COFF header or the optional header. */
  | 'ERR_PE_TRUNCATED'
  /**
   * Not a PE image, or header fields contradict each other: no MZ / PE signature, `e_lfanew`
   * outside the file, SizeOfOptionalHeader too small for its data directories, SizeOfHeaders
   * beyond the file or before the end of the fields it must cover.
   */
  | 'ERR_PE_MALFORMED'
  /** A well-formed image of a kind this library does not hash: a TE image, a ROM optional header. */
  | 'ERR_PE_UNSUPPORTED'
  /** The section table runs past the end of the file, or a section's raw data does. */
  | 'ERR_PE_SECTION_INVALID'
  /**
   * The Certificate Table (data directory 4) points outside the file, into the headers, or is not
   * the last thing in the file, so the bytes Authenticode excludes would not be the signature.
   */
  | 'ERR_PE_CERT_TABLE_INVALID'

export const AUTHENTICODE_ERROR_CODES: readonly AuthenticodeErrorCode[] = [
  'ERR_PE_TRUNCATED',
  'ERR_PE_MALFORMED',
  'ERR_PE_UNSUPPORTED',
  'ERR_PE_SECTION_INVALID',
  'ERR_PE_CERT_TABLE_INVALID',
]
