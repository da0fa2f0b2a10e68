import { describe, it, expect } from 'vitest'
import { EV } from '../../../src/eventlog/event_types.js'
import { decodeEventData, devicePathFilePath, devicePathToText } from '../../../src/eventlog/decode/index.js'
import { DEFAULT_EVENTLOG_LIMITS } from '../../../src/limits.js'
import { END, ascii, cat, guid, hexBytes, input, node, u16, u32, u64, utf16 } from './helpers.js'

const ESP = '0c7a1a2d-4e1f-4b5c-9d3e-112233445566'

/** PciRoot(0x0)/Pci(0x1,0x1)/Sata(0x0,0xFFFF,0x0)/HD(1,GPT,…,0x800,0x100000)/\EFI\BOOT\BOOTX64.EFI */
function sataBootPath(): Uint8Array {
  return cat(
    node(2, 1, cat(u32(0x0a0341d0), u32(0))),
    node(1, 1, [0x01, 0x01]),
    node(3, 0x12, cat(u16(0), u16(0xffff), u16(0))),
    node(4, 1, cat(u32(1), u64(0x800), u64(0x100000), guid(ESP), [0x02, 0x02])),
    node(4, 4, utf16('\\EFI\\BOOT\\BOOTX64.EFI\0')),
    END,
  )
}

/** UEFI_IMAGE_LOAD_EVENT around a device path. */
function imageLoad(path: Uint8Array, declared: bigint | number = path.length): Uint8Array {
  return cat(u64(0x7e000000), u64(0x1a000), u64(0), u64(declared), path)
}

describe('device path to UEFI text', () => {
  it('renders the standard text form of a SATA boot path', () => {
    expect(devicePathToText(sataBootPath())).toBe(`PciRoot(0x0)/Pci(0x1,0x1)/Sata(0x0,0xFFFF,0x0)/HD(1,GPT,${ESP},0x800,0x100000)/\\EFI\\BOOT\\BOOTX64.EFI`)
    expect(devicePathFilePath(sataBootPath())).toBe('\\EFI\\BOOT\\BOOTX64.EFI')
  })

  it('renders a real shim device path (kgoldman-ibmtss ubuntu1.log, tpm2-tools hex)', () => {
    const bytes = hexBytes(
      '02010c00d041030a0000000001010600000604012a000f00000000280000000000000050030000000000ad0cecaf07a6ac4e8c9182d327a14f3e0202040434005c004500460049005c007500620075006e00740075005c007300680069006d007800360034002e0065006600690000007fff0400',
    )
    expect(devicePathToText(bytes)).toBe('PciRoot(0x0)/Pci(0x6,0x0)/HD(15,GPT,afec0cad-a607-4eac-8c91-82d327a14f3e,0x2800,0x35000)/\\EFI\\ubuntu\\shimx64.efi')
  })

  it('renders firmware-volume, offset, vendor, MAC, IPv4, URI, NVMe, MBR and unknown nodes', () => {
    const fv = '7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1'
    const file = '462caa21-7614-4503-836e-8ab6f4662331'
    expect(devicePathToText(cat(node(4, 7, guid(fv)), node(4, 6, guid(file)), END))).toBe(`Fv(${fv})/FvFile(${file})`)
    expect(devicePathToText(cat(node(4, 8, cat(u32(0), u64(0x15c00), u64(0x47fff))), END))).toBe('Offset(0x15C00,0x47FFF)')
    expect(devicePathToText(cat(node(1, 4, cat(guid(fv), [0xab, 0xcd])), END))).toBe(`VenHw(${fv},abcd)`)
    const mac = new Uint8Array(32)
    mac.set([0x52, 0x54, 0x00, 0x12, 0x34, 0x56])
    expect(devicePathToText(cat(node(3, 11, cat(mac, [1])), END))).toBe('MAC(525400123456,0x1)')
    const ipv4 = cat([10, 0, 0, 2], [10, 0, 0, 1], u16(68), u16(67), u16(17), [0], [10, 0, 0, 254], [255, 255, 255, 0])
    expect(devicePathToText(cat(node(3, 12, ipv4), END))).toBe('IPv4(10.0.0.1,UDP,DHCP,10.0.0.2,10.0.0.254,255.255.255.0)')
    expect(devicePathToText(cat(node(3, 24, ascii('http://example.test/boot.efi')), END))).toBe('Uri(http://example.test/boot.efi)')
    expect(devicePathToText(cat(node(3, 23, cat(u32(1), [1, 2, 3, 4, 5, 6, 7, 8])), END))).toBe('NVMe(0x1,08-07-06-05-04-03-02-01)')
    const mbr = cat(u32(2), u64(2048), u64(4096), u32(0xdeadbeef), new Uint8Array(12), [1, 1])
    expect(devicePathToText(cat(node(4, 1, mbr), END))).toBe('HD(2,MBR,0xDEADBEEF,0x800,0x1000)')
    expect(devicePathToText(cat(node(0x42, 9, [1, 2]), END))).toBe('Path(66,9,0102)')
  })

  it('separates instances with "," (End-Instance 0x7F/0x01)', () => {
    const p = cat(node(2, 1, cat(u32(0x0a0341d0), u32(0))), Uint8Array.of(0x7f, 0x01, 4, 0), node(2, 1, cat(u32(0x0a0341d0), u32(1))), END)
    expect(devicePathToText(p)).toBe('PciRoot(0x0),PciRoot(0x1)')
  })

  it('renders a known node with a short body generically instead of failing', () => {
    expect(devicePathToText(cat(node(1, 1, [0x01]), END))).toBe('Path(1,1,01)')
  })

  it('accepts an empty path and a path without an End node', () => {
    expect(devicePathToText(new Uint8Array(0))).toBe('')
    expect(devicePathToText(node(4, 4, utf16('\\a.efi\0')))).toBe('\\a.efi')
  })
})

