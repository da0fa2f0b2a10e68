/**
 * Every stable error code of the library (`BootproofError.code`), in one ground-floor module
 * that imports only its confidential-VM part (error_codes_cvm.ts): feature folders import their unions from here, and `errors.ts` builds
 * `BootproofErrorCode` from them. Thrown codes mean the input cannot be parsed; token check codes
 * are also returned in `errors[]` (docs/tokens.md).
 */

import type { CvmErrorCode, SnpErrorCode, TdxErrorCode } from './error_codes_cvm.js'
// Confidential-VM codes (SEV-SNP, TDX, HCL) live in error_codes_cvm.ts, re-exported here.
export * from './error_codes_cvm.js'

/** Codes shared by every area. */
export type CommonErrorCode =
  | 'ERR_BOOTPROOF_GENERIC'
  | 'ERR_INPUT_INVALID'
  /** A path that is not a regular file (directory, device, FIFO, socket, or a symlink to one). */
  | 'ERR_INPUT_NOT_FILE'
  /** An input file or stream larger than the limit for its kind (read stops at limit + 1 bytes). */
  | 'ERR_INPUT_TOO_LARGE'
  /** An input of another kind where an event log was expected (JSON, a JWT, YAML, PEM, an ACPI table); the message names the kind and the command that takes it. */
  | 'ERR_INPUT_KIND'
  | 'ERR_HASH_UNSUPPORTED'
  | 'ERR_JSON_INVALID'
  | 'ERR_PCRS_INVALID'
  | 'ERR_BUNDLE_INVALID'

/** Codes raised while parsing TCG event logs (PC Client PFP, CCEL, Windows WBCL). */
export type EventLogErrorCode =
  | 'ERR_EVENTLOG_EMPTY'
  | 'ERR_EVENTLOG_TRUNCATED'
  | 'ERR_EVENTLOG_LIMIT'
  | 'ERR_EVENTLOG_MALFORMED'
  | 'ERR_EVENTLOG_FORMAT'
  | 'ERR_SPECID_INVALID'
  | 'ERR_SPECID_MISPLACED'
  | 'ERR_DIGEST_COUNT_MISMATCH'
  | 'ERR_DIGEST_ALG_UNDECLARED'
  | 'ERR_DIGEST_ALG_DUPLICATE'
  | 'ERR_EVENTDATA_TRUNCATED'
  | 'ERR_EVENTDATA_MALFORMED'
  | 'ERR_EVENTDATA_LIMIT'

// TPM 2.0 structures (TPM 2.0 Part 2), keys and certificates. These are thrown when input cannot
// be parsed; verification outcomes are check entries with `QuoteCheckCode` codes instead.
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
  /**
   * An X.509 certificate exceeds a named decoding limit (`maxCertificateBytes`,
   * `maxCertificateDerNodes`, `maxCertificateDerDepth`, `maxCertificateOidArcs`; `field` names
   * it): refused before decoding.
   */
  | 'ERR_CERT_LIMIT'
  /** PEM armour is malformed or holds an unexpected label. */
  | 'ERR_PEM_INVALID'
  /** A credential-activation input (EK public area, AK name, secret) is unusable. */
  | 'ERR_CREDENTIAL_INVALID'

// Attestation tokens (MAA JWTs and EAR). Three are thrown because the token cannot be parsed at
// all; every other code is returned in `errors[]` of a verification result.
/** Thrown: the token cannot be parsed (see {@link TOKEN_THROWN_CODES}). */
export type TokenParseErrorCode =
  /** Not a compact JWS: segment count, base64url, UTF-8, JSON, non-object header/payload, nesting. */
  | 'ERR_JWT_MALFORMED'
  /** The token (or a decoded segment) exceeds the configured size cap (attack J-10). */
  | 'ERR_JWT_TOO_LARGE'
  /** The header or payload JSON repeats a member name (attack J-09). */
  | 'ERR_JWT_DUPLICATE_KEY'

