/**
 * Event types whose data is a string, a descriptor or a short fixed structure (PFP §10.4.1;
 * EV_EFI_ACTION strings, UEFI_PLATFORM_FIRMWARE_BLOB(2), EV_S_CRTM_* / EV_NONHOST_INFO; GRUB
 * and systemd-stub EV_IPL, systemd docs/TPM2_PCR_MEASUREMENTS.md). Each decoder is exact about lengths and
 * NULs: the same bytes are hashed for the digest check, so silently trimming them would let a
 * display differ from what was measured. Text is decoded up to `limits.maxDecodedTextBytes` and
 * marked `truncated` beyond it; a long body that is mostly binary stays raw (`isBinaryText`), so
 * an EventSize grown over padding costs a scan, not an escaped copy (attack L-01).
 */
import { EV } from '../event_types.js'
import { expectEnd, hex64, readerFor } from './common.js'
import { formatGuid, guidName } from './guid.js'
import { asciiText, BINARY_PREVIEW_BYTES, isBinaryText, isPrintableAscii, looksLikeUtf16Ascii, stripNul, stripNul16, utf16Text, type DecodedText } from './text.js'
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

const maxText = (input: DecodeInput): number => input.limits.maxDecodedTextBytes

/** `{ truncated: true }` when only part of the string was decoded, to spread into the result. */
const truncation = (t: DecodedText): { truncated?: true } => (t.truncated ? { truncated: true } : {})

/** A string-typed body that is mostly binary: kept raw (its bytes stay on the event). */
function binaryBody(input: DecodeInput, what: string): DecodedEventData {
  return { kind: 'raw', note: `${what} of ${input.data.length} bytes is binary data, not text` }
}

/** EV_EFI_ACTION / EV_ACTION: ASCII without NUL; the digest is over exactly these bytes. */
export function decodeAction(input: DecodeInput): DecodedEventData {
  if (isBinaryText(input.data, maxText(input))) return binaryBody(input, 'action data')
  const t = asciiText(input.data, maxText(input))
  return { kind: 'action', text: t.text, printable: t.printable, wellKnown: t.printable && !t.truncated && WELL_KNOWN_ACTIONS.has(t.text), ...truncation(t) }
}

function asciiData(bytes: Uint8Array, maxBytes: number): TextData {
  const { body, nulTerminated } = stripNul(bytes)
  const t = asciiText(body, maxBytes)
  return { kind: 'text', text: t.text, encoding: 'ascii', nulTerminated, printable: t.printable, ...truncation(t) }
}

function utf16Data(bytes: Uint8Array, maxBytes: number): TextData {
  const { body, nulTerminated } = stripNul16(bytes)
  const t = utf16Text(body, maxBytes)
  return { kind: 'text', text: t.text, encoding: 'utf-16le', nulTerminated, printable: t.printable, ...truncation(t) }
}

/** ASCII text, optionally with one terminating NUL, and nothing else. */
function isAsciiString(bytes: Uint8Array): boolean {
  return bytes.length > 0 && isPrintableAscii(stripNul(bytes).body)
}

/** Data fixed by the spec: report whether it matches byte for byte (no NUL, no extra byte). */
function fixedString(input: DecodeInput, expected: string): DecodedEventData {
  if (isBinaryText(input.data, maxText(input))) return binaryBody(input, `data expected to be "${expected}"`)
  const t = asciiData(input.data, maxText(input))
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
  if (isAsciiString(input.data)) return asciiData(input.data, maxText(input))
  if (input.data.length === 16) return blob(input)
  return { kind: 'raw', note: `POST code data of ${input.data.length} bytes is neither a descriptor string nor a blob` }
}

/** EV_S_CRTM_CONTENTS: a NUL-terminated string ("Boot Guard Measured S-CRTM") or a blob. */
export function decodeScrtmContents(input: DecodeInput): DecodedEventData {
  if (isAsciiString(input.data)) return asciiData(input.data, maxText(input))
  if (input.data.length === 16) return blob(input)
  return { kind: 'raw', note: 'S-CRTM contents are neither a string nor a blob descriptor' }
}

