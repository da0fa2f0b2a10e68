/**
 * A TCG event-log writer for your own unit tests (`bootproof/testing`).
 *
 * Writes crypto-agile logs (Spec ID Event03 + TCG_PCR_EVENT2, PC Client PFP 1.06 §10) with real
 * digests in every declared bank, records where each record sits, and computes the PCR values
 * the log replays to from its own event list (not by parsing the bytes), so a test can compare
 * the library against an independent answer. All integers little-endian.
 */
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import { digestSize, hashAlgId, type HashAlgName } from '../alg.js'
import { concatBytes, toHex } from '../bytes/hex.js'
import { EV } from '../eventlog/event_types.js'

// ---------------------------------------------------------------------------------------------
// Bytes

export { concatBytes }

function le(size: 1 | 2 | 4 | 8, v: number | bigint): Uint8Array {
  const b = new Uint8Array(size)
  const dv = new DataView(b.buffer)
  if (size === 1) dv.setUint8(0, Number(v) & 0xff)
  else if (size === 2) dv.setUint16(0, Number(v), true)
  else if (size === 4) dv.setUint32(0, Number(v) >>> 0, true)
  else dv.setBigUint64(0, BigInt(v), true)
  return b
}

export const u32le = (v: number): Uint8Array => le(4, v)
export const u64le = (v: number | bigint): Uint8Array => le(8, v)

export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff)
}

export function utf16le(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2)
  for (let i = 0; i < s.length; i++) {
    out[2 * i] = s.charCodeAt(i) & 0xff
    out[2 * i + 1] = s.charCodeAt(i) >> 8
  }
  return out
}

/** Deterministic filler bytes (xorshift32 from `seed`): stand-ins for images and blobs. */
export function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed >>> 0 || 0x9e3779b9
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

/** EFI_GUID text → 16 bytes, mixed-endian (first three fields little-endian). */
export function guidBytes(text: string): Uint8Array {
  const h = text.replace(/-/g, '')
  if (!/^[0-9a-fA-F]{32}$/.test(h)) throw new TypeError(`not a GUID: ${text}`)
  const b = Uint8Array.from(h.match(/../g)!, (x) => parseInt(x, 16))
  return concatBytes(Uint8Array.of(b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!), b.subarray(8))
}

export const GUID = {
  EFI_GLOBAL_VARIABLE: '8be4df61-93ca-11d2-aa0d-00e098032b8c',
  EFI_IMAGE_SECURITY_DATABASE: 'd719b2cb-3d3a-4596-a3bc-dad00e67656f',
  EFI_CERT_SHA256: 'c1c41626-504c-4092-aca9-41f936934328',
  OWNER: '77fa9abd-0359-4d32-bd60-28f4e78f784b',
} as const

// ---------------------------------------------------------------------------------------------
// Events

/** One record to write. `data` is the event data; digests are computed over `hashed ?? data`. */
export interface LogEvent {
  pcr: number
  type: number
  data?: Uint8Array
  /** Bytes the digests are computed over when they differ from `data` (a PE image, VariableData). */
  hashed?: Uint8Array
  /** Explicit digests per bank (win over computed ones), e.g. to make a log that lies. */
  digests?: Partial<Record<HashAlgName, Uint8Array>>
}

/** UEFI_VARIABLE_DATA: GUID, u64 name length, u64 data length, UTF-16LE name, data. */
export function uefiVariableData(name: string, data: Uint8Array = new Uint8Array(0), guid: string = GUID.EFI_GLOBAL_VARIABLE): Uint8Array {
  return concatBytes(guidBytes(guid), u64le(name.length), u64le(data.length), utf16le(name), data)
}

/** EFI_SIGNATURE_LIST of EFI_CERT_SHA256 entries (one per 32-byte hash). */
export function sha256SignatureList(hashes: Uint8Array[], owner: string = GUID.OWNER): Uint8Array {
  const body = concatBytes(...hashes.map((h) => concatBytes(guidBytes(owner), h)))
  return concatBytes(guidBytes(GUID.EFI_CERT_SHA256), u32le(28 + body.length), u32le(0), u32le(16 + 32), body)
}

