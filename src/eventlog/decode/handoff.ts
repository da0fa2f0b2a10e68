/**
 * Firmware-owned descriptors in PCR 0/1 (PFP §10.4.1; UEFI_PLATFORM_FIRMWARE_BLOB(2), UEFI_HANDOFF_TABLE_POINTERS(2)). Their
 * digests cover the memory region or table contents, not these pointers, so the decoded values
 * are hints only.
 *
 *   UEFI_PLATFORM_FIRMWARE_BLOB   { u64 BlobBase; u64 BlobLength }
 *   UEFI_PLATFORM_FIRMWARE_BLOB2  { u8 BlobDescriptionSize; u8 BlobDescription[]; u64 BlobBase; u64 BlobLength }
 *   UEFI_HANDOFF_TABLE_POINTERS   { u64 NumberOfTables; EFI_CONFIGURATION_TABLE TableEntry[] }
 *   UEFI_HANDOFF_TABLE_POINTERS2  { u8 TableDescriptionSize; u8 TableDescription[]; u64 NumberOfTables; ... }
 *   EFI_CONFIGURATION_TABLE       { EFI_GUID VendorGuid; u64 VendorTable }  (24 bytes)
 */
import type { ByteReader } from '../../bytes/reader.js'
import { expectEnd, hex64, readerFor } from './common.js'
import { guidName, readGuid } from './guid.js'
import { asciiText, stripNul } from './text.js'
import type { DecodeInput, FirmwareBlobData, HandoffTablesData } from './types.js'

const TABLE_ENTRY = 24

/** u8-length description; a trailing NUL inside the counted bytes is not part of the text. */
function description(r: ByteReader, field: string): string {
  return asciiText(stripNul(r.take(r.u8(`${field}Size`), field)).body).text
}

export function decodeFirmwareBlob(input: DecodeInput, withDescription: boolean): FirmwareBlobData {
  const r = readerFor(input)
  const desc = withDescription ? description(r, 'BlobDescription') : undefined
  const base = hex64(r.u64le('BlobBase'))
  const length = hex64(r.u64le('BlobLength'))
  expectEnd(r, withDescription ? 'UEFI_PLATFORM_FIRMWARE_BLOB2' : 'UEFI_PLATFORM_FIRMWARE_BLOB')
  return desc === undefined ? { kind: 'firmware-blob', base, length } : { kind: 'firmware-blob', description: desc, base, length }
}

export function decodeHandoffTables(input: DecodeInput, withDescription: boolean): HandoffTablesData {
  const r = readerFor(input)
  const desc = withDescription ? description(r, 'TableDescription') : undefined
  const countAt = r.offset
  const count = r.u64leLength('NumberOfTables', TABLE_ENTRY)
  if (count > input.limits.maxItemsPerEvent) r.limit('maxItemsPerEvent', count, input.limits.maxItemsPerEvent, countAt)
  const tables: HandoffTablesData['tables'] = []
  for (let i = 0; i < count; i++) {
    const guid = readGuid(r, 'VendorGuid')
    const address = hex64(r.u64le('VendorTable'))
    const name = guidName(guid)
    tables.push(name === undefined ? { guid, address } : { guid, guidName: name, address })
  }
  expectEnd(r, withDescription ? 'UEFI_HANDOFF_TABLE_POINTERS2' : 'UEFI_HANDOFF_TABLE_POINTERS')
  return desc === undefined ? { kind: 'handoff-tables', tables } : { kind: 'handoff-tables', description: desc, tables }
}
