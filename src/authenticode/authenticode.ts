/**
 * The Authenticode image hash (Microsoft "Windows Authenticode Portable Executable Signature
 * Format", §"Calculating the PE Image Hash"), as UEFI firmware computes it for
 * EV_EFI_BOOT_SERVICES_APPLICATION / _DRIVER measurements (EDK2 DxeTpm2MeasureBootLib
 * `Tcg2MeasurePeImage`, PFP §10.4.4):
 *
 * 1. the headers from offset 0 up to SizeOfHeaders, without the 4-byte CheckSum field and
 *    without the 8-byte Certificate Table data-directory entry (when NumberOfRvaAndSizes > 4);
 * 2. SUM_OF_BYTES_HASHED = SizeOfHeaders;
 * 3. every section with SizeOfRawData > 0, in ascending PointerToRawData order (stable for
 *    ties), [PointerToRawData, PointerToRawData + SizeOfRawData); SUM += SizeOfRawData each;
 * 4. if the file is longer than SUM: the bytes from SUM to FILE_SIZE − CertificateTable.Size
 *    (the attribute certificate table is excluded; it must be the last thing in the file).
 *
 * Overlapping or out-of-order sections are hashed exactly as the firmware does (each section's
 * bytes once per section, SUM counted per section), so the digest predicts the PCR 4 event.
 */
import type { HashAlgName } from '../alg.js'
import { toHex } from '../bytes/hex.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import { parsePe, peError, type PeImage } from './pe.js'

/** A byte range of the file that the hash covers. */
export interface HashedRange {
  offset: number
  length: number
  /** What the range is: `headers`, `section <name>`, `trailing data`. */
  what: string
}

/**
 * The ranges Authenticode hashes, in hashing order.
 * @throws BootproofError `ERR_PE_CERT_TABLE_INVALID` when the certificate table overlaps the
 *   hashed sections (FILE_SIZE < SUM_OF_BYTES_HASHED + CertificateTable.Size).
 */
export function authenticodeRanges(pe: PeImage): HashedRange[] {
  const ranges: HashedRange[] = []
  const push = (offset: number, end: number, what: string) => {
    if (end > offset) ranges.push({ offset, length: end - offset, what })
  }
  push(0, pe.checksumOffset, 'headers (before CheckSum)')
  if (pe.certDirEntryOffset !== undefined) {
    push(pe.checksumOffset + 4, pe.certDirEntryOffset, 'headers (CheckSum to Certificate Table entry)')
    push(pe.certDirEntryOffset + 8, pe.sizeOfHeaders, 'headers (after Certificate Table entry)')
  } else {
    push(pe.checksumOffset + 4, pe.sizeOfHeaders, 'headers (after CheckSum)')
  }
  let sum = pe.sizeOfHeaders
  const sorted = pe.sections.map((s, i) => ({ s, i })).sort((a, b) => a.s.pointerToRawData - b.s.pointerToRawData || a.i - b.i)
  for (const { s } of sorted) {
    if (s.sizeOfRawData === 0) continue
    push(s.pointerToRawData, s.pointerToRawData + s.sizeOfRawData, `section ${s.name}`)
    sum += s.sizeOfRawData
  }
  if (pe.size > sum) {
    const certSize = pe.certDirEntryOffset !== undefined ? (pe.certTable?.size ?? 0) : 0
    if (pe.size > sum + certSize) push(sum, pe.size - certSize, 'trailing data')
    else if (pe.size < sum + certSize) {
      throw peError('ERR_PE_CERT_TABLE_INVALID', `the ${certSize}-byte Certificate Table overlaps the ${sum} bytes already hashed in a ${pe.size}-byte file`, { ...(pe.certDirEntryOffset !== undefined ? { offset: pe.certDirEntryOffset } : {}), field: 'CertificateTable.Size' })
    }
  }
  return ranges
}

export interface AuthenticodeOptions {
  /** Digest algorithm (default sha256). */
  alg?: HashAlgName
  hash?: HashProvider
}

/** The hashed bytes of `ranges`, concatenated (one copy; the provider hashes it in one call). */
function gather(bytes: Uint8Array, ranges: HashedRange[]): Uint8Array {
  let n = 0
  for (const r of ranges) n += r.length
  const out = new Uint8Array(n)
  let o = 0
  for (const r of ranges) {
    out.set(bytes.subarray(r.offset, r.offset + r.length), o)
    o += r.length
  }
  return out
}

/**
 * Authenticode digest of a PE/COFF image (an EFI application, driver, shim, GRUB, a Linux
 * kernel with an EFI stub, a UKI, Windows boot manager).
 * @example
 * const d = authenticodeDigest(readFileSync('/usr/lib/shim/shimx64.efi.signed'))
 * toHex(d) // equals the sha256 digest of shim's EV_EFI_BOOT_SERVICES_APPLICATION event in PCR 4
 * @throws BootproofError `ERR_PE_*` (src/authenticode/error_codes.ts) for malformed images.
 */
export function authenticodeDigest(bytes: Uint8Array, options: AuthenticodeOptions = {}): Uint8Array {
  const pe = parsePe(bytes)
  const hash = options.hash ?? defaultHashProvider()
  return hash.digest(options.alg ?? 'sha256', gather(bytes, authenticodeRanges(pe)))
}

/** Lowercase-hex Authenticode digests of one image in several algorithms (parsed once). */
export function authenticodeDigests(bytes: Uint8Array, algs: readonly HashAlgName[] = ['sha256'], hash: HashProvider = defaultHashProvider()): Record<string, string> {
  const pe = parsePe(bytes)
  const data = gather(bytes, authenticodeRanges(pe))
  const out: Record<string, string> = {}
  for (const a of algs) out[a] = toHex(hash.digest(a, data))
  return out
}
