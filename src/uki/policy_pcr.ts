/**
 * The TPM 2.0 policy digest of one TPM2_PolicyPCR, computed in software the way a trial policy
 * session would (TPM 2.0 Part 3, 23.7 "TPM2_PolicyPCR"): this is the `pol` a `.pcrsig` entry
 * signs, and what TPM2_PolicyAuthorize later checks against the signature.
 *
 *   policyDigest' = H_policy(policyDigest ‖ TPM_CC_PolicyPCR ‖ TPML_PCR_SELECTION ‖ H_policy(PCR values))
 *
 * with the PCR values concatenated in ascending index order, and H_policy the session's hash
 * (SHA-256 for systemd, whatever the bank of the PCRs).
 */
import { hashAlgId, digestSize, type HashAlgName } from '../alg.js'
import { concatBytes } from '../bytes/hex.js'
import type { HashProvider } from '../hash/provider.js'

/** TPM_CC_PolicyPCR (TPM 2.0 Part 2, 6.5.2). */
export const TPM_CC_POLICY_PCR = 0x0000017f

export interface PolicyPcrInput {
  /** The bank the PCR values are from. */
  bank: HashAlgName
  /** PCR index → value (digest of the bank's size). Indices 0-23. */
  pcrs: ReadonlyMap<number, Uint8Array>
  /** The session's hash (default sha256). */
  policyHash?: HashAlgName
  /** The policy digest before this command (default: all zero, a fresh session). */
  start?: Uint8Array
}

/** TPML_PCR_SELECTION with one TPMS_PCR_SELECTION of sizeofSelect 3 (PCRs 0-23; PCR_SELECT_MIN, TPM 2.0 Part 2, 10.6.1). */
export function pcrSelection(bank: HashAlgName, indices: Iterable<number>): Uint8Array {
  const out = new Uint8Array(10)
  const v = new DataView(out.buffer)
  v.setUint32(0, 1)
  v.setUint16(4, hashAlgId(bank))
  out[6] = 3
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i > 23) throw new RangeError(`PCR index ${i} is outside 0-23`)
    out[7 + (i >> 3)]! |= 1 << (i & 7)
  }
  return out
}

/** The policy digest after TPM2_PolicyPCR over `pcrs`. */
export function policyPcrDigest(input: PolicyPcrInput, hash: HashProvider): Uint8Array {
  const policyHash = input.policyHash ?? 'sha256'
  const size = digestSize(policyHash)
  const start = input.start ?? new Uint8Array(size)
  if (start.length !== size) throw new RangeError(`start digest is ${start.length} bytes, not ${size}`)
  const indices = [...input.pcrs.keys()].sort((a, b) => a - b)
  const want = digestSize(input.bank)
  const values = indices.map((i) => {
    const v = input.pcrs.get(i)!
    if (v.length !== want) throw new RangeError(`PCR ${i} value is ${v.length} bytes, not the ${want} of ${input.bank}`)
    return v
  })
  const cc = new Uint8Array(4)
  new DataView(cc.buffer).setUint32(0, TPM_CC_POLICY_PCR)
  const pcrDigest = hash.digest(policyHash, concatBytes(...values))
  return hash.digest(policyHash, concatBytes(start, cc, pcrSelection(input.bank, indices), pcrDigest))
}
