import { describe, it, expect } from 'vitest'
import { EV } from '../../../src/eventlog/event_types.js'
import { decodeEventData, summarizeEventData } from '../../../src/eventlog/decode/index.js'
import { DEFAULT_EVENTLOG_LIMITS } from '../../../src/limits.js'
import { END, ascii, cat, guid, input, node, u32, u64, utf16 } from './helpers.js'

const decode = (type: number, data: Uint8Array, pcr = 0, limits = DEFAULT_EVENTLOG_LIMITS) => decodeEventData(input(type, data, pcr, limits))

describe('UEFI_IMAGE_LOAD_EVENT', () => {
  const path = cat(node(4, 4, utf16('\\EFI\\debian\\shimx64.efi\0')), END)

  it('decodes addresses and the device path', () => {
    const d = decode(EV.EV_EFI_BOOT_SERVICES_APPLICATION, cat(u64(0x7e3a1018), u64(0x1a6f30), u64(0), u64(path.length), path), 4)
    expect(d).toEqual({
      kind: 'image-load',
      imageBase: '0x7e3a1018',
      imageLength: '0x1a6f30',
      linkTimeAddress: '0x0',
      devicePath: '\\EFI\\debian\\shimx64.efi',
      filePath: '\\EFI\\debian\\shimx64.efi',
    })
    expect(summarizeEventData(d)).toBe('\\EFI\\debian\\shimx64.efi')
  })

  it.each([2n ** 63n, 2n ** 53n + 1n, BigInt(path.length + 1)])('LengthOfDevicePath %s is rejected before conversion (L-01)', (len) => {
    const d = decode(EV.EV_EFI_BOOT_SERVICES_APPLICATION, cat(u64(0), u64(0), u64(0), u64(len), path), 4)
    expect(d.kind).toBe('unparsed')
    if (d.kind !== 'unparsed') return
    expect(d.error.code).toBe('ERR_EVENTDATA_TRUNCATED')
    expect(d.error.message).toContain('LengthOfDevicePath')
    expect(d.error.offset).toBe(1024)
  })

  it('shim/GRUB padding after an empty device path is counted, not rejected', () => {
    const d = decode(EV.EV_EFI_BOOT_SERVICES_APPLICATION, cat(u64(0), u64(0x1000), u64(0), u64(0), [0, 0x90, 0x19, 0, 0, 0xa0, 0x19, 0, 0xaf]), 4)
    expect(d).toEqual({ kind: 'image-load', imageBase: '0x0', imageLength: '0x1000', linkTimeAddress: '0x0', devicePath: '', trailingBytes: 9 })
  })

  it('a short header is a truncation', () => {
    expect(decode(EV.EV_EFI_BOOT_SERVICES_DRIVER, new Uint8Array(31), 2).kind).toBe('unparsed')
  })
})

