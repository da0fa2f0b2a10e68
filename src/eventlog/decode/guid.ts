/**
 * EFI_GUID (UEFI spec Appendix A, EFI_GUID): 16 bytes, mixed-endian. Data1 (u32),
 * Data2 and Data3 (u16) are little-endian, Data4 is eight bytes in order. Text form is
 * `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lowercase. Tools that printed the bytes in storage
 * order (tpm2-tools < 5.2) produced strings that must never be matched against these.
 */
import type { ByteReader } from '../../bytes/reader.js'
import { toHex } from '../../bytes/hex.js'

const DIGITS = '0123456789abcdef'
const HI = new Uint16Array(256)
const LO = new Uint16Array(256)
for (let i = 0; i < 256; i++) {
  HI[i] = DIGITS.charCodeAt(i >> 4)
  LO[i] = DIGITS.charCodeAt(i & 15)
}
/** Character codes of the text form, reused by every call ('-' at 8, 13, 18, 23). */
const CODES: number[] = new Array<number>(36).fill(0x2d)
/** Byte order of the text form: Data1..3 little-endian, Data4 in storage order. */
const ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15]
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]

/**
 * Text form of the 16 bytes at `bytes[0..16)`; the caller guarantees the length. Built as one
 * flat string (GUIDs are formatted and then looked up in name tables for nearly every event).
 */
export function formatGuid(bytes: Uint8Array): string {
  if (bytes.length < 16) return formatPartialGuid(bytes)
  return formatGuidAt(bytes, 0)
}

/** formatGuid of bytes[at..at+16); the caller guarantees the bounds. */
function formatGuidAt(bytes: Uint8Array, at: number): string {
  const c = CODES
  for (let i = 0; i < 16; i++) {
    const b = bytes[at + ORDER[i]!]!
    const k = AT[i]!
    c[k] = HI[b]!
    c[k + 1] = LO[b]!
  }
  return String.fromCharCode.apply(null, c)
}

