/**
 * TPM 2.0 constants used by the structure parsers (TPM 2.0 Library Part 2: §6.3 TPM_ALG_ID,
 * §6.4 TPM_ECC_CURVE, §6.9 TPM_ST, §6.2 TPM_GENERATED, §8.3 TPMA_OBJECT). Lookup tables are
 * `as const` objects; parsed output keeps the raw numeric ID next to any name.
 */

/** TPM_GENERATED_VALUE, "\xFFTCG" (Part 2 §6.2). TPM2_Hash refuses to issue a ticket for data
 * starting with it, so a restricted key only signs this prefix over TPM-built structures. */
export const TPM_GENERATED_VALUE = 0xff544347

/** TPM_ST attestation structure tags (Part 2 §6.9). */
export const TPM_ST_ATTEST = {
  NV: 0x8014,
  COMMAND_AUDIT: 0x8015,
  SESSION_AUDIT: 0x8016,
  CERTIFY: 0x8017,
  QUOTE: 0x8018,
  TIME: 0x8019,
  CREATION: 0x801a,
  NV_DIGEST: 0x801c,
} as const

export type AttestTypeName = Lowercase<keyof typeof TPM_ST_ATTEST>

const ST_NAMES = new Map<number, AttestTypeName>(
  Object.entries(TPM_ST_ATTEST).map(([k, v]) => [v, k.toLowerCase() as AttestTypeName]),
)
export function attestTypeName(st: number): AttestTypeName | undefined {
  return ST_NAMES.get(st)
}

/** TPM_ALG_ID values (Part 2 §6.3) used outside the hash table in `src/alg.ts`. */
export const TPM_ALG = {
  RSA: 0x0001,
  SHA1: 0x0004,
  HMAC: 0x0005,
  AES: 0x0006,
  MGF1: 0x0007,
  KEYEDHASH: 0x0008,
  XOR: 0x000a,
  SHA256: 0x000b,
  SHA384: 0x000c,
  SHA512: 0x000d,
  NULL: 0x0010,
  SM3_256: 0x0012,
  SM4: 0x0013,
  RSASSA: 0x0014,
  RSAES: 0x0015,
  RSAPSS: 0x0016,
  OAEP: 0x0017,
  ECDSA: 0x0018,
  ECDH: 0x0019,
  ECDAA: 0x001a,
  SM2: 0x001b,
  ECSCHNORR: 0x001c,
  ECMQV: 0x001d,
  KDF1_SP800_56A: 0x0020,
  KDF2: 0x0021,
  KDF1_SP800_108: 0x0022,
  ECC: 0x0023,
  SYMCIPHER: 0x0025,
  CAMELLIA: 0x0026,
  CTR: 0x0040,
  OFB: 0x0041,
  CBC: 0x0042,
  CFB: 0x0043,
  ECB: 0x0044,
} as const

const ALG_NAMES = new Map<number, string>(Object.entries(TPM_ALG).map(([k, v]) => [v, k.toLowerCase()]))
/** Lowercase name of a TPM_ALG_ID, or `alg_0x....` when unknown. */
export function algName(id: number): string {
  return ALG_NAMES.get(id) ?? `alg_0x${id.toString(16).padStart(4, '0')}`
}

/** TPM_ECC_CURVE (Part 2 §6.4). */
export const TPM_ECC_CURVE = {
  NIST_P192: 0x0001,
  NIST_P224: 0x0002,
  NIST_P256: 0x0003,
  NIST_P384: 0x0004,
  NIST_P521: 0x0005,
  BN_P256: 0x0010,
  BN_P638: 0x0011,
  SM2_P256: 0x0020,
} as const

/** WebCrypto curve names. Only these three have a WebCrypto implementation. */
export type WebCryptoCurve = 'P-256' | 'P-384' | 'P-521'

export const CURVE_BY_TPM_ID: ReadonlyMap<number, WebCryptoCurve> = new Map([
  [TPM_ECC_CURVE.NIST_P256, 'P-256'],
  [TPM_ECC_CURVE.NIST_P384, 'P-384'],
  [TPM_ECC_CURVE.NIST_P521, 'P-521'],
])

const CURVE_NAMES = new Map<number, string>(Object.entries(TPM_ECC_CURVE).map(([k, v]) => [v, k.toLowerCase()]))
export function curveName(id: number): string {
  return CURVE_NAMES.get(id) ?? `curve_0x${id.toString(16).padStart(4, '0')}`
}

/** Field size in bytes (= coordinate and r/s width) and group order n of each curve (SEC 2 / FIPS 186-4 D.1.2). */
export const CURVE_PARAMS: Readonly<Record<WebCryptoCurve, { size: number; n: bigint }>> = {
  'P-256': { size: 32, n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n },
  'P-384': {
    size: 48,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  },
  'P-521': {
    size: 66,
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
  },
}

/** TPMA_OBJECT bits (Part 2 §8.3.2). */
export const TPMA_OBJECT = {
  fixedTPM: 0x00000002,
  stClear: 0x00000004,
  fixedParent: 0x00000010,
  sensitiveDataOrigin: 0x00000020,
  userWithAuth: 0x00000040,
  adminWithPolicy: 0x00000080,
  noDA: 0x00000400,
  encryptedDuplication: 0x00000800,
  restricted: 0x00010000,
  decrypt: 0x00020000,
  sign: 0x00040000,
  x509sign: 0x00080000,
} as const

export type ObjectAttributeName = keyof typeof TPMA_OBJECT

/** Hard limits (TPM 2.0 Part 2 Table 79 / PC Client platform values), checked before slicing. */
export const TPM_LIMITS = {
  /** Largest TPMS_ATTEST accepted (attack Q-11: a quote of 64 KiB or more is not a TPM output). */
  maxAttestBytes: 0xffff,
  /** sizeof(TPMU_NAME): TPM_ALG_ID + the largest digest. */
  maxName: 2 + 64,
  /** sizeof(TPMU_HA): the largest digest. */
  maxDigest: 64,
  /** TPM2B_DATA: sizeof(TPMT_HA). */
  maxData: 2 + 64,
  /** TPM2B_PUBLIC_KEY_RSA: MAX_RSA_KEY_BYTES for 4096-bit keys. */
  maxRsaKeyBytes: 512,
  /** TPM2B_ECC_PARAMETER: MAX_ECC_KEY_BYTES (P-521 / BN-638 need up to 80). */
  maxEccKeyBytes: 80,
  /** TPM2B_MAX_NV_BUFFER. */
  maxNvBuffer: 2048,
  /** TPML_PCR_SELECTION count: HASH_COUNT, the number of implementable banks. */
  maxPcrBanks: 16,
  /** PCR_SELECT_MAX: 4 bytes select PCR 0..31. */
  maxSizeofSelect: 4,
  /** TPML_DIGEST count (Part 2 §10.9.2: up to 8 digests per list). */
  maxDigestsPerList: 8,
  /** TPMT_PUBLIC (TPM2B_PUBLIC size): a 4096-bit RSA public area is well under 1 KiB. */
  maxPublicBytes: 1024,
} as const
