/**
 * TPM_ALG_ID values of hash algorithms and their digest sizes (TPM 2.0 Part 2 §6.3, TCG
 * Algorithm Registry). Bank names are the lowercase names used in every JSON output.
 */
export const HASH_ALGS = {
  sha1: { id: 0x0004, size: 20 },
  sha256: { id: 0x000b, size: 32 },
  sha384: { id: 0x000c, size: 48 },
  sha512: { id: 0x000d, size: 64 },
  sm3_256: { id: 0x0012, size: 32 },
  sha3_256: { id: 0x0027, size: 32 },
  sha3_384: { id: 0x0028, size: 48 },
  sha3_512: { id: 0x0029, size: 64 },
} as const

export type HashAlgName = keyof typeof HASH_ALGS

const BY_ID = new Map<number, HashAlgName>(
  (Object.keys(HASH_ALGS) as HashAlgName[]).map((n) => [HASH_ALGS[n].id, n]),
)

/** Name of a known hash algorithm ID, or undefined. */
export function hashAlgName(id: number): HashAlgName | undefined {
  return BY_ID.get(id)
}

/**
 * Bank name for any algorithm ID: the known name, or `alg_0x1234` for an algorithm the library
 * does not know (sized from the Spec ID event, never replayed).
 */
export function bankName(id: number): string {
  return BY_ID.get(id) ?? `alg_0x${id.toString(16).padStart(4, '0')}`
}

export function hashAlgId(name: HashAlgName): number {
  return HASH_ALGS[name].id
}

export function digestSize(name: HashAlgName): number {
  return HASH_ALGS[name].size
}

export function isHashAlgName(s: string): s is HashAlgName {
  return Object.prototype.hasOwnProperty.call(HASH_ALGS, s)
}
