/**
 * Decoded event data: a tagged union keyed by `kind`. Decoders never throw on bad data: a
 * body that fails to decode becomes `{ kind: 'unparsed' }` with the error, and the raw bytes
 * stay on the event (attack L-01).
 *
 * Everything here is plain data. 64-bit addresses and lengths are `0x…` strings (JSON has no
 * 64-bit integers and BigInt does not serialise); byte strings are `Uint8Array` views into the
 * log, rendered as lowercase hex by the JSON serializer. Text read from the log is always an
 * unverified hint unless the event's digest equals H(data) (attack R-02).
 */
import type { EventLogLimits } from '../../limits.js'

export interface DecodeInput {
  eventType: number
  pcrIndex: number
  data: Uint8Array
  /** Absolute offset of `data[0]` in the log. */
  dataOffset: number
  eventIndex: number
  limits: EventLogLimits
}

export interface DecodeFailure {
  code: string
  message: string
  offset?: number
  /** The structure that failed, when it is one with its own finding (`EFI_SIGNATURE_LIST`: S-02). */
  structure?: string
}

// ---------------------------------------------------------------------------------------------
// Fallbacks

/** Kept as bytes only: no decoder for this type, or content with no structure to decode. */
export interface RawData {
  kind: 'raw'
  note?: string
}

/** The body does not match its declared structure; the raw bytes stay on the event. */
export interface UnparsedData {
  kind: 'unparsed'
  error: DecodeFailure
}

// ---------------------------------------------------------------------------------------------
// EV_NO_ACTION (PFP §10.4.5; TCG_EfiSpecIDEvent, TCG_EfiStartupLocalityEvent, SP800-155 Event)

/** TCG_EfiSpecIDEvent ("Spec ID Event03"). Reported as read; the parser validates it. */
export interface SpecIdData {
  kind: 'spec-id'
  signature: string
  platformClass: number
  specVersionMinor: number
  specVersionMajor: number
  specErrata: number
  uintnSize: number
  algorithms: { algId: number; digestSize: number }[]
  vendorInfo: Uint8Array
}

/** TPM 1.2-era Spec ID structures ("Spec ID Event00" / "Spec ID Event02"): no algorithm list. */
export interface LegacySpecIdData {
  kind: 'spec-id-legacy'
  signature: string
  platformClass: number
  specVersionMinor: number
  specVersionMajor: number
  specErrata: number
  /** uintnSize for Event02; a reserved byte for Event00. */
  uintnSize: number
  vendorInfo: Uint8Array
}

/** TCG_EfiStartupLocalityEvent: an unauthenticated hint about PCR 0's initial value. */
export interface StartupLocalityData {
  kind: 'startup-locality'
  locality: number
}

export interface Sp800155Locator {
  /** RimLocatorType / PlatformCertLocatorType: 0 raw, 1 URI, 2 device path, 3 UEFI variable. */
  type: number
  typeName: 'raw' | 'uri' | 'device-path' | 'uefi-variable' | 'unknown'
  data: Uint8Array
  /** URI text, or the device path rendered to text, when the type says so and it decodes. */
  text?: string
}

/** SP800-155 platform identifier events (PFP 1.06 §10.4.5): identify the platform and its RIM. */
export interface Sp800155Data {
  kind: 'sp800-155'
  signature: 'SP800-155 Event' | 'SP800-155 Event2' | 'SP800-155 Event3'
  vendorId: number
  referenceManifestGuid: string
  platformManufacturer: string
  platformModel: string
  platformVersion: string
  firmwareManufacturer: string
  firmwareManufacturerId: number
  firmwareVersion: string
  /** Number of zero bytes after the last field (seen in GCE firmware); not part of any field. */
  zeroPadding?: number
  /** Event3 only. */
  rimLocator?: Sp800155Locator
  /** Event3 only. */
  platformCertLocator?: Sp800155Locator
}

/** EV_NO_ACTION bodies whose layout this library does not interpret; the payload is kept. */
export interface NoActionPayloadData {
  kind: 'no-action-payload'
  signature: 'H-CRTM CompMeas' | 'NvIndexInstance' | 'NvIndexDynamic'
  /** Bytes after the 16-byte signature. */
  payload: Uint8Array
}

/** An EV_NO_ACTION body without a known signature (attack L-06: flag, never trust). */
export interface NoActionUnknownData {
  kind: 'no-action-unknown'
  /** The first (up to) 16 bytes, printable ASCII with escapes. */
  signaturePreview: string
}

// ---------------------------------------------------------------------------------------------
// Strings (PFP §10.4.1; shim / GRUB / systemd-stub EV_IPL, systemd docs/TPM2_PCR_MEASUREMENTS.md)