/** Outside the contract (fewer than 16 bytes): the historical rendering, kept for compatibility. */
function formatPartialGuid(bytes: Uint8Array): string {
  const h = toHex(bytes)
  const swap = (s: string): string => s.match(/../g)!.reverse().join('')
  return `${swap(h.slice(0, 8))}-${swap(h.slice(8, 12))}-${swap(h.slice(12, 16))}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

export function readGuid(r: ByteReader, field: string): string {
  // Same bounds check and error as r.take(16, field), without allocating a view.
  r.need(16, field)
  const at = r.pos
  r.pos = at + 16
  return formatGuidAt(r.bytes, at)
}

/** Vendor GUIDs of UEFI variables (the first half of a variable's identity, attack S-03). */
export const EFI_GLOBAL_VARIABLE = '8be4df61-93ca-11d2-aa0d-00e098032b8c'
export const EFI_IMAGE_SECURITY_DATABASE = 'd719b2cb-3d3a-4596-a3bc-dad00e67656f'
export const SHIM_LOCK_GUID = '605dab50-e046-4300-abb6-3dd810dd8b23'

/** EFI_SIGNATURE_LIST types (UEFI spec §32.4.1). */
export const EFI_CERT_SHA256_GUID = 'c1c41626-504c-4092-aca9-41f936934328'
export const EFI_CERT_X509_GUID = 'a5c059a1-94e4-4aa7-87b5-ab155c2bf072'

const NAMES: ReadonlyMap<string, string> = new Map([
  // Variable namespaces.
  [EFI_GLOBAL_VARIABLE, 'EFI_GLOBAL_VARIABLE'],
  [EFI_IMAGE_SECURITY_DATABASE, 'EFI_IMAGE_SECURITY_DATABASE'],
  [SHIM_LOCK_GUID, 'SHIM_LOCK'],
  ['77fa9abd-0359-4d32-bd60-28f4e78f784b', 'MICROSOFT'],
  ['4a67b082-0a4c-41cf-b6c7-440b29bb8c4f', 'SYSTEMD_BOOT_LOADER'],
  // Signature types.
  [EFI_CERT_SHA256_GUID, 'EFI_CERT_SHA256'],
  [EFI_CERT_X509_GUID, 'EFI_CERT_X509'],
  ['3c5766e8-269c-4e34-aa14-ed776e85b3b6', 'EFI_CERT_RSA2048'],
  ['e2b36190-879b-4a3d-ad8d-f2e7bba32784', 'EFI_CERT_RSA2048_SHA256'],
  ['826ca512-cf10-4ac9-b187-be01496631bd', 'EFI_CERT_SHA1'],
  ['67f8444f-8743-48f1-a328-1eaab8736080', 'EFI_CERT_RSA2048_SHA1'],
  ['0b6e5233-a65c-44c9-9407-d9ab83bfc8bd', 'EFI_CERT_SHA224'],
  ['ff3e5307-9fd0-48c9-85f1-8ad56c701e01', 'EFI_CERT_SHA384'],
  ['093e0fae-a6c4-4f50-9f1b-d41e2b89c19a', 'EFI_CERT_SHA512'],
  ['3bd2a492-96c0-4079-b420-fcf98ef103ed', 'EFI_CERT_X509_SHA256'],
  ['7076876e-80c2-4ee6-aad2-28b349a6865b', 'EFI_CERT_X509_SHA384'],
  ['446dbf63-2502-4cda-bcfa-2465d2b0fe9d', 'EFI_CERT_X509_SHA512'],
  ['4aafd29d-68df-49ee-8aa9-347d375665a7', 'EFI_CERT_TYPE_PKCS7'],
  // Configuration tables (EV_EFI_HANDOFF_TABLES).
  ['eb9d2d31-2d88-11d3-9a16-0090273fc14d', 'SMBIOS_TABLE'],
  ['f2fd1544-9794-4a2c-992e-e5bbcf20e394', 'SMBIOS3_TABLE'],
  ['eb9d2d30-2d88-11d3-9a16-0090273fc14d', 'ACPI_TABLE'],
  ['8868e871-e4f1-11d3-bc22-0080c73c8881', 'ACPI_20_TABLE'],
  // GPT partition types.
  ['c12a7328-f81f-11d2-ba4b-00a0c93ec93b', 'EFI System Partition'],
  ['21686148-6449-6e6f-744e-656564454649', 'BIOS boot'],
  ['e3c9e316-0b5c-4db8-817d-f92df00215ae', 'Microsoft reserved'],
  ['ebd0a0a2-b9e5-4433-87c0-68b6b72699c7', 'Microsoft basic data'],
  ['de94bba4-06d1-4d40-a16a-bfd50179d6ac', 'Windows recovery'],
  ['0fc63daf-8483-4772-8e79-3d69d8477de4', 'Linux filesystem'],
  ['0657fd6d-a4ab-43c4-84e5-0933c84b4f4f', 'Linux swap'],
  ['e6d6d379-f507-44c2-a23c-238f2a3df928', 'Linux LVM'],
  ['a19d880f-05fc-4d3b-a006-743f0f84911e', 'Linux RAID'],
  ['4f68bce3-e8cd-4db1-96e7-fbcaf984b709', 'Linux root (x86-64)'],
  ['933ac7e1-2eb4-4f13-b844-0e14e2aef915', 'Linux home'],
  ['bc13c2ff-59e6-4262-a352-b275fd6f7172', 'Linux extended boot'],
])

/** Name of a well-known GUID, or undefined. */
export function guidName(guid: string): string | undefined {
  return NAMES.get(guid)
}

/** `{ guid, guidName? }` without an `undefined`-valued key. */
export function namedGuid<K extends string>(guid: string, nameKey: K): { [P in K]?: string } {
  const name = NAMES.get(guid)
  return (name === undefined ? {} : { [nameKey]: name }) as { [P in K]?: string }
}
