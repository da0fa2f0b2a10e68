/**
 * Codes raised while parsing TPM 2.0 structures (TPM 2.0 Part 2), keys and certificates.
 * These are thrown (as `BootproofError`) when input cannot be parsed; verification outcomes are
 * reported as check entries with the `QuoteCheckCode` codes of `src/tpm/verify_types.ts`.
 */
export type TpmErrorCode =
  /** A field runs past the end of the input. */
  | 'ERR_TPM_TRUNCATED'
  /** A structure violates its Part 2 definition (bad selector, wrong size relation, ...). */
  | 'ERR_TPM_MALFORMED'
  /** Bytes remain after a complete structure (style rule: reject trailing bytes). */
  | 'ERR_TPM_TRAILING_BYTES'
  /** A size or count exceeds the structure's maximum (TPM2B bound, PCR_SELECT_MAX, 64 KiB). */
  | 'ERR_TPM_LIMIT'
  /** A well-formed structure uses an algorithm or union member this library does not handle. */
  | 'ERR_TPM_UNSUPPORTED'
  /** A tpm2-tools PCR file (`tpm2_quote -o`) does not have the serialized layout. */
  | 'ERR_PCR_FILE_INVALID'
  /** A public key (TPMT_PUBLIC, SPKI, JWK) cannot be decoded or imported. */
  | 'ERR_KEY_INVALID'
  /** A public key is valid but of a type / curve / size the operation does not support. */
  | 'ERR_KEY_UNSUPPORTED'
  /** An X.509 certificate cannot be decoded. */
  | 'ERR_CERT_INVALID'
  /** PEM armour is malformed or holds an unexpected label. */
  | 'ERR_PEM_INVALID'
  /** A credential-activation input (EK public area, AK name, secret) is unusable. */
  | 'ERR_CREDENTIAL_INVALID'
