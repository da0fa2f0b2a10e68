/**
 * Device path node text, part 2 (UEFI §10.3, §10.6 text forms): the shared number / vendor
 * formatters and the Messaging nodes (type 0x03), the largest family. Split from
 * device_path.ts to keep each file readable; device_path.ts walks the path and owns the rest.
 */
import type { ByteReader } from '../../bytes/reader.js'
import { toHex } from '../../bytes/hex.js'
import { readGuid } from './guid.js'
import { asciiText, stripNul, stripNul16, utf16Text } from './text.js'

/** Numbers in the UEFI text form: `0x` + uppercase hex. */
export function n(v: number | bigint): string {
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

export function vendorNode(prefix: string, b: ByteReader): string {
  const guid = readGuid(b, 'Vendor.Guid')
  const rest = b.rest()
  return rest.length > 0 ? `${prefix}(${guid},${toHex(rest)})` : `${prefix}(${guid})`
}

/** Messaging Device Path (type 0x03). */
export function messagingNode(sub: number, b: ByteReader): string | undefined {
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
