/**
 * UEFI device paths (UEFI spec §10.3 node layouts, §10.6 text representation) rendered to the
 * standard text form, e.g.
 * `PciRoot(0x0)/Pci(0x1,0x1)/Sata(0x0,0xFFFF,0x0)/HD(1,GPT,<guid>,0x800,0x100000)/\EFI\BOOT\BOOTX64.EFI`.
 *
 * Every node is `{u8 Type; u8 SubType; u16 Length}` + body, Length including the 4-byte header.
 * A Length below 4 would never advance the cursor (Length 0 loops forever: attack L-01), so it
 * is an error, as is a Length past the end. The walk is iterative and the node count is capped
 * by `limits.maxItemsPerEvent`, so a 10 000-node path costs a bounded amount of work.
 *
 * Node bodies that do not fit their documented layout are still framed correctly, so they are
 * rendered generically as `Path(type,subtype,hex)` rather than failing the whole path.
 */
import { ByteReader } from '../../bytes/reader.js'
import { toHex } from '../../bytes/hex.js'
import { isBootproofError } from '../../errors.js'
import { DEFAULT_EVENTLOG_LIMITS, type EventLogLimits } from '../../limits.js'
import { malformed } from './common.js'
import { formatGuid, readGuid } from './guid.js'
import { asciiText, readAsciiz, stripNul, stripNul16, utf16Text } from './text.js'
import { messagingNode, n, vendorNode } from './device_path_nodes.js'

export interface DevicePathText {
  /** Nodes joined by `/`, instances by `,`. Empty for an empty path. */
  text: string
  /** The media file path(s) of the first instance joined into one path, e.g. `\EFI\BOOT\BOOTX64.EFI`. */
  filePath?: string
  nodeCount: number
}

const END_TYPE = 0x7f
const END_ENTIRE = 0xff
const END_INSTANCE = 0x01

/** EISA PNP ID (ACPI HID) in text: three compressed letters from the low half, product from the high half. */
function eisaId(hid: number): string {
  const vendor = hid & 0xffff
  const letters = String.fromCharCode(0x40 + ((vendor >> 10) & 0x1f), 0x40 + ((vendor >> 5) & 0x1f), 0x40 + (vendor & 0x1f))
  return `${letters}${((hid >>> 16) & 0xffff).toString(16).toUpperCase().padStart(4, '0')}`
}

const PNP = 0x41d0

function acpiNode(hid: number, uid: number): string {
  if ((hid & 0xffff) === PNP) {
    switch (hid >>> 16) {
      case 0x0a03:
        return `PciRoot(${n(uid)})`
      case 0x0a08:
        return `PcieRoot(${n(uid)})`
      case 0x0604:
        return `Floppy(${n(uid)})`
      case 0x0301:
        return `Keyboard(${n(uid)})`
      case 0x0501:
        return `Serial(${n(uid)})`
      case 0x0401:
        return `ParallelPort(${n(uid)})`
    }
    return `Acpi(${eisaId(hid)},${n(uid)})`
  }
  return `Acpi(${n(hid)},${n(uid)})`
}

/** Hardware Device Path (type 0x01). */
function hardwareNode(sub: number, b: ByteReader): string | undefined {
  switch (sub) {
    case 0x01: {
      const fn = b.u8('Pci.Function')
      const dev = b.u8('Pci.Device')
      return `Pci(${n(dev)},${n(fn)})`
    }
    case 0x02:
      return `PcCard(${n(b.u8('PcCard.Function'))})`
    case 0x03: {
      const type = b.u32le('MemoryMapped.Type')
      const start = b.u64le('MemoryMapped.Start')
      const end = b.u64le('MemoryMapped.End')
      return `MemoryMapped(${n(type)},${n(start)},${n(end)})`
    }
    case 0x04:
      return vendorNode('VenHw', b)
    case 0x05:
      return `Ctrl(${n(b.u32le('Controller.Number'))})`
    case 0x06: {
      const type = b.u8('BMC.InterfaceType')
      const base = b.u64le('BMC.BaseAddress')
      return `BMC(${n(type)},${n(base)})`
    }
  }
  return undefined
}