/** Returned in `errors[]`: the token parses but a check failed. */
export type TokenCheckErrorCode =
  /** `alg` is `none` in any letter case (J-01). */
  | 'ERR_JWT_ALG_NONE'
  /** `alg` is not in the allow-list (J-01, J-02: HS*, ES256 where RS256 is pinned, ...). */
  | 'ERR_JWT_ALG_NOT_ALLOWED'
  /** The header has `crit`; bootproof implements no critical extension (J-08). */
  | 'ERR_JWT_CRIT_UNSUPPORTED'
  /** `jku` other than the pinned instance's certs URL, or `x5u` / `jwk` in an MAA header (J-03). */
  | 'ERR_JWT_KEY_SOURCE_FORBIDDEN'
  /** The `x5c` chain does not validate (RFC 5280) to a pinned root, or the leaf EKU is wrong (J-04). */
  | 'ERR_JWT_X5C_UNTRUSTED'
  /** No key with the token's `kid` (and a compatible type) in the JWKS (J-05). */
  | 'ERR_JWT_KID_UNKNOWN'
  /** Several keys match, or `kid` is absent and the JWKS holds several candidates (J-05). */
  | 'ERR_JWT_KID_AMBIGUOUS'
  /** `kid` differs from base64url(SHA-1(x5c leaf DER)) (attack J-04). */
  | 'ERR_JWT_KID_MISMATCH'
  /** No configured key source can supply a key for this token (e.g. `x5c` only, but no roots). */
  | 'ERR_JWT_KEY_UNAVAILABLE'
  /** The selected key does not fit the algorithm (type, curve, RSA < 2048 bits). */
  | 'ERR_JWT_KEY_UNSUITABLE'
  /** The pinned JWKS endpoint could not be read (network, status, size, content). */
  | 'ERR_JWT_JWKS_FETCH'
  /** The signature does not verify with the trusted key (J-02, J-11, tampering). */
  | 'ERR_JWT_SIGNATURE'
  /** A required claim is absent (`iss`, `exp`, `iat`, `eat_profile`, ...). */
  | 'ERR_JWT_CLAIM_MISSING'
  /** A claim has the wrong JSON type or shape. */
  | 'ERR_JWT_CLAIM_INVALID'
  /** `exp` / `nbf` / `iat` is not a finite, non-negative integer (e.g. `1e400`), or exp < iat (J-06). */
  | 'ERR_JWT_TIME_CLAIM_INVALID'
  /** `exp` is at or before the verification time (minus tolerance). */
  | 'ERR_JWT_EXPIRED'
  /** `nbf` or `iat` lies after the verification time (plus tolerance). */
  | 'ERR_JWT_NOT_YET_VALID'
  /** `iat` is older than the maximum token age. */
  | 'ERR_JWT_TOO_OLD'
  /** `iss` differs from the pinned issuer (J-03, J-07). */
  | 'ERR_JWT_ISSUER'
  /** `aud` does not contain the expected audience. */
  | 'ERR_JWT_AUDIENCE'
  /** `x-ms-policy-hash` differs from the pinned policy hash. */
  | 'ERR_JWT_POLICY_HASH'
  /** `nonce` / `rp_data` / `eat_nonce` missing or differs from the verifier's challenge. */
  | 'ERR_JWT_NONCE'
  /** `cnf.jwk` / `x-ms-tpm-request-key.jwk` missing or not the caller's session key (J-07). */
  | 'ERR_JWT_KEY_BINDING'
  /** `x-ms-attestation-type` (or the TPM classification) differs from the expected type (J-07). */
  | 'ERR_JWT_ATTESTATION_TYPE'
  /** EAR `eat_profile` is not one of the accepted profiles (J-12). */
  | 'ERR_EAR_PROFILE'
  /** EAR verifier id missing, malformed or not the pinned one (J-12). */
  | 'ERR_EAR_VERIFIER_ID'
  /** EAR `submods` missing, empty or not an object of appraisals (J-12). */
  | 'ERR_EAR_SUBMODS'
  /** An EAR status is not one of the four tier names (exact, lowercase) (J-12). */
  | 'ERR_EAR_STATUS'
  /** A status is more trustworthy than its trustworthiness vector or its submodules (J-12). */
  | 'ERR_EAR_STATUS_INCONSISTENT'
  /** A trustworthiness vector is not an object of int8 values. */
  | 'ERR_EAR_TRUST_VECTOR'

export type TokenErrorCode = TokenParseErrorCode | TokenCheckErrorCode

/** The codes that are thrown rather than returned. */
export const TOKEN_THROWN_CODES: readonly TokenParseErrorCode[] = ['ERR_JWT_MALFORMED', 'ERR_JWT_TOO_LARGE', 'ERR_JWT_DUPLICATE_KEY']

// PE/COFF images that cannot be parsed or hashed (Authenticode, PE/COFF specification).
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

// Policy v1 documents, derivation and importers.
export type PolicyErrorCode =
  /** The policy is not valid Policy v1 JSON: every problem is listed with its JSON pointer. */
  | 'ERR_POLICY_INVALID'
  /** `version` is missing from the supported set (only 1 exists). Never treated as "accept". */
  | 'ERR_POLICY_VERSION'
  /** `derivePolicy` / an importer cannot produce a policy from its input (no logs, bad file, ...). */
  | 'ERR_POLICY_DERIVE'

export const POLICY_ERROR_CODES: readonly PolicyErrorCode[] = ['ERR_POLICY_INVALID', 'ERR_POLICY_VERSION', 'ERR_POLICY_DERIVE']

