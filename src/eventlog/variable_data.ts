/**
 * Where UEFI_VARIABLE_DATA's VariableData starts (TCG PFP §10.4.4), read from the bytes alone:
 *
 *   { EFI_GUID VariableName; UINT64 UnicodeNameLength (CHAR16 units); UINT64 VariableDataLength;
 *     CHAR16 UnicodeName[UnicodeNameLength]; BYTE VariableData[VariableDataLength] }
 *
 * Exact lengths only (attack L-09): 32 + 2·nameLen + dataLen must equal the data length. The two
 * UINT64 lengths are read as 32-bit halves: the equation can only hold while every term is far
 * below 2^53, where Number arithmetic is exact; a term at or above it makes the sum exceed any
 * array length. The integrity check (its `variable-data` form) and boot state both use this one
 * definition; the decoder (decode/variable.ts) reads the same layout with its own bounded reader.
 */
import { u32leAt } from '../bytes/uint32.js'

/** The offset of VariableData (32 + 2·UnicodeNameLength), or undefined when the lengths are inconsistent. */
export function variableDataOffset(d: Uint8Array): number | undefined {
  if (d.length < 32) return undefined
  const nameLen = u32leAt(d, 16) + u32leAt(d, 20) * 0x1_0000_0000
  const dataLen = u32leAt(d, 24) + u32leAt(d, 28) * 0x1_0000_0000
  if (32 + 2 * nameLen + dataLen !== d.length) return undefined
  return 32 + 2 * nameLen
}