describe('device path bounds (attack L-01)', () => {
  const decodePath = (path: Uint8Array) => decodeEventData(input(EV.EV_EFI_BOOT_SERVICES_APPLICATION, imageLoad(path), 4))

  it.each([0, 1, 3])('node Length %i is an error, not an endless loop', (len) => {
    const path = cat(Uint8Array.of(0x01, 0x01), u16(len), [0, 0], END)
    const d = decodePath(path)
    expect(d.kind).toBe('unparsed')
    if (d.kind !== 'unparsed') return
    expect(d.error.code).toBe('ERR_EVENTDATA_MALFORMED')
    expect(d.error.message).toMatch(/Length \d < 4/)
    // Offset of the node inside the log: data at 1000, 32-byte header before the path.
    expect(d.error.offset).toBe(1032)
  })

  it('node Length past the remaining bytes is a truncation error', () => {
    const path = cat(Uint8Array.of(0x04, 0x04), u16(200), utf16('\\x\0'))
    const d = decodePath(path)
    expect(d.kind).toBe('unparsed')
    if (d.kind === 'unparsed') expect(d.error.code).toBe('ERR_EVENTDATA_TRUNCATED')
  })

  it('bytes after End-Entire are malformed', () => {
    const d = decodePath(cat(node(1, 1, [0, 1]), END, [0, 0]))
    expect(d.kind).toBe('unparsed')
    if (d.kind === 'unparsed') expect(d.error.message).toMatch(/after the end of the device path/)
  })

  it('a 10 000-node path stops at limits.maxItemsPerEvent', () => {
    const one = node(1, 1, [0, 1])
    const path = new Uint8Array(one.length * 10_000 + 4)
    for (let i = 0; i < 10_000; i++) path.set(one, i * one.length)
    path.set(END, one.length * 10_000)
    const started = performance.now()
    const d = decodePath(path)
    expect(performance.now() - started).toBeLessThan(2000)
    expect(d.kind).toBe('unparsed')
    if (d.kind === 'unparsed') {
      expect(d.error.code).toBe('ERR_EVENTDATA_LIMIT')
      expect(d.error.message).toContain('maxItemsPerEvent')
    }
    // With a higher limit the same path renders completely.
    const limits = { ...DEFAULT_EVENTLOG_LIMITS, maxItemsPerEvent: 20_000 }
    const ok = decodeEventData(input(EV.EV_EFI_BOOT_SERVICES_APPLICATION, imageLoad(path), 4, limits))
    expect(ok.kind).toBe('image-load')
    if (ok.kind === 'image-load') expect(ok.devicePath.split('/')).toHaveLength(10_000)
  })

  it('devicePathFilePath returns undefined for malformed paths', () => {
    expect(devicePathFilePath(cat(Uint8Array.of(4, 4), u16(0)))).toBeUndefined()
  })
})