// TCG Canonical Event Log (CEL-TLV and CEL-JSON; TCG CEL Specification v1.0). Thrown when a
// record cannot be parsed; unknown content types are kept raw with a finding instead.
export type CelErrorCode =
  /** A TLV length runs past its container (record, nested TLV or file), or a JSON-seq record is cut off. */
  | 'ERR_CEL_TRUNCATED'
  /** Structure violation: missing / repeated / misordered field, wrong integer width, bytes left in a container, both or neither of pcr and nv_index. */
  | 'ERR_CEL_MALFORMED'
  /** A length or count exceeds a named limit (DEFAULT_CEL_LIMITS). */
  | 'ERR_CEL_LIMIT'
  /** Two records carry the same recnum. */
  | 'ERR_CEL_RECNUM_DUPLICATE'
  /** A recnum is lower than the one before it, or only some records carry one. */
  | 'ERR_CEL_RECNUM_ORDER'
  /** A digest of an unknown algorithm, of the wrong size, repeated, or a record without digests. */
  | 'ERR_CEL_DIGEST_INVALID'
  /** A CEL-JSON record is not valid JSON (or repeats a member), or a member has the wrong type. */
  | 'ERR_CEL_JSON_INVALID'
  /** A CEL log and a firmware log given together use different register kinds (CC MRs vs PCRs): they cannot be replayed into one set. */
  | 'ERR_CEL_REGISTER_KIND'

// Unified kernel images and systemd-stub PCR 11 measurements (UAPI UKI specification), docs/linux.md.
// Parse codes are thrown; `.pcrsig` check codes are returned in `errors[]` of verifyPcrSignature.
/** Thrown: the UKI, its `.pcrsig` or a key cannot be used for prediction / verification. */
export type UkiParseErrorCode =
  /**
   * The file is not a PE image with the sections of a UKI: a measured section name repeated or
   * ambiguous (a longer name the 252 stub's prefix compare would take for it), sections that
   * overlap in memory, or a `.sdmagic` that is not systemd-stub's.
   */
  | 'ERR_UKI_MALFORMED'
  /** No non-empty `.linux` section (input): the stub has nothing to boot, systemd-measure needs `--linux`. */
  | 'ERR_UKI_NO_LINUX'
  /** A section larger than the configured limit (`DEFAULT_UKI_LIMITS`), its zero-filled tail included. */
  | 'ERR_UKI_LIMIT'
  /**
   * The stub version is unknown (no systemd-stub `.sdmagic` and no `stubVersion` given) or older
   * than 252, so which sections are measured into PCR 11 cannot be told.
   */
  | 'ERR_UKI_STUB_VERSION'
  /**
   * A UKI the prediction does not cover: a multi-profile UKI (`.profile`), or sections the stub
   * picks per device at boot (`.dtbauto`, `.efifw`); or a section name no systemd-stub measures.
   */
  | 'ERR_UKI_UNSUPPORTED'
  /** A boot phase path that cannot be measured (contains NUL) or too many / too long phases. */
  | 'ERR_UKI_PHASE_INVALID'
  /** The `.pcrsig` JSON is not `{bank: [{pcrs, pkfp?, pol, sig}]}` (strictly: types, hex, base64, sizes, duplicate members). */
  | 'ERR_UKI_PCRSIG_MALFORMED'
  /** No `.pcrsig` to verify (the UKI has none and no JSON was given). */
  | 'ERR_UKI_PCRSIG_MISSING'
  /** No public key: the UKI has no `.pcrpkey` and no key was given. */
  | 'ERR_UKI_KEY_MISSING'

/** Returned in `errors[]`: a `.pcrsig` entry parses but a check failed. */
export type UkiCheckErrorCode =
  /** `pkfp` is not the SHA-256 of the key's PKCS#1 RSAPublicKey DER: signed by another key. */
  | 'ERR_UKI_PCRSIG_KEY_MISMATCH'
  /** The RSASSA-PKCS1-v1_5 signature over `pol` does not verify with the key. */
  | 'ERR_UKI_PCRSIG_SIGNATURE'
  /** `pol` equals the PolicyPCR digest of no phase of this UKI's recomputed PCR 11 (a section changed after signing, another UKI's signature). */
  | 'ERR_UKI_PCRSIG_POLICY_MISMATCH'
  /** The entry selects PCRs other than exactly [11]: its policy cannot be recomputed from a UKI. */
  | 'ERR_UKI_PCRSIG_PCRS'
  /** A phase the caller requires is not authorised by a valid entry in every bank of the file. */
  | 'ERR_UKI_PCRSIG_PHASE'
  /** The key is not an RSA key, the only kind systemd signs PCR policies with. */
  | 'ERR_UKI_PCRSIG_KEY_UNSUITABLE'

export type UkiErrorCode = UkiParseErrorCode | UkiCheckErrorCode

/** The UKI codes that are thrown rather than returned. */
export const UKI_THROWN_CODES: readonly UkiParseErrorCode[] = [
  'ERR_UKI_MALFORMED',
  'ERR_UKI_NO_LINUX',
  'ERR_UKI_LIMIT',
  'ERR_UKI_STUB_VERSION',
  'ERR_UKI_UNSUPPORTED',
  'ERR_UKI_PHASE_INVALID',
  'ERR_UKI_PCRSIG_MALFORMED',
  'ERR_UKI_PCRSIG_MISSING',
  'ERR_UKI_KEY_MISSING',
]

export type BootproofErrorCode = CommonErrorCode | EventLogErrorCode | TpmErrorCode | TokenErrorCode | AuthenticodeErrorCode | PolicyErrorCode | SnpErrorCode | CelErrorCode | TdxErrorCode | CvmErrorCode | UkiErrorCode
