/**
 * tpm2-tools' serialized PCR file (`tpm2_quote -o`, read by `tpm2_checkquote -f`), written by
 * tpm2-tools `lib/pcr.c` as raw C structs in host byte order:
 *
 *   TPML_PCR_SELECTION  u32 count; 16 × { u16 hash; u8 sizeofSelect; u8 pcrSelect[4]; u8 pad }  (132 bytes)
 *   u32 n               number of TPML_DIGEST records that follow
 *   n × TPML_DIGEST     u32 count; 8 × { u16 size; u8 buffer[64] }                               (532 bytes each)
 *
 * Values are assigned in selection order. The selection in this file is NOT signed: it only
 * labels the values, and `verifyQuote` compares those labels with the signed selection
 * (CVE-2024-29039: tpm2_checkquote < 5.7 trusted this file's selection).
 */
import { ByteReader } from '../bytes/reader.js'
import { hashAlgName, digestSize } from '../alg.js'
import { BootproofError } from '../errors.js'
import { toHex } from '../bytes/hex.js'
import { bitmapToPcrs, type PcrSelection } from './pcr_selection.js'
import { bankName } from '../alg.js'

const SEL_SLOTS = 16
const SEL_SLOT_BYTES = 8
const DIGEST_SLOTS = 8
const DIGEST_SLOT_BYTES = 66
const SELECTION_BYTES = 4 + SEL_SLOTS * SEL_SLOT_BYTES
const DIGEST_LIST_BYTES = 4 + DIGEST_SLOTS * DIGEST_SLOT_BYTES

export interface Tpm2ToolsPcrFile {
  /** The (unsigned) selection written in the file. */
  selection: PcrSelection[]
  /** Values by bank and index, lowercase hex, in the shape `verifyQuote` accepts. */
  pcrs: Record<string, Record<string, string>>
  /** Byte order the file was written in (tpm2-tools writes host order). */
  endianness: 'little' | 'big'
}

function bad(message: string): never {
  throw new BootproofError('ERR_PCR_FILE_INVALID', `tpm2-tools PCR file: ${message}`)
}

/**
 * Parse a `tpm2_quote -o` PCR file.
 * @throws BootproofError ERR_PCR_FILE_INVALID on any layout violation.
 */
export function parseTpm2ToolsPcrFile(bytes: Uint8Array): Tpm2ToolsPcrFile {
  if (bytes.length < SELECTION_BYTES + 4) bad(`${bytes.length} bytes is shorter than the fixed header (${SELECTION_BYTES + 4})`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // Host byte order: take the order in which the selection count is plausible (≤ 16 banks).
  const le = view.getUint32(0, true) <= SEL_SLOTS
  const be = view.getUint32(0, false) <= SEL_SLOTS
  if (!le && !be) bad('selection count exceeds 16 in either byte order')
  const little = le
  const r = new ByteReader(bytes, { truncated: 'ERR_TPM_TRUNCATED', limit: 'ERR_TPM_LIMIT' })
  const u16 = (f: string) => (little ? r.u16le(f) : r.u16be(f))
  const u32 = (f: string) => (little ? r.u32le(f) : r.u32be(f))

  const count = u32('pcrSelections.count')
  const selection: PcrSelection[] = []
  for (let i = 0; i < SEL_SLOTS; i++) {
    const hashAlg = u16(`pcrSelections[${i}].hash`)
    const sizeofSelect = r.u8(`pcrSelections[${i}].sizeofSelect`)
    const raw = r.take(4, `pcrSelections[${i}].pcrSelect`)
    r.skip(1, 'pad')
    if (i >= count) continue
    if (sizeofSelect > 4) bad(`selection ${i}: sizeofSelect ${sizeofSelect} > 4`)
    const pcrSelect = raw.subarray(0, sizeofSelect)
    selection.push({ hashAlg, bank: bankName(hashAlg), sizeofSelect, pcrSelect, pcrs: bitmapToPcrs(pcrSelect) })
  }
  const lists = u32('digestLists.count')
  const expectedBytes = SELECTION_BYTES + 4 + lists * DIGEST_LIST_BYTES
  if (lists > 64 || bytes.length !== expectedBytes) bad(`${lists} digest list(s) need ${expectedBytes} bytes, file has ${bytes.length}`)
  const digests: Uint8Array[] = []
  for (let l = 0; l < lists; l++) {
    const n = u32(`digests[${l}].count`)
    if (n > DIGEST_SLOTS) bad(`digest list ${l} count ${n} > ${DIGEST_SLOTS}`)
    for (let i = 0; i < DIGEST_SLOTS; i++) {
      const size = u16(`digests[${l}][${i}].size`)
      const buf = r.take(64, `digests[${l}][${i}].buffer`)
      if (i >= n) continue
      if (size > 64) bad(`digest ${l}/${i} size ${size} > 64`)
      digests.push(buf.subarray(0, size))
    }
  }
  const pcrs: Record<string, Record<string, string>> = {}
  let k = 0
  for (const s of selection) {
    const alg = hashAlgName(s.hashAlg)
    if (!alg) bad(`unknown bank ${s.bank}`)
    if (pcrs[alg]) bad(`bank ${alg} listed twice`)
    const bank: Record<string, string> = (pcrs[alg] = {})
    for (const p of s.pcrs) {
      const d = digests[k++]
      if (!d) bad(`selection lists more PCRs than the file has values (${digests.length})`)
      if (d.length !== digestSize(alg)) bad(`${alg}:${p} value is ${d.length} bytes, expected ${digestSize(alg)}`)
      bank[String(p)] = toHex(d)
    }
  }
  if (k !== digests.length) bad(`file has ${digests.length} values but its selection names ${k}`)
  return { selection, pcrs, endianness: little ? 'little' : 'big' }
}
