/**
 * EV_NO_ACTION bodies (PFP §10.4.5; attack L-06), told apart by their 16-byte
 * signature. None of them is ever extended and none is measured, so every value here is
 * information only; the Spec ID event is validated separately by the parser (spec_id.ts).
 */
import type { ByteReader } from '../../bytes/reader.js'
import { asciiPreview, bytesEqual } from '../../bytes/hex.js'
import { isBootproofError } from '../../errors.js'
import { expectEnd, malformed, readerFor } from './common.js'
import { readDevicePath } from './device_path.js'
import { readGuid } from './guid.js'
import { asciiText, isBinaryText, stripNul } from './text.js'
import type { DecodeInput, DecodedEventData, Sp800155Data, Sp800155Locator } from './types.js'

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0))

const SIG = {
  specId03: latin1('Spec ID Event03\0'),
  specId02: latin1('Spec ID Event02\0'),
  specId00: latin1('Spec ID Event00\0'),
  startupLocality: latin1('StartupLocality\0'),
  sp800155: latin1('SP800-155 Event\0'),
  sp800155v2: latin1('SP800-155 Event2'),
  sp800155v3: latin1('SP800-155 Event3'),
  hcrtmCompMeas: latin1('H-CRTM CompMeas\0'),
  nvIndexInstance: latin1('NvIndexInstance\0'),
  nvIndexDynamic: latin1('NvIndexDynamic\0\0'),
} as const

/** TCG_EfiSpecIDEvent (TCG PFP): reported as read; structural rules live in the parser. */
function specId03(r: ByteReader): DecodedEventData {
  r.skip(16, 'signature')
  const platformClass = r.u32le('platformClass')
  const specVersionMinor = r.u8('specVersionMinor')
  const specVersionMajor = r.u8('specVersionMajor')
  const specErrata = r.u8('specErrata')
  const uintnSize = r.u8('uintnSize')
  const at = r.offset
  const count = r.u32le('numberOfAlgorithms')
  // Never size anything from the count: each entry is read only if its 4 bytes are there.
  if (count * 4 > r.remaining) malformed(r, `numberOfAlgorithms ${count} needs ${count * 4} bytes, ${r.remaining} left`, at)
  const algorithms: { algId: number; digestSize: number }[] = []
  for (let i = 0; i < count; i++) algorithms.push({ algId: r.u16le('algorithmId'), digestSize: r.u16le('digestSize') })
  const vendorInfo = r.take(r.u8('vendorInfoSize'), 'vendorInfo')
  expectEnd(r, 'Spec ID Event03')
  return { kind: 'spec-id', signature: 'Spec ID Event03', platformClass, specVersionMinor, specVersionMajor, specErrata, uintnSize, algorithms, vendorInfo }
}

/** "Spec ID Event02" (EFI TPM 1.2) and "Spec ID Event00" (TPM 1.2 BIOS): no algorithm list. */
function legacySpecId(r: ByteReader, signature: string): DecodedEventData {
  r.skip(16, 'signature')
  const platformClass = r.u32le('platformClass')
  const specVersionMinor = r.u8('specVersionMinor')
  const specVersionMajor = r.u8('specVersionMajor')
  const specErrata = r.u8('specErrata')
  const uintnSize = r.u8('uintnSize')
  const vendorInfo = r.take(r.u8('vendorInfoSize'), 'vendorInfo')
  expectEnd(r, signature)
  return { kind: 'spec-id-legacy', signature, platformClass, specVersionMinor, specVersionMajor, specErrata, uintnSize, vendorInfo }
}

/** TCG_EfiStartupLocalityEvent: exactly 16 + 1 bytes (systemd-pcrlock's rule; attack L-07). */
function startupLocality(r: ByteReader): DecodedEventData {
  r.skip(16, 'signature')
  const locality = r.u8('StartupLocality')
  expectEnd(r, 'StartupLocality event')
  return { kind: 'startup-locality', locality }
}

/** u8 length + that many bytes of text (SP800-155 strings are bounded by the u8). */
function shortString(r: ByteReader, field: string): string {
  return asciiText(stripNul(r.take(r.u8(`${field}Size`), field)).body).text
}

const LOCATOR_TYPES = ['raw', 'uri', 'device-path', 'uefi-variable'] as const

