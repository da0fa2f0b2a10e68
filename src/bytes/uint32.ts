/**
 * 32-bit unsigned integers read in place at a position the caller has already bounds-checked
 * (the ByteReader reads the same with its own check). TCG event logs are little-endian (PC
 * Client PFP §9.2 / §10.2), TPM structures big-endian (TPM 2.0 Part 1 §18, "canonical form").
 */

/** Little-endian UINT32 at `at`. */
export function u32leAt(d: Uint8Array, at: number): number {
  return (d[at]! | (d[at + 1]! << 8) | (d[at + 2]! << 16) | (d[at + 3]! << 24)) >>> 0
}

/** Big-endian UINT32 at `at`. */
export function u32beAt(d: Uint8Array, at: number): number {
  return ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0
}
