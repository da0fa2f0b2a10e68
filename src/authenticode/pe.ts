/**
 * PE/COFF header parsing (Microsoft PE Format specification), just enough for the Authenticode
 * hash: the DOS header's `e_lfanew`, the COFF file header, the optional header's CheckSum,
 * SizeOfHeaders and data directories, and the section table.
 *
 * Every offset and size read from the file is untrusted: each is checked against the file length
 * before it is used, and all reads go through the library's one byte cursor (little-endian, as
 * PE headers are). Failures throw `BootproofError` with an `ERR_PE_*` code (error_codes.ts) and
 * the byte offset of the field at fault.
 */
import { ByteReader } from '../bytes/reader.js'
import { BootproofError, TruncatedInputError } from '../errors.js'
import type { AuthenticodeErrorCode } from '../error_codes.js'

/** PE32 optional header magic. */
export const PE32_MAGIC = 0x10b
/** PE32+ optional header magic. */
export const PE32PLUS_MAGIC = 0x20b
/** Index of the Certificate Table ("security directory") in the data directories. */
export const IMAGE_DIRECTORY_ENTRY_SECURITY = 4
/** The PE loader's maximum number of data directories (EDK2 rejects more). */
export const IMAGE_NUMBER_OF_DIRECTORY_ENTRIES = 16

export interface PeSection {
  /** Section name (up to 8 bytes, NUL padding removed, non-printables escaped). */
  name: string
  virtualSize: number
  virtualAddress: number
  sizeOfRawData: number
  pointerToRawData: number
  characteristics: number
  /** File offset of this 40-byte section header. */
  headerOffset: number
}

export interface PeImage {
  /** File size in bytes. */
  size: number
  /** Offset of the "PE\0\0" signature (`e_lfanew`; 0 for an image without a DOS header). */
  peOffset: number
  machine: number
  numberOfSections: number
  timeDateStamp: number
  characteristics: number
  format: 'PE32' | 'PE32+'
  /** File offset of the optional header. */
  optionalHeaderOffset: number
  sizeOfOptionalHeader: number
  /** File offset of the 4-byte CheckSum field (excluded from the Authenticode hash). */
  checksumOffset: number
  checksum: number
  subsystem: number
  sizeOfHeaders: number
  numberOfRvaAndSizes: number
  /**
   * File offset of the 8-byte Certificate Table data-directory entry (excluded from the hash),
   * present only when NumberOfRvaAndSizes > 4.
   */
  certDirEntryOffset?: number
  /** The attribute certificate table (file offset and size), when the directory is non-empty. */
  certTable?: { offset: number; size: number }
  /** File offset of the section table. */
  sectionTableOffset: number
  /** Sections in table order. */
  sections: PeSection[]
}

export function peError(code: AuthenticodeErrorCode, message: string, options: { offset?: number; field?: string; cause?: unknown } = {}): BootproofError {
  return new BootproofError(code, message, options)
}

/** Run header reads, turning the cursor's truncation errors into `ERR_PE_TRUNCATED`. */
function guardTruncation<T>(fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    if (e instanceof TruncatedInputError) {
      throw peError('ERR_PE_TRUNCATED', `PE header truncated: ${e.message}`, { ...(e.offset !== undefined ? { offset: e.offset } : {}), ...(e.field ? { field: e.field } : {}), cause: e })
    }
    throw e
  }
}

const latin1 = new TextDecoder('latin1')

