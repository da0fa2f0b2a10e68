/**
 * TPML_PCR_SELECTION / TPMS_PCR_SELECTION (TPM 2.0 Part 2 §10.6.2, §10.9.7) and TPML_DIGEST
 * (§10.9.2). The selection inside a signed TPMS_QUOTE_INFO is the only authority on which
 * (bank, PCR) pairs a quote authenticates (CVE-2022-0317, CVE-2024-29039).
 */
import type { ByteReader } from '../bytes/reader.js'
import { bankName, hashAlgName, type HashAlgName } from '../alg.js'
import { TPM_LIMITS } from './constants.js'
import { expectEnd, tpmReader } from './reader.js'

/** One bank of a PCR selection. */
export interface PcrSelection {
  /** TPM_ALG_ID of the bank. */
  hashAlg: number
  /** Lowercase bank name (`sha256`), or `alg_0x....` for an unknown algorithm. */
  bank: string
  /** sizeofSelect as encoded. */
  sizeofSelect: number
  /** The raw bitmap (byte i, bit j selects PCR 8i + j). */
  pcrSelect: Uint8Array
  /** Selected PCR indices, ascending (the order their values enter pcrDigest). */
  pcrs: number[]
}

/** Indices selected by a bitmap, ascending. */
export function bitmapToPcrs(bitmap: Uint8Array): number[] {
  const out: number[] = []
  for (let i = 0; i < bitmap.length; i++) {
    const b = bitmap[i]!
    for (let j = 0; j < 8; j++) if (b & (1 << j)) out.push(i * 8 + j)
  }
  return out
}

/** Read a TPML_PCR_SELECTION at the cursor. */
export function readPcrSelectionList(r: ByteReader, field = 'pcrSelect'): PcrSelection[] {
  const at = r.offset
  const count = r.u32be(`${field}.count`)
  if (count > TPM_LIMITS.maxPcrBanks) r.limit(`${field}.count`, count, TPM_LIMITS.maxPcrBanks, at)
  const out: PcrSelection[] = []
  for (let i = 0; i < count; i++) {
    const hashAlg = r.u16be(`${field}[${i}].hash`)
    const sizeAt = r.offset
    const sizeofSelect = r.u8(`${field}[${i}].sizeofSelect`)
    if (sizeofSelect > TPM_LIMITS.maxSizeofSelect) {
      r.limit(`${field}[${i}].sizeofSelect`, sizeofSelect, TPM_LIMITS.maxSizeofSelect, sizeAt)
    }
    const pcrSelect = r.take(sizeofSelect, `${field}[${i}].pcrSelect`)
    out.push({ hashAlg, bank: bankName(hashAlg), sizeofSelect, pcrSelect, pcrs: bitmapToPcrs(pcrSelect) })
  }
  return out
}

/** Parse a standalone, marshalled TPML_PCR_SELECTION (no trailing bytes). */
export function parsePcrSelectionList(bytes: Uint8Array): PcrSelection[] {
  const r = tpmReader(bytes)
  const out = readPcrSelectionList(r)
  expectEnd(r, 'TPML_PCR_SELECTION')
  return out
}

/** Read a TPML_DIGEST at the cursor. */
export function readDigestList(r: ByteReader, field = 'digests'): Uint8Array[] {
  const at = r.offset
  const count = r.u32be(`${field}.count`)
  if (count > TPM_LIMITS.maxDigestsPerList) r.limit(`${field}.count`, count, TPM_LIMITS.maxDigestsPerList, at)
  const out: Uint8Array[] = []
  for (let i = 0; i < count; i++) out.push(r.tpm2b(`${field}[${i}]`, TPM_LIMITS.maxDigest))
  return out
}

/** Parse a standalone, marshalled TPML_DIGEST (no trailing bytes). */
export function parseDigestList(bytes: Uint8Array): Uint8Array[] {
  const r = tpmReader(bytes)
  const out = readDigestList(r)
  expectEnd(r, 'TPML_DIGEST')
  return out
}

/** Problems that make a signed selection unusable as a statement about PCRs (attack Q-07). */
export interface SelectionProblem {
  bank: string
  message: string
}

/**
 * Semantic rules for a signed selection. A PC Client TPM has 24 PCRs (PC Client PTP §4.2), so a
 * bit above `maxPcr` cannot describe a real PCR; a bank listed twice makes "which value was
 * quoted" ambiguous; an unknown bank cannot be sized or compared.
 */
export function selectionProblems(selection: readonly PcrSelection[], maxPcr = 23): SelectionProblem[] {
  // Nothing is allocated for a sound selection (the usual case: one per verified quote).
  let out: SelectionProblem[] | undefined
  for (let i = 0; i < selection.length; i++) {
    const s = selection[i]!
    for (let j = 0; j < i; j++) {
      if (selection[j]!.hashAlg === s.hashAlg) {
        ;(out ??= []).push({ bank: s.bank, message: `bank ${s.bank} appears more than once in the selection` })
        break
      }
    }
    if (!hashAlgName(s.hashAlg)) (out ??= []).push({ bank: s.bank, message: `bank ${s.bank} is not a known hash algorithm` })
    if (s.pcrs.some((p) => p > maxPcr)) (out ??= []).push({ bank: s.bank, message: `bank ${s.bank} selects PCR ${s.pcrs.filter((p) => p > maxPcr).join(',')} above PCR ${maxPcr}` })
  }
  return out ?? []
}

/** (bank, index) pairs of a selection, in pcrDigest order: banks as listed, indices ascending. */
export function selectedPairs(selection: readonly PcrSelection[]): { bank: HashAlgName | string; index: number }[] {
  const out: { bank: string; index: number }[] = []
  for (const s of selection) for (const p of s.pcrs) out.push({ bank: s.bank, index: p })
  return out
}
