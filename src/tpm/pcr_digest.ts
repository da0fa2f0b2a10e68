/**
 * TPMS_QUOTE_INFO.pcrDigest (TPM 2.0 Part 3 §18.4 / Part 1 §17.6.6): the signing scheme's hash
 * over the selected PCR values concatenated in selection order (banks as listed, ascending index
 * within a bank), across every bank of the selection. The hash is the signature's, not the
 * bank's (go-tpm-tools signs sha1 and sha384 bank quotes with SHA-256).
 */
import type { HashAlgName } from '../alg.js'
import { decodeHexInto } from '../bytes/hex.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import type { PcrSelection } from './pcr_selection.js'

/** Room for 24 SHA-512 PCRs, the largest selection of one bank. */
const SCRATCH = new Uint8Array(24 * 64)
/** Views of SCRATCH by length, made once each (a selection has a handful of sizes). */
const SCRATCH_VIEWS: (Uint8Array | undefined)[] = []

/**
 * A selected PCR's value: bytes, or hex text without `0x` (decoded straight into the digest
 * input); undefined when it is missing or unusable, which leaves the digest undefined.
 */
export type SelectedPcrValue = (bank: string, pcr: number) => Uint8Array | string | undefined

/**
 * pcrDigest over the values `valueOf` gives for `selection`. Two passes over the selection (sizes,
 * then copies) into one scratch buffer: nothing is allocated but the digest.
 * @returns undefined when a selected value is missing.
 */
export function digestOfSelection(selection: readonly PcrSelection[], valueOf: SelectedPcrValue, hash: HashAlgName, provider: HashProvider = defaultHashProvider()): Uint8Array | undefined {
  let n = 0
  for (const s of selection) {
    for (const p of s.pcrs) {
      const v = valueOf(s.bank, p)
      if (v === undefined) return undefined
      n += typeof v === 'string' ? v.length >> 1 : v.length
    }
  }
  const buf = pcrDigestInput(n)
  let o = 0
  for (const s of selection) {
    for (const p of s.pcrs) {
      const v = valueOf(s.bank, p)!
      if (typeof v !== 'string') buf.set(v, o)
      else if (decodeHexInto(v, 0, buf, o) < 0) return undefined
      o += typeof v === 'string' ? v.length >> 1 : v.length
    }
  }
  return provider.digest(hash, buf)
}

/**
 * Compute pcrDigest from `values` (bank → index → bytes) for `selection`.
 * @returns undefined when a selected value is missing.
 */
export function computePcrDigest(
  selection: readonly PcrSelection[],
  values: ReadonlyMap<string, ReadonlyMap<number, Uint8Array>>,
  hash: HashAlgName,
  provider: HashProvider = defaultHashProvider(),
): Uint8Array | undefined {
  return digestOfSelection(selection, (bank, pcr) => values.get(bank)?.get(pcr), hash, provider)
}

/**
 * A buffer of `n` bytes for the hash input of a pcrDigest, to be filled and hashed at once:
 * a reused scratch buffer (hashing is synchronous and the provider keeps no reference), since a
 * fresh one per quote would be an allocation outside the JS heap for most selections.
 */
export function pcrDigestInput(n: number): Uint8Array {
  return n <= SCRATCH.length ? (SCRATCH_VIEWS[n] ??= SCRATCH.subarray(0, n)) : new Uint8Array(n)
}