/** Event constructors for the common UEFI measurements. */
export const events = {
  separator: (pcr: number, value = 0): LogEvent => ({ pcr, type: EV.EV_SEPARATOR, data: u32le(value) }),
  efiAction: (pcr: number, text: string): LogEvent => ({ pcr, type: EV.EV_EFI_ACTION, data: ascii(text) }),
  /** EV_S_CRTM_VERSION (PCR 0): UTF-16 version string with its NUL. */
  scrtmVersion: (version = '1.00'): LogEvent => ({ pcr: 0, type: EV.EV_S_CRTM_VERSION, data: utf16le(`${version}\0`) }),
  /** EV_EFI_PLATFORM_FIRMWARE_BLOB: {base, length}; the digest is of the (stand-in) region. */
  firmwareBlob: (region: Uint8Array, base = 0xffc00000, pcr = 0): LogEvent => ({ pcr, type: EV.EV_EFI_PLATFORM_FIRMWARE_BLOB, data: concatBytes(u64le(base), u64le(region.length)), hashed: region }),
  /** EV_EFI_VARIABLE_DRIVER_CONFIG (PCR 7): the digest covers the whole UEFI_VARIABLE_DATA. */
  driverConfig: (name: string, data: Uint8Array, guid?: string, pcr = 7): LogEvent => ({ pcr, type: EV.EV_EFI_VARIABLE_DRIVER_CONFIG, data: uefiVariableData(name, data, guid) }),
  secureBoot: (enabled: boolean): LogEvent => events.driverConfig('SecureBoot', Uint8Array.of(enabled ? 1 : 0)),
  /** EV_EFI_VARIABLE_BOOT (PCR 1): edk2 hashes VariableData only. */
  variableBoot: (name: string, data: Uint8Array): LogEvent => ({ pcr: 1, type: EV.EV_EFI_VARIABLE_BOOT, data: uefiVariableData(name, data), hashed: data }),
  /** EV_EFI_VARIABLE_AUTHORITY (PCR 7): the db entry that authorized an image. */
  authority: (entry: Uint8Array, name = 'db', guid: string = GUID.EFI_IMAGE_SECURITY_DATABASE): LogEvent => ({ pcr: 7, type: EV.EV_EFI_VARIABLE_AUTHORITY, data: uefiVariableData(name, entry, guid) }),
  /**
   * EV_EFI_BOOT_SERVICES_APPLICATION (PCR 4). `image` stands in for the PE image: the digest is
   * H(image), where a real log holds the Authenticode hash.
   */
  bootApplication: (image: Uint8Array, pcr = 4): LogEvent => ({
    pcr,
    type: EV.EV_EFI_BOOT_SERVICES_APPLICATION,
    data: concatBytes(u64le(0x7e000000), u64le(image.length), u64le(0), u64le(4), Uint8Array.of(0x7f, 0xff, 0x04, 0x00)),
    hashed: image,
  }),
  /** EV_IPL (PCR 8 / 9 by GRUB, shim): an ASCII string with its NUL. */
  ipl: (pcr: number, text: string): LogEvent => ({ pcr, type: EV.EV_IPL, data: ascii(`${text}\0`), hashed: ascii(text) }),
}

export const EFI_ACTIONS = {
  CALLING_EFI_APP: 'Calling EFI Application from Boot Option',
  EBS_INVOCATION: 'Exit Boot Services Invocation',
  EBS_SUCCESS: 'Exit Boot Services Returned with Success',
} as const

export interface StandardBootOptions {
  /** Default true. */
  secureBoot?: boolean
  /** Seed of the stand-in firmware volumes, PCR 0 (change it to model a firmware update). */
  firmwareSeed?: number
  /** Seed of the stand-in boot-application images, PCR 4 (change it to model a bootloader update). */
  bootSeed?: number
}

/**
 * A small UEFI boot in edk2 order: S-CRTM version and two firmware blobs (PCR 0), SecureBoot / PK
 * / KEK / db / dbx (PCR 7), BootOrder and Boot0000 (PCR 1), "Calling EFI Application" (PCR 4),
 * separators 0-7, two boot applications with their db authority, ExitBootServices (PCR 5).
 */
export function standardBoot(o: StandardBootOptions = {}): LogEvent[] {
  const fw = o.firmwareSeed ?? 1
  const boot = o.bootSeed ?? 1
  const db = GUID.EFI_IMAGE_SECURITY_DATABASE
  const list = (n: number, s: number) => sha256SignatureList(Array.from({ length: n }, (_, i) => pseudoRandomBytes(32, s + i)))
  return [
    events.scrtmVersion(),
    events.firmwareBlob(pseudoRandomBytes(4096, fw * 16 + 1)),
    events.firmwareBlob(pseudoRandomBytes(4096, fw * 16 + 2), 0xffd00000),
    events.secureBoot(o.secureBoot ?? true),
    events.driverConfig('PK', list(1, 0x504b)),
    events.driverConfig('KEK', list(1, 0x4b454b)),
    events.driverConfig('db', list(2, 0x6462), db),
    events.driverConfig('dbx', list(2, 0x646278), db),
    events.variableBoot('BootOrder', Uint8Array.of(0, 0)),
    events.variableBoot('Boot0000', concatBytes(u32le(1), Uint8Array.of(4, 0), utf16le('disk\0'), Uint8Array.of(0x7f, 0xff, 0x04, 0x00))),
    events.efiAction(4, EFI_ACTIONS.CALLING_EFI_APP),
    ...[7, 0, 1, 2, 3, 4, 5, 6].map((p) => events.separator(p)),
    events.bootApplication(pseudoRandomBytes(2048, boot * 16 + 3)),
    events.authority(concatBytes(guidBytes(GUID.OWNER), pseudoRandomBytes(32, 0x6462))),
    events.bootApplication(pseudoRandomBytes(2048, boot * 16 + 4)),
    events.efiAction(5, EFI_ACTIONS.EBS_INVOCATION),
    events.efiAction(5, EFI_ACTIONS.EBS_SUCCESS),
  ]
}

