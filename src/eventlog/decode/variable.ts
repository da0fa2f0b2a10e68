/**
 * UEFI_VARIABLE_DATA (PFP §10.4.2; attack L-09), the body of
 * EV_EFI_VARIABLE_DRIVER_CONFIG, _BOOT, _BOOT2 and _AUTHORITY:
 *
 *   { EFI_GUID VariableName; u64 UnicodeNameLength (CHAR16 units); u64 VariableDataLength;
 *     CHAR16 UnicodeName[UnicodeNameLength]; u8 VariableData[VariableDataLength] }
 *
 * Both lengths are u64: they are compared with the bytes left before becoming Numbers (attack
 * L-01: 2^63, 2^53+1), and the total must be exactly 32 + 2·nameLen + dataLen (attack L-09).
 *
 * A variable's identity is the pair (vendor GUID, name) (attack S-03): content is interpreted
 * only for recognised pairs, so "db" under EFI_GLOBAL_VARIABLE is reported as unrecognised
 * bytes, never as the signature database.
 */
import { EV } from '../event_types.js'
import type { ByteReader } from '../../bytes/reader.js'
import { readerFor, malformed, within } from './common.js'
import { EFI_GLOBAL_VARIABLE, EFI_IMAGE_SECURITY_DATABASE, SHIM_LOCK_GUID, guidName, readGuid } from './guid.js'
import { isLoadOptionName, readBootOrder, readLoadOption } from './load_option.js'
import { derSequenceLength, readSignatureData, readSignatureLists } from './signature_list.js'
import { asciiText, isBinaryText, stripNul, utf16Text } from './text.js'
import type { DecodeInput, UefiVariableData, VariableValue } from './types.js'

type Content = 'uint8' | 'uint16' | 'signature-lists' | 'boot-order' | 'load-option' | 'text' | 'certificate'

/** Recognised (GUID, name) pairs and how their VariableData is laid out. */
const KNOWN: ReadonlyMap<string, ReadonlyMap<string, Content>> = new Map<string, ReadonlyMap<string, Content>>([
  [
    EFI_GLOBAL_VARIABLE,
    new Map<string, Content>([
      ['SecureBoot', 'uint8'],
      ['SetupMode', 'uint8'],
      ['AuditMode', 'uint8'],
      ['DeployedMode', 'uint8'],
      ['PK', 'signature-lists'],
      ['KEK', 'signature-lists'],
      ['PKDefault', 'signature-lists'],
      ['KEKDefault', 'signature-lists'],
      ['dbDefault', 'signature-lists'],
      ['dbxDefault', 'signature-lists'],
      ['dbtDefault', 'signature-lists'],
      ['dbrDefault', 'signature-lists'],
      ['BootOrder', 'boot-order'],
      ['DriverOrder', 'boot-order'],
      ['SysPrepOrder', 'boot-order'],
      ['BootCurrent', 'uint16'],
      ['BootNext', 'uint16'],
      ['Timeout', 'uint16'],
    ]),
  ],
  [
    EFI_IMAGE_SECURITY_DATABASE,
    new Map<string, Content>([
      ['db', 'signature-lists'],
      ['dbx', 'signature-lists'],
      ['dbt', 'signature-lists'],
      ['dbr', 'signature-lists'],
      // Newer shim measures its built-in vendor_db under this GUID (rhboot/shim #728).
      ['vendor_db', 'signature-lists'],
    ]),
  ],
  [
    SHIM_LOCK_GUID,
    new Map<string, Content>([
      ['MokList', 'signature-lists'],
      ['MokListX', 'signature-lists'],
      ['MokListRT', 'signature-lists'],
      ['MokListXRT', 'signature-lists'],
      ['MokListTrusted', 'uint8'],
      ['MokSBState', 'uint8'],
      ['MokIgnoreDB', 'uint8'],
      ['SbatLevel', 'text'],
      ['SbatLevelRT', 'text'],
      // shim's built-in vendor certificate, measured as an authority (shim, PCR 7 EV_EFI_VARIABLE_AUTHORITY).
      ['Shim', 'certificate'],
    ]),
  ],
])

function contentOf(guid: string, name: string): Content | undefined {
  const c = KNOWN.get(guid)?.get(name)
  if (c !== undefined) return c
  if (guid === EFI_GLOBAL_VARIABLE && isLoadOptionName(name)) return 'load-option'
  return undefined
}