describe('UEFI_GPT_DATA', () => {
  const ESP = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b'
  function header(entrySize = 128): Uint8Array {
    return cat(
      ascii('EFI PART'),
      u32(0x10000),
      u32(92),
      u32(0),
      u32(0),
      u64(1),
      u64(0x1065fff),
      u64(0x22),
      u64(0x1065fde),
      guid('44d5a0e4-cd29-4b73-890c-ebae85f2373e'),
      u64(2),
      u32(128),
      u32(entrySize),
      u32(0),
    )
  }
  function entry(name: string, size = 128): Uint8Array {
    const n = new Uint8Array(72)
    n.set(utf16(name))
    return cat(guid(ESP), guid('afec0cad-a607-4eac-8c91-82d327a14f3e'), u64(0x2800), u64(0x377ff), u64(0), n, new Uint8Array(size - 128))
  }

  it('decodes header and partitions', () => {
    const d = decode(EV.EV_EFI_GPT_EVENT, cat(header(), u64(1), entry('EFI System')), 5)
    expect(d).toMatchObject({ kind: 'gpt', headerSize: 92, diskGuid: '44d5a0e4-cd29-4b73-890c-ebae85f2373e', sizeOfPartitionEntry: 128 })
    if (d.kind !== 'gpt') return
    expect(d.partitions).toEqual([
      { typeGuid: ESP, typeName: 'EFI System Partition', uniqueGuid: 'afec0cad-a607-4eac-8c91-82d327a14f3e', startingLba: '0x2800', endingLba: '0x377ff', attributes: '0x0', name: 'EFI System' },
    ])
    expect(summarizeEventData(d)).toBe('GPT disk 44d5a0e4-cd29-4b73-890c-ebae85f2373e: 1 partition')
  })

  it('honours SizeOfPartitionEntry > 128', () => {
    const d = decode(EV.EV_EFI_GPT_EVENT, cat(header(256), u64(2), entry('a', 256), entry('b', 256)), 5)
    expect(d.kind === 'gpt' && d.partitions.map((p) => p.name)).toEqual(['a', 'b'])
  })

  it.each([
    ['NumberOfPartitions 2^63', cat(header(), u64(2n ** 63n), entry('x')), 'ERR_EVENTDATA_TRUNCATED'],
    ['NumberOfPartitions 2^53+1', cat(header(), u64(2n ** 53n + 1n), entry('x')), 'ERR_EVENTDATA_TRUNCATED'],
    ['NumberOfPartitions one too many', cat(header(), u64(2), entry('x')), 'ERR_EVENTDATA_TRUNCATED'],
    ['trailing byte', cat(header(), u64(1), entry('x'), [0]), 'ERR_EVENTDATA_MALFORMED'],
    ['SizeOfPartitionEntry 0', cat(header(0), u64(1), entry('x')), 'ERR_EVENTDATA_MALFORMED'],
    ['bad signature', cat(ascii('EFI PARX'), header().subarray(8), u64(0)), 'ERR_EVENTDATA_MALFORMED'],
  ])('%s', (_label, data, code) => {
    const d = decode(EV.EV_EFI_GPT_EVENT, data, 5)
    expect(d.kind).toBe('unparsed')
    if (d.kind === 'unparsed') expect(d.error.code).toBe(code)
  })

  it('partition count is capped by limits.maxItemsPerEvent', () => {
    const limits = { ...DEFAULT_EVENTLOG_LIMITS, maxItemsPerEvent: 1 }
    const d = decode(EV.EV_EFI_GPT_EVENT, cat(header(), u64(2), entry('a'), entry('b')), 5, limits)
    expect(d.kind === 'unparsed' && d.error.code).toBe('ERR_EVENTDATA_LIMIT')
  })
})

describe('firmware blobs and handoff tables', () => {
  it('EV_EFI_PLATFORM_FIRMWARE_BLOB is exactly 16 bytes', () => {
    expect(decode(EV.EV_EFI_PLATFORM_FIRMWARE_BLOB, cat(u64(0x820000), u64(0xe0000)))).toEqual({ kind: 'firmware-blob', base: '0x820000', length: '0xe0000' })
    expect(decode(EV.EV_EFI_PLATFORM_FIRMWARE_BLOB, cat(u64(0x820000), u64(0xe0000), [0])).kind).toBe('unparsed')
  })

  it('EV_EFI_PLATFORM_FIRMWARE_BLOB2 has a u8-length description', () => {
    const d = decode(EV.EV_EFI_PLATFORM_FIRMWARE_BLOB2, cat([8], ascii('FV_MAIN\0'), u64(0xff651000), u64(0x65f000)))
    expect(d).toEqual({ kind: 'firmware-blob', description: 'FV_MAIN', base: '0xff651000', length: '0x65f000' })
    expect(summarizeEventData(d)).toBe('FV_MAIN: base 0xff651000, length 0x65f000')
    expect(decode(EV.EV_EFI_PLATFORM_FIRMWARE_BLOB2, cat([200], ascii('FV_MAIN\0'), u64(0), u64(0))).kind).toBe('unparsed')
  })

  it('EV_EFI_HANDOFF_TABLES names SMBIOS', () => {
    const d = decode(EV.EV_EFI_HANDOFF_TABLES, cat(u64(1), guid('eb9d2d31-2d88-11d3-9a16-0090273fc14d'), u64(0xf0000)), 1)
    expect(d).toEqual({ kind: 'handoff-tables', tables: [{ guid: 'eb9d2d31-2d88-11d3-9a16-0090273fc14d', guidName: 'SMBIOS_TABLE', address: '0xf0000' }] })
  })

  it('EV_EFI_HANDOFF_TABLES2 with description; counts are bounded', () => {
    const t = cat(guid('f2fd1544-9794-4a2c-992e-e5bbcf20e394'), u64(0xa9171000))
    expect(decode(EV.EV_EFI_HANDOFF_TABLES2, cat([12], ascii('SmbiosTable\0'), u64(1), t), 1)).toMatchObject({ description: 'SmbiosTable', tables: [{ guidName: 'SMBIOS3_TABLE' }] })
    for (const n of [2n ** 63n, 2n ** 53n + 1n, 2n]) {
      const d = decode(EV.EV_EFI_HANDOFF_TABLES, cat(u64(n), t), 1)
      expect(d.kind === 'unparsed' && d.error.code).toBe('ERR_EVENTDATA_TRUNCATED')
    }
  })
})