/** EV_EFI_ACTION / EV_ACTION: ASCII, no NUL; the digest must be H(exact bytes). */
export interface ActionData {
  kind: 'action'
  /** Decoded text; non-printable bytes are escaped as `\xNN`. */
  text: string
  /** False when the bytes contain anything outside 0x20-0x7E (a NUL included). */
  printable: boolean
  /** The text is one of the fixed strings the PFP defines (TCG PFP, EV_EFI_ACTION event data). */
  wellKnown: boolean
  /**
   * Set when the string is longer than `limits.maxDecodedTextBytes` (or is binary after a GRUB
   * prefix): `text` is only its start. The event's `data` keeps every byte; a reader that needs
   * the whole string (a command line) must not take `text` for it.
   */
  truncated?: true
}

/** A string body (S-CRTM contents/version, POST code descriptor, fixed-string events, …). */
export interface TextData {
  kind: 'text'
  /** Decoded text without the terminating NUL; non-printables escaped as `\xNN` / `\uNNNN`. */
  text: string
  encoding: 'ascii' | 'utf-16le'
  /** A terminating NUL was present (and stripped from `text`). */
  nulTerminated: boolean
  printable: boolean
  /** For events whose data is fixed by the spec ("HCRTM", "BOOT ATTEMPTS OMITTED"). */
  expected?: string
  /** Whether the data equals `expected` exactly (no NUL, no extra byte). */
  matchesExpected?: boolean
  /**
   * Set when the string is longer than `limits.maxDecodedTextBytes` (or is binary after a GRUB
   * prefix): `text` is only its start. The event's `data` keeps every byte; a reader that needs
   * the whole string (a command line) must not take `text` for it.
   */
  truncated?: true
}

/** A 16-byte EFI_GUID body (EV_S_CRTM_VERSION may be a GUID). */
export interface GuidData {
  kind: 'guid'
  guid: string
  guidName?: string
}

/** UEFI_PLATFORM_FIRMWARE_BLOB(2) and blob-form EV_POST_CODE / EV_S_CRTM_CONTENTS (TCG PFP). */
export interface FirmwareBlobData {
  kind: 'firmware-blob'
  /** BLOB2 only: the u8-length-prefixed description. */
  description?: string
  base: string
  length: string
}

/** EV_IPL: GRUB commands (PCR 8), file paths (PCR 9), systemd-stub UTF-16 strings, shim names. */
export interface IplData {
  kind: 'ipl'
  form: 'grub-command' | 'grub-kernel-cmdline' | 'grub-module-cmdline' | 'utf-16le' | 'text'
  /** The GRUB prefix that was recognised and removed from `text`. */
  prefix?: string
  text: string
  nulTerminated: boolean
  /**
   * UTF-16 text followed by one 0x00 byte, half a UTF-16 NUL: older systemd-boot logged its PCR 8
   * command line one byte short of the UTF-16 string with NUL that it hashed (real Arch Linux
   * logs). The digest covers `data` ‖ 0x00.
   */
  nulTruncated?: true
  printable: boolean
  /**
   * Set when the string is longer than `limits.maxDecodedTextBytes` (or is binary after a GRUB
   * prefix): `text` is only its start. The event's `data` keeps every byte; a reader that needs
   * the whole string (a command line) must not take `text` for it.
   */
  truncated?: true
}

/** GCE "GCE NonHostInfo\0" + confidential-technology byte (EV_NONHOST_INFO; google/go-tpm-tools server/policy_constants.go). */
export interface GceNonHostInfoData {
  kind: 'gce-nonhost-info'
  technology: number
  technologyName: string
}

// ---------------------------------------------------------------------------------------------
// EV_SEPARATOR (TCG PFP EV_SEPARATOR; attack R-03)

export interface SeparatorData {
  kind: 'separator'
  /**
   * `normal` 00000000; `ffffffff` (accepted as success by most verifiers; policy decides);
   * `error` u32 1; `wbcl` the Windows "WBCL" marker (PCR 12-14); `nonstandard` anything else.
   */
  meaning: 'normal' | 'ffffffff' | 'error' | 'wbcl' | 'nonstandard'
  /** The u32 value, when the data is exactly 4 bytes. */
  value?: number
  note?: string
}

// ---------------------------------------------------------------------------------------------
// UEFI variables (TCG PFP UEFI_VARIABLE_DATA; UEFI spec §3.3, §32.4)

/**
 * One EFI_SIGNATURE_DATA. `owner` is the SignatureOwner GUID; it is the empty string only for
 * an authority logged as a bare certificate (`ownerMissing`). `sha256` is the certificate's
 * SHA-256 fingerprint (lowercase hex of H(DER)), the value certificate deny-lists use.
 */
export type SignatureEntry =
  | { type: 'x509'; owner: string; ownerName?: string; der: Uint8Array; sha256: string }
  | { type: 'sha256'; owner: string; ownerName?: string; hash: string }
  /** Any other EFI_CERT_* type (SHA-1, RSA2048, X509_SHA*, …): kept raw. */
  | { type: 'other'; owner: string; ownerName?: string; data: Uint8Array }

export interface SignatureList {
  signatureType: string
  signatureTypeName?: string
  /** Vendor header length; the header is skipped, never read as entries (attack S-01). */
  headerSize: number
  signatureSize: number
  entries: SignatureEntry[]
}

