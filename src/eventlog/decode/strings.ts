/**
 * Event types whose data is a string, a descriptor or a short fixed structure (PFP §10.4.1;
 * EV_EFI_ACTION strings, UEFI_PLATFORM_FIRMWARE_BLOB(2), EV_S_CRTM_* / EV_NONHOST_INFO; GRUB
 * and systemd-stub EV_IPL, systemd docs/TPM2_PCR_MEASUREMENTS.md). Each decoder is exact about lengths and
 * NULs: the same bytes are hashed for the digest check, so silently trimming them would let a
 * display differ from what was measured.
 */
import { EV } from '../event_types.js'
import { expectEnd, hex64, readerFor } from './common.js'
import { formatGuid, guidName } from './guid.js'
import { asciiText, isPrintableAscii, looksLikeUtf16Ascii, stripNul, stripNul16, utf16Text } from './text.js'
import type { DecodeInput, DecodedEventData, FirmwareBlobData, IplData, TextData } from './types.js'

/** EV_EFI_ACTION strings the PFP defines (TCG PFP, EV_EFI_ACTION event data). */
const WELL_KNOWN_ACTIONS: ReadonlySet<string> = new Set([
  'Calling EFI Application from Boot Option',
  'Returning from EFI Application from Boot Option',
  'Exit Boot Services Invocation',
  'Exit Boot Services Returned with Success',
  'Exit Boot Services Returned with Failure',
  'Entering ROM Based Setup',
  'UEFI Debug Mode',
  'DMA Protection Disabled',
])

/** EV_EFI_ACTION / EV_ACTION: ASCII without NUL; the digest is over exactly these bytes. */
export function decodeAction(input: DecodeInput): DecodedEventData {
  const { text, printable } = asciiText(input.data)
  return { kind: 'action', text, printable, wellKnown: printable && WELL_KNOWN_ACTIONS.has(text) }
}

function asciiData(bytes: Uint8Array): TextData {
  const { body, nulTerminated } = stripNul(bytes)
  const { text, printable } = asciiText(body)
  return { kind: 'text', text, encoding: 'ascii', nulTerminated, printable }
}

function utf16Data(bytes: Uint8Array): TextData {
  const { body, nulTerminated } = stripNul16(bytes)
  const { text, printable } = utf16Text(body)
  return { kind: 'text', text, encoding: 'utf-16le', nulTerminated, printable }
}

/** ASCII text, optionally with one terminating NUL, and nothing else. */
function isAsciiString(bytes: Uint8Array): boolean {
  return bytes.length > 0 && isPrintableAscii(stripNul(bytes).body)
}

/** Data fixed by the spec: report whether it matches byte for byte (no NUL, no extra byte). */
function fixedString(input: DecodeInput, expected: string): DecodedEventData {
  const t = asciiData(input.data)
  const exact = input.data.length === expected.length && !t.nulTerminated && t.text === expected
  return { ...t, expected, matchesExpected: exact }
}

/** {u64 base; u64 length}: UEFI_PLATFORM_FIRMWARE_BLOB and the blob form of POST code events. */
function blob(input: DecodeInput): FirmwareBlobData {
  const r = readerFor(input)
  const base = hex64(r.u64le('BlobBase'))
  const length = hex64(r.u64le('BlobLength'))
  expectEnd(r, 'firmware blob')
  return { kind: 'firmware-blob', base, length }
}

/**
 * EV_POST_CODE (and EV_POST_CODE2): an ASCII descriptor such as "ACPI DATA" or a 16-byte blob.
 * Anything else is kept raw: a 9-byte body once aborted a whole parse (tpm2-tools #2017).
 */
export function decodePostCode(input: DecodeInput): DecodedEventData {
  if (isAsciiString(input.data)) return asciiData(input.data)
  if (input.data.length === 16) return blob(input)
  return { kind: 'raw', note: `POST code data of ${input.data.length} bytes is neither a descriptor string nor a blob` }
}

/** EV_S_CRTM_CONTENTS: a NUL-terminated string ("Boot Guard Measured S-CRTM") or a blob. */
export function decodeScrtmContents(input: DecodeInput): DecodedEventData {
  if (isAsciiString(input.data)) return asciiData(input.data)
  if (input.data.length === 16) return blob(input)
  return { kind: 'raw', note: 'S-CRTM contents are neither a string nor a blob descriptor' }
}

/**
 * EV_S_CRTM_VERSION: a UCS-2 NUL-terminated string (GCE writes just the NUL, `00 00`) or a
 * 16-byte GUID. Some mock and legacy logs use plain ASCII; reported as such.
 */
export function decodeScrtmVersion(input: DecodeInput): DecodedEventData {
  const data = input.data
  if ((data.length === 2 && data[0] === 0 && data[1] === 0) || looksLikeUtf16Ascii(data)) return utf16Data(data)
  if (data.length === 16) {
    const guid = formatGuid(data)
    const name = guidName(guid)
    return name === undefined ? { kind: 'guid', guid } : { kind: 'guid', guid, guidName: name }
  }
  if (isAsciiString(data)) return asciiData(data)
  return { kind: 'raw', note: `S-CRTM version of ${data.length} bytes is neither a UCS-2 string nor a GUID` }
}

