/**
 * UEFI_GPT_DATA (PFP §10.4.4), the data of EV_EFI_GPT_EVENT(2):
 *
 *   { EFI_PARTITION_TABLE_HEADER (92 bytes, UEFI spec §5.3.2); u64 NumberOfPartitions;
 *     EFI_PARTITION_ENTRY Partitions[NumberOfPartitions] (SizeOfPartitionEntry bytes each) }
 *
 * Entries (UEFI §5.3.3) start with PartitionTypeGUID, UniquePartitionGUID, StartingLBA,
 * EndingLBA, Attributes and a 72-byte CHAR16 PartitionName; an entry size below 128 cannot hold
 * them. NumberOfPartitions is a u64 bounded by the bytes left (times the entry size) and by
 * `limits.maxItemsPerEvent`; the entries must end the data exactly.
 */
import type { ByteReader } from '../../bytes/reader.js'
import { expectEnd, hex64, malformed, readerFor } from './common.js'
import { guidName, readGuid } from './guid.js'
import { utf16Text } from './text.js'
import type { DecodeInput, GptData, GptPartition } from './types.js'

const SIGNATURE = 'EFI PART'
const MIN_ENTRY = 128

function readPartition(e: ByteReader): GptPartition {
  const typeGuid = readGuid(e, 'PartitionTypeGUID')
  const uniqueGuid = readGuid(e, 'UniquePartitionGUID')
  const startingLba = hex64(e.u64le('StartingLBA'))
  const endingLba = hex64(e.u64le('EndingLBA'))
  const attributes = hex64(e.u64le('Attributes'))
  // PartitionName is NUL-padded to 36 CHAR16: keep what precedes the first NUL.
  const raw = e.take(72, 'PartitionName')
  let end = 0
  while (end < 72 && (raw[end] !== 0 || raw[end + 1] !== 0)) end += 2
  const name = utf16Text(raw.subarray(0, end)).text
  const p: GptPartition = { typeGuid, uniqueGuid, startingLba, endingLba, attributes, name }
  const typeName = guidName(typeGuid)
  if (typeName !== undefined) p.typeName = typeName
  return p
}

export function decodeGpt(input: DecodeInput): GptData {
  const r = readerFor(input)
  const sig = r.take(8, 'Signature')
  if (String.fromCharCode(...sig) !== SIGNATURE) malformed(r, 'GPT header signature is not "EFI PART"', input.dataOffset)
  const revision = r.u32le('Revision')
  const headerSize = r.u32le('HeaderSize')
  r.skip(8, 'HeaderCRC32+Reserved')
  const myLba = hex64(r.u64le('MyLBA'))
  const alternateLba = hex64(r.u64le('AlternateLBA'))
  const firstUsableLba = hex64(r.u64le('FirstUsableLBA'))
  const lastUsableLba = hex64(r.u64le('LastUsableLBA'))
  const diskGuid = readGuid(r, 'DiskGUID')
  const partitionEntryLba = hex64(r.u64le('PartitionEntryLBA'))
  const numberOfPartitionEntries = r.u32le('NumberOfPartitionEntries')
  const sizeAt = r.offset
  const sizeOfPartitionEntry = r.u32le('SizeOfPartitionEntry')
  r.skip(4, 'PartitionEntryArrayCRC32')
  if (sizeOfPartitionEntry < MIN_ENTRY) malformed(r, `SizeOfPartitionEntry ${sizeOfPartitionEntry} < ${MIN_ENTRY}`, sizeAt)
  const countAt = r.offset
  const count = r.u64leLength('NumberOfPartitions', sizeOfPartitionEntry)
  if (count > input.limits.maxItemsPerEvent) r.limit('maxItemsPerEvent', count, input.limits.maxItemsPerEvent, countAt)
  const partitions: GptPartition[] = []
  for (let i = 0; i < count; i++) partitions.push(readPartition(r.sub(sizeOfPartitionEntry, 'EFI_PARTITION_ENTRY')))
  expectEnd(r, 'UEFI_GPT_DATA')
  return {
    kind: 'gpt',
    revision,
    headerSize,
    myLba,
    alternateLba,
    firstUsableLba,
    lastUsableLba,
    diskGuid,
    partitionEntryLba,
    numberOfPartitionEntries,
    sizeOfPartitionEntry,
    partitions,
  }
}