function locator(r: ByteReader, input: DecodeInput, field: string): Sp800155Locator {
  const type = r.u32le(`${field}Type`)
  const length = r.u32le(`${field}Length`)
  const data = r.take(length, field)
  const out: Sp800155Locator = { type, typeName: LOCATOR_TYPES[type] ?? 'unknown', data }
  // A URI locator is as long as its u32 says: decoded up to the text cap, and not at all when binary.
  if (type === 1 && !isBinaryText(data, input.limits.maxDecodedTextBytes)) out.text = asciiText(stripNul(data).body, input.limits.maxDecodedTextBytes).text
  if (type === 2 && data.length > 0) {
    // A locator is a hint: a device path that does not render just stays bytes.
    try {
      out.text = readDevicePath(readerFor(input, data, r.offset - length), input.limits).text
    } catch (e) {
      if (!isBootproofError(e)) throw e
    }
  }
  return out
}

/**
 * TCG_Sp800_155_PlatformId_Event2/3 (PFP 1.06 §10.4.5; edk2 UefiTcgPlatform.h). The original
 * "SP800-155 Event" is read with the same fields (unverified). The structure must end exactly,
 * except for trailing zero bytes: GCE firmware ends Event3 with 6 zero bytes after an empty
 * PlatformCertLocator. They are counted in `zeroPadding`; any non-zero trailing byte is an error.
 */
function sp800155(input: DecodeInput, signature: Sp800155Data['signature']): Sp800155Data {
  const r = readerFor(input)
  r.skip(16, 'signature')
  const vendorId = r.u32le('VendorId')
  const referenceManifestGuid = readGuid(r, 'ReferenceManifestGuid')
  const platformManufacturer = shortString(r, 'PlatformManufacturerStr')
  const platformModel = shortString(r, 'PlatformModel')
  const platformVersion = shortString(r, 'PlatformVersion')
  const firmwareManufacturer = shortString(r, 'FirmwareManufacturerStr')
  const firmwareManufacturerId = r.u32le('FirmwareManufacturerId')
  const firmwareVersion = shortString(r, 'FirmwareVersion')
  const out: Sp800155Data = {
    kind: 'sp800-155',
    signature,
    vendorId,
    referenceManifestGuid,
    platformManufacturer,
    platformModel,
    platformVersion,
    firmwareManufacturer,
    firmwareManufacturerId,
    firmwareVersion,
  }
  if (signature === 'SP800-155 Event3') {
    out.rimLocator = locator(r, input, 'RimLocator')
    out.platformCertLocator = locator(r, input, 'PlatformCertLocator')
  }
  const padding = r.remaining
  if (padding > 0 && r.rest().every((b) => b === 0)) out.zeroPadding = padding
  expectEnd(r, signature)
  return out
}

export function decodeNoAction(input: DecodeInput): DecodedEventData {
  const data = input.data
  if (data.length < 16) return { kind: 'no-action-unknown', signaturePreview: asciiPreview(data, 16) }
  const sig = data.subarray(0, 16)
  const r = readerFor(input)
  if (bytesEqual(sig, SIG.specId03)) return specId03(r)
  if (bytesEqual(sig, SIG.specId02)) return legacySpecId(r, 'Spec ID Event02')
  if (bytesEqual(sig, SIG.specId00)) return legacySpecId(r, 'Spec ID Event00')
  if (bytesEqual(sig, SIG.startupLocality)) return startupLocality(r)
  if (bytesEqual(sig, SIG.sp800155)) return sp800155(input, 'SP800-155 Event')
  if (bytesEqual(sig, SIG.sp800155v2)) return sp800155(input, 'SP800-155 Event2')
  if (bytesEqual(sig, SIG.sp800155v3)) return sp800155(input, 'SP800-155 Event3')
  // Layouts not interpreted here; keep the payload so nothing is lost.
  if (bytesEqual(sig, SIG.hcrtmCompMeas)) return { kind: 'no-action-payload', signature: 'H-CRTM CompMeas', payload: data.subarray(16) }
  if (bytesEqual(sig, SIG.nvIndexInstance)) return { kind: 'no-action-payload', signature: 'NvIndexInstance', payload: data.subarray(16) }
  if (bytesEqual(sig, SIG.nvIndexDynamic)) return { kind: 'no-action-payload', signature: 'NvIndexDynamic', payload: data.subarray(16) }
  return { kind: 'no-action-unknown', signaturePreview: asciiPreview(sig, 16) }
}