/**
 * Text-or-raw for events whose data is usually, but not necessarily, a string. Trailing NUL
 * padding is allowed here (QEMU pads fw_cfg names in EV_PLATFORM_CONFIG_FLAGS to 56 bytes).
 */
function textOrRaw(input: DecodeInput, what: string): DecodedEventData {
  const data = input.data
  let end = data.length
  while (end > 0 && data[end - 1] === 0) end--
  const padded = end < data.length
  if (end > 0 && isPrintableAscii(data.subarray(0, end))) {
    return { kind: 'text', text: asciiText(data.subarray(0, end)).text, encoding: 'ascii', nulTerminated: padded, printable: true }
  }
  if (looksLikeUtf16Ascii(data)) {
    const { text, printable } = utf16Text(data.subarray(0, end + (end % 2)))
    return { kind: 'text', text, encoding: 'utf-16le', nulTerminated: padded, printable }
  }
  return { kind: 'raw', note: `${what}: ${data.length} bytes of binary data` }
}

const GRUB_PREFIXES: readonly [string, IplData['form']][] = [
  ['grub_cmd: ', 'grub-command'],
  ['kernel_cmdline: ', 'grub-kernel-cmdline'],
  ['module_cmdline: ', 'grub-module-cmdline'],
  ['grub_kernel_cmdline ', 'grub-kernel-cmdline'],
  ['grub_cmd ', 'grub-command'],
]

/**
 * EV_IPL: GRUB command lines with a prefix (PCR 8), GRUB file paths (PCR 9), systemd-stub
 * UTF-16LE section names and command lines (PCR 11/12), shim variable names (PCR 14). The text
 * is always kept whole; only a recognised GRUB prefix is split off.
 */
export function decodeIpl(input: DecodeInput): DecodedEventData {
  const data = input.data
  if (looksLikeUtf16Ascii(data)) {
    const { body, nulTerminated } = stripNul16(data)
    const { text, printable } = utf16Text(body)
    return { kind: 'ipl', form: 'utf-16le', text, nulTerminated, printable }
  }
  const { body, nulTerminated } = stripNul(data)
  const { text, printable } = asciiText(body)
  for (const [prefix, form] of GRUB_PREFIXES) {
    if (text.startsWith(prefix)) return { kind: 'ipl', form, prefix, text: text.slice(prefix.length), nulTerminated, printable }
  }
  return { kind: 'ipl', form: 'text', text, nulTerminated, printable }
}

const GCE_NONHOST = 'GCE NonHostInfo\0'
const GCE_TECHNOLOGIES = ['NONE', 'AMD_SEV', 'AMD_SEV_ES', 'INTEL_TDX', 'AMD_SEV_SNP']

/** EV_NONHOST_INFO: GCE "GCE NonHostInfo\0" + one technology byte (+ reserved bytes). */
export function decodeNonHostInfo(input: DecodeInput): DecodedEventData {
  const data = input.data
  if (data.length >= 17 && String.fromCharCode(...data.subarray(0, 16)) === GCE_NONHOST) {
    const technology = data[16]!
    return { kind: 'gce-nonhost-info', technology, technologyName: GCE_TECHNOLOGIES[technology] ?? `UNKNOWN_${technology}` }
  }
  const nul = data.indexOf(0)
  const head = asciiText(data.subarray(0, Math.min(32, nul >= 0 ? nul : data.length))).text
  return { kind: 'raw', note: `non-host info${head ? ` "${head}"` : ''}, ${data.length} bytes` }
}

export function decodeStringEvent(input: DecodeInput): DecodedEventData {
  switch (input.eventType) {
    case EV.EV_EFI_ACTION:
    case EV.EV_ACTION:
      return decodeAction(input)
    case EV.EV_POST_CODE:
    case EV.EV_POST_CODE2:
      return decodePostCode(input)
    case EV.EV_S_CRTM_CONTENTS:
      return decodeScrtmContents(input)
    case EV.EV_S_CRTM_VERSION:
      return decodeScrtmVersion(input)
    case EV.EV_IPL:
      return decodeIpl(input)
    case EV.EV_OMIT_BOOT_DEVICE_EVENTS:
      return fixedString(input, 'BOOT ATTEMPTS OMITTED')
    case EV.EV_EFI_HCRTM_EVENT:
      return fixedString(input, 'HCRTM')
    case EV.EV_NONHOST_INFO:
      return decodeNonHostInfo(input)
    case EV.EV_COMPACT_HASH:
      return textOrRaw(input, 'compact hash')
    case EV.EV_PLATFORM_CONFIG_FLAGS:
      return textOrRaw(input, 'platform configuration flags')
  }
  return { kind: 'raw' }
}