function sectionName(b: Uint8Array): string {
  let end = b.indexOf(0)
  if (end < 0) end = b.length
  return latin1.decode(b.subarray(0, end)).replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

/**
 * Parse and bound-check the headers of a PE/COFF image.
 * @throws BootproofError `ERR_PE_TRUNCATED`, `ERR_PE_MALFORMED`, `ERR_PE_UNSUPPORTED`,
 *   `ERR_PE_SECTION_INVALID`, `ERR_PE_CERT_TABLE_INVALID`
 */
export function parsePe(bytes: Uint8Array): PeImage {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('parsePe: bytes must be a Uint8Array')
  return guardTruncation(() => parse(bytes))
}

function parse(bytes: Uint8Array): PeImage {
  const size = bytes.length
  const r = new ByteReader(bytes, { truncated: 'ERR_EVENTDATA_TRUNCATED', limit: 'ERR_EVENTDATA_LIMIT' })
  const at = (offset: number): ByteReader => {
    // Callers have checked offset <= size; a read past the end then throws a truncation.
    r.pos = offset
    return r
  }

  // DOS header (optional, as in EDK2's loader: an image may start directly with "PE\0\0").
  r.need(2, 'e_magic')
  let peOffset = 0
  if (bytes[0] === 0x4d && bytes[1] === 0x5a) {
    r.need(64, 'IMAGE_DOS_HEADER')
    peOffset = at(0x3c).u32le('e_lfanew')
    if (peOffset > size || size - peOffset < 4) {
      throw peError('ERR_PE_MALFORMED', `e_lfanew ${peOffset} points outside the ${size}-byte file`, { offset: 0x3c, field: 'e_lfanew' })
    }
  } else if (bytes[0] === 0x56 && bytes[1] === 0x5a) {
    throw peError('ERR_PE_UNSUPPORTED', 'TE (terse executable) images are not supported', { offset: 0, field: 'Signature' })
  }
  const sig = at(peOffset).take(4, 'Signature')
  if (!(sig[0] === 0x50 && sig[1] === 0x45 && sig[2] === 0 && sig[3] === 0)) {
    throw peError('ERR_PE_MALFORMED', peOffset === 0 ? 'not a PE image: no MZ or PE signature' : `no "PE\\0\\0" signature at e_lfanew ${peOffset}`, { offset: peOffset, field: 'Signature' })
  }

  // COFF file header (20 bytes).
  const machine = r.u16le('Machine')
  const numberOfSections = r.u16le('NumberOfSections')
  const timeDateStamp = r.u32le('TimeDateStamp')
  r.skip(8, 'PointerToSymbolTable/NumberOfSymbols')
  const sizeOfOptionalHeader = r.u16le('SizeOfOptionalHeader')
  const characteristics = r.u16le('Characteristics')
  const optionalHeaderOffset = r.pos

  // Optional header.
  r.need(sizeOfOptionalHeader, 'optional header')
  if (sizeOfOptionalHeader < 2) throw peError('ERR_PE_MALFORMED', `SizeOfOptionalHeader ${sizeOfOptionalHeader} leaves no room for the optional header`, { offset: optionalHeaderOffset - 4, field: 'SizeOfOptionalHeader' })
  const magic = r.u16le('Magic')
  if (magic !== PE32_MAGIC && magic !== PE32PLUS_MAGIC) {
    throw peError('ERR_PE_UNSUPPORTED', `optional header magic 0x${magic.toString(16)} is neither PE32 (0x10b) nor PE32+ (0x20b)`, { offset: optionalHeaderOffset, field: 'Magic' })
  }
  const plus = magic === PE32PLUS_MAGIC
  const fixed = plus ? 112 : 96 // bytes up to and including NumberOfRvaAndSizes
  if (sizeOfOptionalHeader < fixed) {
    throw peError('ERR_PE_MALFORMED', `SizeOfOptionalHeader ${sizeOfOptionalHeader} is smaller than the ${fixed}-byte ${plus ? 'PE32+' : 'PE32'} fixed fields`, { offset: optionalHeaderOffset - 4, field: 'SizeOfOptionalHeader' })
  }
  const opt = optionalHeaderOffset
  const sizeOfHeaders = at(opt + 60).u32le('SizeOfHeaders')
  const checksumOffset = opt + 64
  const checksum = r.u32le('CheckSum')
  const subsystem = r.u16le('Subsystem')
  const numberOfRvaAndSizes = at(opt + fixed - 4).u32le('NumberOfRvaAndSizes')
  if (numberOfRvaAndSizes > IMAGE_NUMBER_OF_DIRECTORY_ENTRIES) {
    throw peError('ERR_PE_MALFORMED', `NumberOfRvaAndSizes ${numberOfRvaAndSizes} exceeds ${IMAGE_NUMBER_OF_DIRECTORY_ENTRIES}`, { offset: opt + fixed - 4, field: 'NumberOfRvaAndSizes' })
  }
  if (fixed + 8 * numberOfRvaAndSizes > sizeOfOptionalHeader) {
    throw peError('ERR_PE_MALFORMED', `${numberOfRvaAndSizes} data directories do not fit in SizeOfOptionalHeader ${sizeOfOptionalHeader}`, { offset: opt + fixed - 4, field: 'NumberOfRvaAndSizes' })
  }

  let certDirEntryOffset: number | undefined
  let certTable: PeImage['certTable']
  if (numberOfRvaAndSizes > IMAGE_DIRECTORY_ENTRY_SECURITY) {
    certDirEntryOffset = opt + fixed + 8 * IMAGE_DIRECTORY_ENTRY_SECURITY
    // For the Certificate Table the "VirtualAddress" is a file offset (PE Format §"The Attribute Certificate Table").
    const certOffset = at(certDirEntryOffset).u32le('CertificateTable.VirtualAddress')
    const certSize = r.u32le('CertificateTable.Size')
    if (certSize > 0) {
      if (certOffset > size || certSize > size - certOffset) {
        throw peError('ERR_PE_CERT_TABLE_INVALID', `the Certificate Table (offset ${certOffset}, ${certSize} bytes) extends past the end of the ${size}-byte file`, { offset: certDirEntryOffset, field: 'CertificateTable' })
      }
      certTable = { offset: certOffset, size: certSize }
    }
  }

  // Section table.
  const sectionTableOffset = opt + sizeOfOptionalHeader
  const tableBytes = numberOfSections * 40
  if (sectionTableOffset > size || tableBytes > size - sectionTableOffset) {
    throw peError('ERR_PE_SECTION_INVALID', `the section table (${numberOfSections} × 40 bytes at offset ${sectionTableOffset}) runs past the end of the ${size}-byte file`, { offset: optionalHeaderOffset - 18, field: 'NumberOfSections' })
  }
  const sections: PeSection[] = []
  at(sectionTableOffset)
  for (let i = 0; i < numberOfSections; i++) {
    const headerOffset = r.pos
    const name = sectionName(r.take(8, 'Section.Name'))
    const virtualSize = r.u32le('Section.VirtualSize')
    const virtualAddress = r.u32le('Section.VirtualAddress')
    const sizeOfRawData = r.u32le('Section.SizeOfRawData')
    const pointerToRawData = r.u32le('Section.PointerToRawData')
    r.skip(12, 'Section.Relocations/LineNumbers')
    const sectionCharacteristics = r.u32le('Section.Characteristics')
    if (sizeOfRawData > 0 && (pointerToRawData > size || sizeOfRawData > size - pointerToRawData)) {
      throw peError('ERR_PE_SECTION_INVALID', `section ${i} "${name}" raw data (offset ${pointerToRawData}, ${sizeOfRawData} bytes) runs past the end of the ${size}-byte file`, { offset: headerOffset + 16, field: 'Section.SizeOfRawData' })
    }
    sections.push({ name, virtualSize, virtualAddress, sizeOfRawData, pointerToRawData, characteristics: sectionCharacteristics, headerOffset })
  }

  // SizeOfHeaders must cover the fields the hash skips and stay inside the file.
  const headerFieldsEnd = certDirEntryOffset !== undefined ? certDirEntryOffset + 8 : checksumOffset + 4
  if (sizeOfHeaders > size) {
    throw peError('ERR_PE_MALFORMED', `SizeOfHeaders ${sizeOfHeaders} exceeds the ${size}-byte file`, { offset: opt + 60, field: 'SizeOfHeaders' })
  }
  if (sizeOfHeaders < headerFieldsEnd) {
    throw peError('ERR_PE_MALFORMED', `SizeOfHeaders ${sizeOfHeaders} ends before the optional-header fields at ${headerFieldsEnd}`, { offset: opt + 60, field: 'SizeOfHeaders' })
  }

  if (certTable) {
    if (certTable.offset < sizeOfHeaders) {
      throw peError('ERR_PE_CERT_TABLE_INVALID', `the Certificate Table at offset ${certTable.offset} lies inside the headers (SizeOfHeaders ${sizeOfHeaders})`, { offset: certDirEntryOffset, field: 'CertificateTable.VirtualAddress' })
    }
    if (certTable.offset + certTable.size !== size) {
      throw peError('ERR_PE_CERT_TABLE_INVALID', `the Certificate Table (offset ${certTable.offset}, ${certTable.size} bytes) is not at the end of the ${size}-byte file; Authenticode excludes the last ${certTable.size} bytes, which would not be the signature`, { offset: certDirEntryOffset, field: 'CertificateTable' })
    }
  }

  return {
    size,
    peOffset,
    machine,
    numberOfSections,
    timeDateStamp,
    characteristics,
    format: plus ? 'PE32+' : 'PE32',
    optionalHeaderOffset,
    sizeOfOptionalHeader,
    checksumOffset,
    checksum,
    subsystem,
    sizeOfHeaders,
    numberOfRvaAndSizes,
    ...(certDirEntryOffset !== undefined ? { certDirEntryOffset } : {}),
    ...(certTable ? { certTable } : {}),
    sectionTableOffset,
    sections,
  }
}