/** ACPI Device Path (type 0x02). */
function acpiPathNode(sub: number, b: ByteReader): string | undefined {
  switch (sub) {
    case 0x01: {
      const hid = b.u32le('Acpi.HID')
      const uid = b.u32le('Acpi.UID')
      return acpiNode(hid, uid)
    }
    case 0x02: {
      const hid = b.u32le('AcpiEx.HID')
      const uid = b.u32le('AcpiEx.UID')
      const cid = b.u32le('AcpiEx.CID')
      const hidStr = readAsciiz(b, 'AcpiEx.HIDSTR').text
      const uidStr = readAsciiz(b, 'AcpiEx.UIDSTR').text
      const cidStr = readAsciiz(b, 'AcpiEx.CIDSTR').text
      const id = (v: number): string => ((v & 0xffff) === PNP ? eisaId(v) : n(v))
      return `AcpiEx(${id(hid)},${id(cid)},${n(uid)},${hidStr},${cidStr},${uidStr})`
    }
    case 0x03: {
      const adrs: string[] = [n(b.u32le('AcpiAdr.ADR'))]
      while (b.remaining >= 4) adrs.push(n(b.u32le('AcpiAdr.ADR')))
      return `AcpiAdr(${adrs.join(',')})`
    }
  }
  return undefined
}

/** Media Device Path (type 0x04). `file` receives file-path node text. */
function mediaNode(sub: number, b: ByteReader, file: (s: string) => void): string | undefined {
  switch (sub) {
    case 0x01: {
      const part = b.u32le('HD.PartitionNumber')
      const start = b.u64le('HD.PartitionStart')
      const size = b.u64le('HD.PartitionSize')
      const sig = b.take(16, 'HD.Signature')
      b.u8('HD.MBRType')
      const sigType = b.u8('HD.SignatureType')
      let signature: string
      if (sigType === 0x01) signature = `MBR,${n(new DataView(sig.buffer, sig.byteOffset, 4).getUint32(0, true))}`
      else if (sigType === 0x02) signature = `GPT,${formatGuid(sig)}`
      else signature = `${sigType},0`
      return `HD(${part},${signature},${n(start)},${n(size)})`
    }
    case 0x02: {
      const entry = b.u32le('CDROM.BootEntry')
      const start = b.u64le('CDROM.PartitionStart')
      const size = b.u64le('CDROM.PartitionSize')
      return `CDROM(${n(entry)},${n(start)},${n(size)})`
    }
    case 0x03:
      return vendorNode('VenMedia', b)
    case 0x04: {
      const text = utf16Text(stripNul16(b.rest()).body).text
      file(text)
      return text
    }
    case 0x05:
      return `Media(${readGuid(b, 'Media.Protocol')})`
    case 0x06:
      return `FvFile(${readGuid(b, 'FvFile.Name')})`
    case 0x07:
      // UEFI §10.6.1.6 names the PIWG firmware-volume node `Fv(guid)`.
      return `Fv(${readGuid(b, 'Fv.Name')})`
    case 0x08: {
      b.skip(4, 'Offset.Reserved')
      const start = b.u64le('Offset.StartingOffset')
      const end = b.u64le('Offset.EndingOffset')
      return `Offset(${n(start)},${n(end)})`
    }
    case 0x09: {
      const start = b.u64le('RamDisk.StartingAddress')
      const end = b.u64le('RamDisk.EndingAddress')
      const type = readGuid(b, 'RamDisk.Type')
      const instance = b.u16le('RamDisk.Instance')
      return `RamDisk(${n(start)},${n(end)},${instance},${type})`
    }
  }
  return undefined
}

/** BIOS Boot Specification Device Path (type 0x05). */
function bbsNode(sub: number, b: ByteReader): string | undefined {
  if (sub !== 0x01) return undefined
  const type = b.u16le('BBS.DeviceType')
  const status = b.u16le('BBS.StatusFlag')
  const desc = asciiText(stripNul(b.rest()).body).text
  return `BBS(${n(type)},${desc},${n(status)})`
}