describe('EV_EVENT_TAG', () => {
  it('a systemd tagged event', () => {
    const d = decode(EV.EV_EVENT_TAG, cat(u32(0xf5bc582a), u32(5), ascii('a b c')), 5)
    expect(d).toMatchObject({ kind: 'event-tag', records: [{ id: 0xf5bc582a, idName: 'systemd loader.conf', size: 5 }] })
    expect(summarizeEventData(d)).toBe('tag 0xf5bc582a (systemd loader.conf), 5 bytes')
  })

  it('Windows SIPA: several top-level TLVs, not interpreted', () => {
    const d = decode(EV.EV_EVENT_TAG, cat(u32(0x40010001), u32(4), [1, 2, 3, 4], u32(0x00060002), u32(0)), 12)
    expect(d.kind === 'event-tag' && d.records.map((r) => [r.id, r.size])).toEqual([
      [0x40010001, 4],
      [0x00060002, 0],
    ])
    expect(summarizeEventData(d)).toBe('2 tagged records')
  })

  it('a size past the end, a partial header, or an empty body is unparsed', () => {
    expect(decode(EV.EV_EVENT_TAG, cat(u32(1), u32(0xffffffff), [0])).kind).toBe('unparsed')
    expect(decode(EV.EV_EVENT_TAG, cat(u32(1), u32(0), [0, 0])).kind).toBe('unparsed')
    expect(decode(EV.EV_EVENT_TAG, new Uint8Array(0)).kind).toBe('unparsed')
    // The Linux LoadOptions string without a tag header (a real CCEL quirk).
    expect(decode(EV.EV_EVENT_TAG, ascii('LOADED_IMAGE::LoadOptions\0'), 3).kind).toBe('unparsed')
  })

  it('record count is capped by limits.maxItemsPerEvent', () => {
    const limits = { ...DEFAULT_EVENTLOG_LIMITS, maxItemsPerEvent: 3 }
    const rec = cat(u32(7), u32(0))
    expect(decode(EV.EV_EVENT_TAG, cat(rec, rec, rec), 12, limits).kind).toBe('event-tag')
    const d = decode(EV.EV_EVENT_TAG, cat(rec, rec, rec, rec), 12, limits)
    expect(d.kind === 'unparsed' && d.error.code).toBe('ERR_EVENTDATA_LIMIT')
  })
})

describe('types without a decoder', () => {
  it.each([
    [EV.EV_EFI_SPDM_FIRMWARE_BLOB, 'SPDM event data is not decoded'],
    [EV.EV_CPU_MICROCODE, 'microcode descriptor is not decoded'],
    [EV.EV_TABLE_OF_DEVICES, 'table of devices is not decoded'],
    [EV.EV_NONHOST_CODE, 'non-host code/configuration data is not decoded'],
    [EV.EV_PREBOOT_CERT, 'pre-boot certificate data is not decoded'],
    [EV.EV_UNUSED, 'no decoder for this event type'],
    [0x40e, 'unknown event type'],
    [0x8000ffff, 'unknown event type'],
  ])('type %i → raw', (type, note) => {
    const d = decode(type, Uint8Array.of(1, 2, 3))
    expect(d).toEqual({ kind: 'raw', note })
    expect(summarizeEventData(d)).toBe(note)
  })
})
