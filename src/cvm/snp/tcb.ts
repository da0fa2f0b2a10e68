/**
 * TCB_VERSION (AMD SEV-SNP Firmware ABI Specification, doc 56860, "TCB_VERSION" structure): an
 * 8-byte little-endian value whose byte layout depends on the product line. It appears four
 * times in ATTESTATION_REPORT (CURRENT_TCB, REPORTED_TCB, COMMITTED_TCB, LAUNCH_TCB).
 *
 * - Milan and Genoa (family 19h): byte 0 BOOT_LOADER, 1 TEE, 2-5 reserved, 6 SNP, 7 MICROCODE.
 * - Turin (family 1Ah): byte 0 FMC, 1 BOOT_LOADER, 2 TEE, 3 SNP, 4-6 reserved, 7 MICROCODE.
 *
 * TCBs are compared component by component, never as one 64-bit integer.
 */
import { toHex } from '../../bytes/hex.js'
import type { SnpProduct } from './roots.js'

/** Security patch levels of one TCB_VERSION. `fmc` exists on Turin only. */
export interface SnpTcbLevels {
  fmc?: number
  bootloader: number
  tee: number
  snp: number
  microcode: number
}

/** A decoded TCB_VERSION: the raw 8 bytes as lowercase hex (report byte order) and, when the product is known, its levels. */
export interface SnpTcb extends Partial<SnpTcbLevels> {
  raw: string
}

/** A caller's minimum: every component given must be met (missing components are not checked). */
export type SnpMinimumTcb = Partial<SnpTcbLevels>

export const TCB_COMPONENTS: readonly (keyof SnpTcbLevels)[] = ['fmc', 'bootloader', 'tee', 'snp', 'microcode']

/** Decode the 8 TCB_VERSION bytes with the layout of `product`. */
export function decodeTcb(bytes: Uint8Array, product: SnpProduct): SnpTcbLevels {
  if (product === 'Turin') return { fmc: bytes[0]!, bootloader: bytes[1]!, tee: bytes[2]!, snp: bytes[3]!, microcode: bytes[7]! }
  return { bootloader: bytes[0]!, tee: bytes[1]!, snp: bytes[6]!, microcode: bytes[7]! }
}

/** The JSON-friendly form of a TCB (levels only when the product is known). */
export function tcbSummary(bytes: Uint8Array, product: SnpProduct | undefined): SnpTcb {
  return product === undefined ? { raw: toHex(bytes) } : { raw: toHex(bytes), ...decodeTcb(bytes, product) }
}

/** Components of `have` below `min` (only components present in `min` are compared), as "name have < min". */
export function tcbBelow(have: Partial<SnpTcbLevels>, min: SnpMinimumTcb): string[] {
  const out: string[] = []
  for (const k of TCB_COMPONENTS) {
    const m = min[k]
    if (m === undefined) continue
    const h = have[k]
    if (h === undefined || h < m) out.push(`${k} ${h ?? 'absent'} < ${m}`)
  }
  return out
}

/** Components that differ between two level sets (every component either side has). */
export function tcbDifferences(a: Partial<SnpTcbLevels>, b: Partial<SnpTcbLevels>): string[] {
  const out: string[] = []
  for (const k of TCB_COMPONENTS) {
    if (a[k] === undefined && b[k] === undefined) continue
    if (a[k] !== b[k]) out.push(`${k} ${a[k] ?? 'absent'} != ${b[k] ?? 'absent'}`)
  }
  return out
}

/** Validate a caller-given minimum (integers 0..255). */
export function checkMinimumTcb(min: SnpMinimumTcb): void {
  for (const [k, v] of Object.entries(min)) {
    if (!(TCB_COMPONENTS as readonly string[]).includes(k)) throw new TypeError(`minimumTcb: unknown component "${k}"`)
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 255)) throw new TypeError(`minimumTcb.${k}: not an integer 0..255`)
  }
}