function nodeText(type: number, sub: number, body: ByteReader, file: (s: string) => void): string {
  // The generic form is only built when a node has no specific rendering (or does not fit it).
  const generic = (): string => `Path(${type},${sub},${toHex(body.bytes)})`
  let text: string | undefined
  try {
    if (type === 0x01) text = hardwareNode(sub, body)
    else if (type === 0x02) text = acpiPathNode(sub, body)
    else if (type === 0x03) text = messagingNode(sub, body)
    else if (type === 0x04) text = mediaNode(sub, body, file)
    else if (type === 0x05) text = bbsNode(sub, body)
  } catch (e) {
    // A node body shorter than its layout: the framing is intact, so show it generically.
    if (isBootproofError(e)) return generic()
    throw e
  }
  return text ?? generic()
}

/** Join file-path nodes into one path: `\EFI\BOOT` + `BOOTX64.EFI` → `\EFI\BOOT\BOOTX64.EFI`. */
function joinFilePath(parts: string[]): string | undefined {
  if (parts.length === 0) return undefined
  let out = ''
  for (const p of parts) {
    if (out === '' || out.endsWith('\\') || p.startsWith('\\')) out += p
    else out += `\\${p}`
  }
  return out.replace(/\\\\+/g, '\\')
}

export interface ReadDevicePathOptions {
  /**
   * EFI_LOAD_OPTION.FilePathList is a packed array of complete device paths (UEFI §3.1.3), so
   * an End-Entire node may be followed by another path; they are joined with `,`. Elsewhere
   * bytes after End-Entire are an error: the enclosing structure gives the exact length.
   */
  multiplePaths?: boolean
}

/** Render every node the reader has left. */
export function readDevicePath(r: ByteReader, limits: Pick<EventLogLimits, 'maxItemsPerEvent'>, options: ReadDevicePathOptions = {}): DevicePathText {
  const instances: string[][] = [[]]
  const fileParts: string[] = []
  let nodeCount = 0
  while (r.remaining > 0) {
    const at = r.offset
    const type = r.u8('DevicePath.Type')
    const sub = r.u8('DevicePath.SubType')
    const length = r.u16le('DevicePath.Length')
    if (length < 4) malformed(r, `device path node Length ${length} < 4 (would not advance)`, at)
    if (++nodeCount > limits.maxItemsPerEvent) r.limit('maxItemsPerEvent', nodeCount, limits.maxItemsPerEvent, at)
    const body = r.sub(length - 4, 'DevicePath.Node')
    if (type === END_TYPE && sub === END_ENTIRE) {
      if (r.remaining === 0) break
      if (!options.multiplePaths) malformed(r, `${r.remaining} byte(s) after the end of the device path`)
      instances.push([])
      continue
    }
    if (type === END_TYPE && sub === END_INSTANCE) {
      instances.push([])
      continue
    }
    const current = instances[instances.length - 1]!
    current.push(nodeText(type, sub, body, (s) => instances.length === 1 && fileParts.push(s)))
  }
  const text = instances
    .map((nodes) => nodes.join('/'))
    .filter((s, i) => s !== '' || i === 0)
    .join(',')
  const out: DevicePathText = { text, nodeCount }
  const filePath = joinFilePath(fileParts)
  if (filePath !== undefined) out.filePath = filePath
  return out
}

function standaloneReader(bytes: Uint8Array): ByteReader {
  return new ByteReader(bytes, { truncated: 'ERR_EVENTDATA_TRUNCATED', limit: 'ERR_EVENTDATA_LIMIT' })
}

/** Render a complete device path (throws the library's errors on malformed input). */
export function devicePathToText(bytes: Uint8Array, limits: Pick<EventLogLimits, 'maxItemsPerEvent'> = DEFAULT_EVENTLOG_LIMITS): string {
  return readDevicePath(standaloneReader(bytes), limits).text
}

/**
 * Just the media file path of a device path (`\EFI\debian\shimx64.efi`), or undefined when the
 * path has none or does not decode.
 */
export function devicePathFilePath(bytes: Uint8Array, limits: Pick<EventLogLimits, 'maxItemsPerEvent'> = DEFAULT_EVENTLOG_LIMITS): string | undefined {
  try {
    return readDevicePath(standaloneReader(bytes), limits).filePath
  } catch (e) {
    if (isBootproofError(e)) return undefined
    throw e
  }
}
