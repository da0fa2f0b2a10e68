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

/** Numbers in the UEFI text form: `0x` + uppercase hex. */
function n(v: number | bigint): string {
  return `0x${v.toString(16).toUpperCase()}`
}

function ipv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`
}

function ipv6(b: Uint8Array): string {
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16))
  return groups.join(':')
}

function protocolName(p: number): string {
  return p === 6 ? 'TCP' : p === 17 ? 'UDP' : n(p)
}

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

function vendorNode(prefix: string, b: ByteReader): string {
  const guid = readGuid(b, 'Vendor.Guid')
  const rest = b.rest()
  return rest.length > 0 ? `${prefix}(${guid},${toHex(rest)})` : `${prefix}(${guid})`
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

/** Messaging Device Path (type 0x03). */
function messagingNode(sub: number, b: ByteReader): string | undefined {
  switch (sub) {
    case 0x01: {
      const ps = b.u8('Atapi.PrimarySecondary')
      const ms = b.u8('Atapi.SlaveMaster')
      const lun = b.u16le('Atapi.Lun')
      return `Ata(${ps === 0 ? 'Primary' : 'Secondary'},${ms === 0 ? 'Master' : 'Slave'},${n(lun)})`
    }
    case 0x02: {
      const pun = b.u16le('Scsi.Pun')
      const lun = b.u16le('Scsi.Lun')
      return `Scsi(${n(pun)},${n(lun)})`
    }
    case 0x03: {
      b.skip(4, 'Fibre.Reserved')
      const wwn = b.u64le('Fibre.WWN')
      const lun = b.u64le('Fibre.Lun')
      return `Fibre(${n(wwn)},${n(lun)})`
    }
    case 0x04: {
      b.skip(4, '1394.Reserved')
      return `I1394(${n(b.u64le('1394.Guid'))})`
    }
    case 0x05: {
      const port = b.u8('Usb.ParentPortNumber')
      const iface = b.u8('Usb.InterfaceNumber')
      return `USB(${n(port)},${n(iface)})`
    }
    case 0x06:
      return `I2O(${n(b.u32le('I2O.Tid'))})`
    case 0x0a:
      return vendorNode('VenMsg', b)
    case 0x0b: {
      const mac = b.take(32, 'Mac.MacAddress')
      const ifType = b.u8('Mac.IfType')
      // Ethernet (IfType 0/1) uses the first six bytes of the 32-byte field.
      const len = ifType === 0 || ifType === 1 ? 6 : 32
      return `MAC(${toHex(mac.subarray(0, len))},${n(ifType)})`
    }
    case 0x0c: {
      const local = b.take(4, 'IPv4.LocalIp')
      const remote = b.take(4, 'IPv4.RemoteIp')
      b.skip(4, 'IPv4.Ports')
      const proto = b.u16le('IPv4.Protocol')
      const isStatic = b.u8('IPv4.StaticIpAddress')
      let out = `IPv4(${ipv4(remote)},${protocolName(proto)},${isStatic ? 'Static' : 'DHCP'},${ipv4(local)}`
      // UEFI 2.3+ appends gateway and subnet mask (node Length 27).
      if (b.remaining >= 8) out += `,${ipv4(b.take(4, 'IPv4.Gateway'))},${ipv4(b.take(4, 'IPv4.SubnetMask'))}`
      return `${out})`
    }
    case 0x0d: {
      const local = b.take(16, 'IPv6.LocalIp')
      const remote = b.take(16, 'IPv6.RemoteIp')
      b.skip(4, 'IPv6.Ports')
      const proto = b.u16le('IPv6.Protocol')
      const origin = b.u8('IPv6.IpAddressOrigin')
      const originText = origin === 0 ? 'Static' : origin === 1 ? 'StatelessAutoConfigure' : origin === 2 ? 'StatefulAutoConfigure' : n(origin)
      let out = `IPv6(${ipv6(remote)},${protocolName(proto)},${originText},${ipv6(local)}`
      if (b.remaining >= 17) out += `,${b.u8('IPv6.PrefixLength')},${ipv6(b.take(16, 'IPv6.GatewayIp'))}`
      return `${out})`
    }
    case 0x0f: {
      const vid = b.u16le('UsbClass.VendorId')
      const pid = b.u16le('UsbClass.ProductId')
      const cls = b.u8('UsbClass.DeviceClass')
      const subcls = b.u8('UsbClass.DeviceSubClass')
      const proto = b.u8('UsbClass.DeviceProtocol')
      return `UsbClass(${n(vid)},${n(pid)},${n(cls)},${n(subcls)},${n(proto)})`
    }
    case 0x10: {
      const iface = b.u16le('UsbWwid.InterfaceNumber')
      const vid = b.u16le('UsbWwid.VendorId')
      const pid = b.u16le('UsbWwid.ProductId')
      const serial = utf16Text(stripNul16(b.rest()).body).text
      return `UsbWwid(${n(vid)},${n(pid)},${n(iface)},"${serial}")`
    }
    case 0x11:
      return `Unit(${n(b.u8('Unit.Lun'))})`
    case 0x12: {
      const hba = b.u16le('Sata.HBAPortNumber')
      const pm = b.u16le('Sata.PortMultiplierPortNumber')
      const lun = b.u16le('Sata.Lun')
      return `Sata(${n(hba)},${n(pm)},${n(lun)})`
    }
    case 0x14:
      return `Vlan(${b.u16le('Vlan.VlanId')})`
    case 0x17: {
      const nsid = b.u32le('NVMe.NamespaceId')
      const eui = b.take(8, 'NVMe.EUI64')
      // The EUI-64 is stored as a little-endian UINT64: print most significant byte first.
      const bytes: string[] = []
      for (let i = 7; i >= 0; i--) bytes.push(eui[i]!.toString(16).toUpperCase().padStart(2, '0'))
      return `NVMe(${n(nsid)},${bytes.join('-')})`
    }
    case 0x18:
      return `Uri(${asciiText(stripNul(b.rest()).body).text})`
    case 0x19: {
      const pun = b.u8('Ufs.Pun')
      const lun = b.u8('Ufs.Lun')
      return `UFS(${n(pun)},${n(lun)})`
    }
    case 0x1a:
      return `SD(${n(b.u8('Sd.SlotNumber'))})`
    case 0x1c: {
      const ssid = b.take(32, 'WiFi.SSId')
      let end = ssid.indexOf(0)
      if (end < 0) end = 32
      return `Wi-Fi(${asciiText(ssid.subarray(0, end)).text})`
    }
    case 0x1d:
      return `eMMC(${n(b.u8('Emmc.SlotNumber'))})`
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