/**
 * EV_S_CRTM_VERSION: a UCS-2 NUL-terminated string (GCE writes just the NUL, `00 00`) or a
 * 16-byte GUID. Some mock and legacy logs use plain ASCII; reported as such.
 */
export function decodeScrtmVersion(input: DecodeInput): DecodedEventData {
  const data = input.data
  if ((data.length === 2 && data[0] === 0 && data[1] === 0) || looksLikeUtf16Ascii(data)) return utf16Data(data, maxText(input))
  if (data.length === 16) {
    const guid = formatGuid(data)
    const name = guidName(guid)
    return name === undefined ? { kind: 'guid', guid } : { kind: 'guid', guid, guidName: name }
  }
  if (isAsciiString(data)) return asciiData(data, maxText(input))
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
    const t = asciiText(data.subarray(0, end), maxText(input))
    return { kind: 'text', text: t.text, encoding: 'ascii', nulTerminated: padded, printable: true, ...truncation(t) }
  }
  if (looksLikeUtf16Ascii(data)) {
    const t = utf16Text(data.subarray(0, end + (end % 2)), maxText(input))
    return { kind: 'text', text: t.text, encoding: 'utf-16le', nulTerminated: padded, printable: t.printable, ...truncation(t) }
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

/** Whether `bytes` start with the ASCII `prefix`. */
function startsWithAscii(bytes: Uint8Array, prefix: string): boolean {
  if (bytes.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix.charCodeAt(i)) return false
  return true
}

/**
 * EV_IPL: GRUB command lines with a prefix (PCR 8), GRUB file paths (PCR 9), systemd-stub
 * UTF-16LE section names and command lines (PCR 11/12), shim variable names (PCR 14). The text
 * is kept whole up to `maxDecodedTextBytes` (after the GRUB prefix, which is split off), else
 * `truncated`: a reader of the string (a kernel command line) must not take a prefix for the
 * whole. A body that is mostly binary and carries no GRUB prefix stays raw.
 */
export function decodeIpl(input: DecodeInput): DecodedEventData {
  const data = input.data
  const max = maxText(input)
  if (looksLikeUtf16Ascii(data)) {
    const { body, nulTerminated } = stripNul16(data)
    const t = utf16Text(body, max)
    return { kind: 'ipl', form: 'utf-16le', text: t.text, nulTerminated, printable: t.printable, ...truncation(t) }
  }
  // Older systemd-boot (PCR 8): UTF-16 text and one byte of its NUL terminator (see IplData.nulTruncated).
  if (data.length % 2 === 1 && data[data.length - 1] === 0 && looksLikeUtf16Ascii(data.subarray(0, data.length - 1))) {
    const t = utf16Text(stripNul16(data.subarray(0, data.length - 1)).body, max)
    return { kind: 'ipl', form: 'utf-16le', text: t.text, nulTerminated: false, nulTruncated: true, printable: t.printable, ...truncation(t) }
  }
  const { body, nulTerminated } = stripNul(data)
  const grub = GRUB_PREFIXES.find(([prefix]) => startsWithAscii(body, prefix))
  const rest = grub ? body.subarray(grub[0].length) : body
  const binary = isBinaryText(rest, max)
  if (binary && !grub) return binaryBody(input, 'EV_IPL data')
  // Binary after a GRUB prefix keeps the prefix (the digest binds the suffix) and shows its start only.
  const t = asciiText(rest, binary ? BINARY_PREVIEW_BYTES : max)
  const common = { text: t.text, nulTerminated, printable: t.printable, ...truncation(t) }
  return grub ? { kind: 'ipl', form: grub[1], prefix: grub[0], ...common } : { kind: 'ipl', form: 'text', ...common }
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