export interface LoadOption {
  attributes: number
  /** LOAD_OPTION_ACTIVE (bit 0). */
  active: boolean
  description: string
  /** FilePathList rendered to UEFI text. */
  devicePath: string
  /** The media file path of the first instance (`\EFI\…`), if any. */
  filePath?: string
  optionalData: Uint8Array
}

export type VariableValue =
  /** One-byte modes and flags: SecureBoot, SetupMode, AuditMode, DeployedMode, MokSBState, … */
  | { type: 'uint8'; value: number }
  /** BootCurrent, BootNext, Timeout. */
  | { type: 'uint16'; value: number }
  /** PK, KEK, db, dbx, dbt, dbr, MokList*, *Default: a chain of EFI_SIGNATURE_LISTs. */
  | { type: 'signature-lists'; lists: SignatureList[]; certCount: number; hashCount: number; otherCount: number }
  /** EV_EFI_VARIABLE_AUTHORITY: the one EFI_SIGNATURE_DATA (or bare certificate) used. */
  | { type: 'signature-data'; entry: SignatureEntry; ownerMissing: boolean; note?: string }
  | { type: 'boot-order'; order: number[] }
  | { type: 'load-option'; option: LoadOption }
  /** Text variables such as shim's SbatLevel (`truncated` beyond `limits.maxDecodedTextBytes`). */
  | { type: 'text'; text: string; truncated?: true }
  /** Not a variable this library interprets (or an unrecognised (GUID, name) pair). */
  | { type: 'bytes' }

/** UEFI_VARIABLE_DATA in EV_EFI_VARIABLE_DRIVER_CONFIG / _BOOT / _BOOT2 / _AUTHORITY. */
export interface UefiVariableData {
  kind: 'uefi-variable'
  /** VariableName: the vendor GUID, in text form. */
  guid: string
  guidName?: string
  name: string
  /**
   * The variable this is, when the (GUID, name) pair is a recognised one (attack S-03), e.g.
   * `db` only under EFI_IMAGE_SECURITY_DATABASE. Undefined for any other pair.
   */
  known?: string
  /** VariableData (a view); EV_EFI_VARIABLE_BOOT digests cover only these bytes. */
  variableData: Uint8Array
  value: VariableValue
  /** Set when a documented firmware/shim quirk was tolerated (see variable.ts). */
  note?: string
}

// ---------------------------------------------------------------------------------------------
// Images, partitions, tables, tags

/** UEFI_IMAGE_LOAD_EVENT (TCG PFP). The digest is the Authenticode hash; this is a hint. */
export interface ImageLoadData {
  kind: 'image-load'
  imageBase: string
  imageLength: string
  linkTimeAddress: string
  devicePath: string
  filePath?: string
  /**
   * Bytes after the device path. shim and GRUB size this event from a C struct with a
   * one-element DevicePath array and leave 8-9 padding bytes (often with LengthOfDevicePath 0);
   * the data is a hint either way, so they are counted rather than rejected.
   */
  trailingBytes?: number
}

export interface GptPartition {
  typeGuid: string
  typeName?: string
  uniqueGuid: string
  startingLba: string
  endingLba: string
  attributes: string
  name: string
}

/** UEFI_GPT_DATA (TCG PFP). */
export interface GptData {
  kind: 'gpt'
  revision: number
  headerSize: number
  myLba: string
  alternateLba: string
  firstUsableLba: string
  lastUsableLba: string
  diskGuid: string
  partitionEntryLba: string
  numberOfPartitionEntries: number
  sizeOfPartitionEntry: number
  partitions: GptPartition[]
}

/** UEFI_HANDOFF_TABLE_POINTERS(2) (TCG PFP). */
export interface HandoffTablesData {
  kind: 'handoff-tables'
  /** TABLES2 only. */
  description?: string
  tables: { guid: string; guidName?: string; address: string }[]
}

export interface TaggedRecord {
  id: number
  /** systemd tag names (systemd docs/TPM2_PCR_MEASUREMENTS.md), when the ID is one of them. */
  idName?: string
  size: number
  data: Uint8Array
}

/**
 * EV_EVENT_TAG: a flat list of top-level {u32 id, u32 size, data} records (TCG PFP). systemd and
 * Linux write one TCG_PCClientTaggedEvent; Windows writes a sequence of SIPA TLVs, kept
 * uninterpreted here.
 */
export interface EventTagData {
  kind: 'event-tag'
  records: TaggedRecord[]
}

export type DecodedEventData =
  | RawData
  | UnparsedData
  | SpecIdData
  | LegacySpecIdData
  | StartupLocalityData
  | Sp800155Data
  | NoActionPayloadData
  | NoActionUnknownData
  | ActionData
  | TextData
  | GuidData
  | FirmwareBlobData
  | IplData
  | GceNonHostInfoData
  | SeparatorData
  | UefiVariableData
  | ImageLoadData
  | GptData
  | HandoffTablesData
  | EventTagData

export type DecodedKind = DecodedEventData['kind']