/**
 * Interpret VariableData. Authority events carry one EFI_SIGNATURE_DATA taken from the named
 * database rather than the database itself, except for shim's small policy variables.
 */
function readValue(r: ByteReader, input: DecodeInput, content: Content | undefined, label: string): VariableValue {
  const authority = input.eventType === EV.EV_EFI_VARIABLE_AUTHORITY
  if (authority && content !== 'uint8' && content !== 'text') return readSignatureData(r)
  switch (content) {
    case 'uint8':
      // Exactly one byte; other lengths (e.g. the empty SecureBoot seen on Arch Linux) stay bytes for policy to judge (S-04).
      return r.remaining === 1 ? { type: 'uint8', value: r.u8(label) } : { type: 'bytes' }
    case 'uint16':
      return r.remaining === 2 ? { type: 'uint16', value: r.u16le(label) } : { type: 'bytes' }
    case 'signature-lists':
      return within('EFI_SIGNATURE_LIST', () => readSignatureLists(r, input.limits, label))
    case 'boot-order':
      return readBootOrder(r, input.limits, label)
    case 'load-option':
      return readLoadOption(r, input.limits)
    case 'text': {
      // A binary value is not text (it would cost 4 characters a byte to show): plain bytes.
      const body = stripNul(r.rest()).body
      if (isBinaryText(body, input.limits.maxDecodedTextBytes)) return { type: 'bytes' }
      const t = asciiText(body, input.limits.maxDecodedTextBytes)
      return t.truncated ? { type: 'text', text: t.text, truncated: true } : { type: 'text', text: t.text }
    }
    case 'certificate':
      return readSignatureData(r)
    case undefined:
      return { type: 'bytes' }
  }
}

/** Largest struct padding seen after an old shim authority (sizeof of a struct with 1-element arrays). */
const SHIM_PADDING_MAX = 7

/**
 * Old shim measured EV_EFI_VARIABLE_AUTHORITY with a bare certificate (no SignatureOwner) and
 * an event size taken from a C struct with trailing one-element arrays, leaving a few padding
 * bytes after VariableData (go-attestation #157/#158; real GCE COS and Ubuntu logs). This is the
 * only tolerated length mismatch, and only in that exact shape: authority event, at most 7
 * extra bytes, and VariableData exactly one DER certificate. Every other mismatch is L-09.
 */
function oldShimAuthority(input: DecodeInput, r: ByteReader, nameLength: number, dataLength: number, extra: number): boolean {
  if (input.eventType !== EV.EV_EFI_VARIABLE_AUTHORITY || extra < 1 || extra > SHIM_PADDING_MAX) return false
  const dataStart = r.pos + 2 * nameLength
  return derSequenceLength(input.data.subarray(dataStart, dataStart + dataLength)) === dataLength
}

export function decodeUefiVariable(input: DecodeInput): UefiVariableData {
  const r = readerFor(input)
  const guid = readGuid(r, 'VariableName')
  const nameLength = r.u64leLength('UnicodeNameLength', 2)
  const dataLength = r.u64leLength('VariableDataLength')
  // Both lengths are now known to fit in what remains, so the sum is an exact small integer.
  const expected = 32 + 2 * nameLength + dataLength
  const extra = input.data.length - expected
  if (extra !== 0 && !oldShimAuthority(input, r, nameLength, dataLength, extra)) {
    malformed(
      r,
      `UEFI_VARIABLE_DATA is ${input.data.length} bytes but its lengths (name ${nameLength} CHAR16, data ${dataLength}) require exactly ${expected}`,
      input.dataOffset,
    )
  }
  const name = utf16Text(r.take(2 * nameLength, 'UnicodeName')).text
  const variableData = r.take(dataLength, 'VariableData')
  const content = contentOf(guid, name)
  const gName = guidName(guid)
  const label = `${name} (${gName ?? guid})`
  const value = readValue(readerFor(input, variableData, input.dataOffset + 32 + 2 * nameLength), input, content, label)
  const out: UefiVariableData = { kind: 'uefi-variable', guid, name, variableData, value }
  if (gName !== undefined) out.guidName = gName
  if (content !== undefined) out.known = name
  if (extra !== 0) out.note = `${extra} byte(s) after VariableData and no SignatureOwner: old shim authority quirk`
  return out
}

