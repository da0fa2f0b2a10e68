/**
 * Stable codes for attestation-token verification (MAA JWTs and EAR). Documented in
 * docs/tokens.md. Three of them are thrown (as `BootproofError`) because the token cannot be
 * parsed at all; every other code is *returned* in `errors[]` of a verification result.
 */

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
  /** `kid` differs from base64url(SHA-1(x5c leaf DER)) (tokens.md §1.7 step 4). */
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

/** One failed check, as returned in `errors[]` and printed by the CLI. */
export interface TokenCheckError {
  code: TokenErrorCode
  message: string
}