// ---------------------------------------------------------------------------------------------
// The log

export interface BuildEventLogOptions {
  /** Banks every record carries a digest for. Default sha1 + sha256. */
  banks?: HashAlgName[]
  events: LogEvent[]
  /** Hash implementation (default: the library's). */
  hash?: HashProvider
}

/** Where a written record sits (absolute byte offsets). */
export interface RecordLayout {
  /** Record index, 0 = the Spec ID record. */
  index: number
  offset: number
  end: number
  dataOffset: number
  dataLength: number
}

export interface BuiltEventLog {
  bytes: Uint8Array
  records: RecordLayout[]
  banks: HashAlgName[]
  events: LogEvent[]
  /** What the log replays to, from the event list: `{bank: {pcr: hex}}` for every extended PCR. */
  pcrs: Record<string, Record<string, string>>
}

/** The digest a record carries for `event` in `bank`. */
export function eventDigest(event: LogEvent, bank: HashAlgName, hash: HashProvider = defaultHashProvider()): Uint8Array {
  const explicit = event.digests?.[bank]
  if (explicit) return explicit
  if (event.type === EV.EV_NO_ACTION) return new Uint8Array(digestSize(bank))
  return hash.digest(bank, event.hashed ?? event.data ?? new Uint8Array(0))
}

function specIdData(banks: HashAlgName[]): Uint8Array {
  return concatBytes(
    ascii('Spec ID Event03\0'),
    u32le(0), // platformClass
    Uint8Array.of(0, 2, 0, 2), // specVersionMinor, Major, errata, uintnSize
    u32le(banks.length),
    ...banks.map((b) => concatBytes(le(2, hashAlgId(b)), le(2, digestSize(b)))),
    Uint8Array.of(0), // vendorInfoSize
  )
}

/** Build a crypto-agile log whose digests are real in every bank of `banks`. */
export function buildEventLog(o: BuildEventLogOptions): BuiltEventLog {
  const banks = o.banks ?? ['sha1', 'sha256']
  const hash = o.hash ?? defaultHashProvider()
  const parts: Uint8Array[] = []
  const records: RecordLayout[] = []
  let pos = 0
  const put = (b: Uint8Array) => {
    parts.push(b)
    pos += b.length
  }
  // Spec ID record: TCG_PCR_EVENT (SHA-1 layout), PCR 0, EV_NO_ACTION, zero digest.
  const spec = specIdData(banks)
  put(concatBytes(u32le(0), u32le(EV.EV_NO_ACTION), new Uint8Array(20), u32le(spec.length)))
  records.push({ index: 0, offset: 0, end: pos + spec.length, dataOffset: pos, dataLength: spec.length })
  put(spec)
  o.events.forEach((ev, i) => {
    const data = ev.data ?? new Uint8Array(0)
    const offset = pos
    put(concatBytes(u32le(ev.pcr), u32le(ev.type), u32le(banks.length)))
    for (const b of banks) put(concatBytes(le(2, hashAlgId(b)), eventDigest(ev, b, hash)))
    put(u32le(data.length))
    records.push({ index: i + 1, offset, end: pos + data.length, dataOffset: pos, dataLength: data.length })
    put(data)
  })
  return { bytes: concatBytes(...parts), records, banks: [...banks], events: o.events, pcrs: expectedPcrs(o.events, banks, hash) }
}

/**
 * Replay a list of events (not bytes): EV_NO_ACTION and PCRs above 23 are not extended; PCR 0
 * starts at zero (no StartupLocality), 17-22 at all-ones.
 */
export function expectedPcrs(list: LogEvent[], banks: HashAlgName[], hash: HashProvider = defaultHashProvider()): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  for (const bank of banks) {
    const regs = new Map<number, Uint8Array>()
    for (const ev of list) {
      if (ev.type === EV.EV_NO_ACTION || ev.pcr > 23) continue
      const cur = regs.get(ev.pcr) ?? new Uint8Array(digestSize(bank)).fill(ev.pcr >= 17 && ev.pcr <= 22 ? 0xff : 0)
      regs.set(ev.pcr, hash.digest2(bank, cur, eventDigest(ev, bank, hash)))
    }
    out[bank] = Object.fromEntries([...regs].sort((a, b) => a[0] - b[0]).map(([p, v]) => [String(p), toHex(v)]))
  }
  return out
}
