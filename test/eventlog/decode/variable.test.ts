import { describe, it, expect } from 'vitest'
import { EV } from '../../../src/eventlog/event_types.js'
import { decodeEventData, summarizeEventData } from '../../../src/eventlog/decode/index.js'
import type { DecodedEventData, UefiVariableData } from '../../../src/eventlog/decode/types.js'
import { END, cat, guid, input, node, u16, u32, u64, utf16, variableData } from './helpers.js'

const GLOBAL = '8be4df61-93ca-11d2-aa0d-00e098032b8c'
const SECDB = 'd719b2cb-3d3a-4596-a3bc-dad00e67656f'
const SHIM = '605dab50-e046-4300-abb6-3dd810dd8b23'

function variable(d: DecodedEventData): UefiVariableData {
  expect(d.kind).toBe('uefi-variable')
  if (d.kind !== 'uefi-variable') throw new Error(JSON.stringify(d))
  return d
}

const driverConfig = (data: Uint8Array) => decodeEventData(input(EV.EV_EFI_VARIABLE_DRIVER_CONFIG, data, 7))
const boot = (data: Uint8Array) => decodeEventData(input(EV.EV_EFI_VARIABLE_BOOT, data, 1))

describe('UEFI_VARIABLE_DATA framing', () => {
  it('decodes SecureBoot = 1 with its identity and GUID name', () => {
    const v = variable(driverConfig(variableData(GLOBAL, 'SecureBoot', Uint8Array.of(1))))
    expect(v).toMatchObject({ guid: GLOBAL, guidName: 'EFI_GLOBAL_VARIABLE', name: 'SecureBoot', known: 'SecureBoot', value: { type: 'uint8', value: 1 } })
    expect(Array.from(v.variableData)).toEqual([1])
    expect(summarizeEventData(v)).toBe('SecureBoot = 1')
  })

  it.each(['SetupMode', 'AuditMode', 'DeployedMode'])('%s is a one-byte value', (name) => {
    expect(variable(driverConfig(variableData(GLOBAL, name, Uint8Array.of(0)))).value).toEqual({ type: 'uint8', value: 0 })
  })

  it('a zero-length SecureBoot (Arch Linux quirk) stays bytes for policy to judge (S-04)', () => {
    const v = variable(driverConfig(variableData(GLOBAL, 'SecureBoot', new Uint8Array(0))))
    expect(v.value).toEqual({ type: 'bytes' })
    expect(summarizeEventData(v)).toBe('SecureBoot: 0 bytes')
  })

  // Attack L-01: u64 lengths must be rejected before conversion to Number.
  it.each([
    ['UnicodeNameLength', 2n ** 63n, 2n],
    ['UnicodeNameLength', 2n ** 53n + 1n, 2n],
    ['VariableDataLength', 2n, 2n ** 63n],
    ['VariableDataLength', 2n, 2n ** 53n + 1n],
    ['UnicodeNameLength', 2n ** 64n - 1n, 2n],
  ])('%s = %s is rejected as truncated input', (field, nameLen, dataLen) => {
    const data = cat(guid(GLOBAL), u64(nameLen), u64(dataLen), utf16('db'), [0, 0])
    const d = driverConfig(data)
    expect(d.kind).toBe('unparsed')
    if (d.kind !== 'unparsed') return
    expect(d.error.code).toBe('ERR_EVENTDATA_TRUNCATED')
    expect(d.error.message).toContain(field)
    expect(d.error.offset).toBe(field === 'UnicodeNameLength' ? 1016 : 1024)
  })

  // Attack L-09: the total must be exactly 32 + 2·nameLen + dataLen.
  it.each([
    ['one byte extra', 1],
    ['one byte missing', -1],
  ])('%s → ERR_EVENTDATA_MALFORMED', (_label, delta) => {
    const good = variableData(GLOBAL, 'SecureBoot', Uint8Array.of(1))
    const bad = delta > 0 ? cat(good, [0]) : good.subarray(0, good.length - 1)
    const d = driverConfig(bad)
    expect(d.kind).toBe('unparsed')
    if (d.kind !== 'unparsed') return
    expect(d.error.code).toBe('ERR_EVENTDATA_MALFORMED')
    expect(d.error.message).toContain('require exactly 53')
    expect(d.error.offset).toBe(1000)
  })

  it('short headers are truncation errors (tpm2-tools #2881)', () => {
    for (const n of [0, 1, 15, 16, 23, 31]) {
      const d = driverConfig(variableData(GLOBAL, 'SecureBoot', Uint8Array.of(1)).subarray(0, n))
      expect(d.kind).toBe('unparsed')
      if (d.kind === 'unparsed') expect(d.error.code).toBe('ERR_EVENTDATA_TRUNCATED')
    }
  })

  it('odd-length data inside a correct frame is fine; the name is exact UTF-16', () => {
    const v = variable(driverConfig(variableData('11111111-2222-3333-4444-555555555555', 'Vendor\u00e9', Uint8Array.of(1, 2, 3))))
    expect(v.name).toBe('Vendor\u00e9')
    expect(v.known).toBeUndefined()
    expect(v.value).toEqual({ type: 'bytes' })
  })
})

describe('variable identity is (GUID, name) (attack S-03)', () => {
  const list = cat(guid('c1c41626-504c-4092-aca9-41f936934328'), u32(28 + 48), u32(0), u32(48), guid(GLOBAL), new Uint8Array(32).fill(0xaa))

  it('db under EFI_IMAGE_SECURITY_DATABASE is the signature database', () => {
    const v = variable(driverConfig(variableData(SECDB, 'db', list)))
    expect(v.known).toBe('db')
    expect(v.value.type).toBe('signature-lists')
  })

  it('db under EFI_GLOBAL_VARIABLE is not recognised and not interpreted', () => {
    const v = variable(driverConfig(variableData(GLOBAL, 'db', list)))
    expect(v.known).toBeUndefined()
    expect(v.value).toEqual({ type: 'bytes' })
    expect(summarizeEventData(v)).toBe(`db (EFI_GLOBAL_VARIABLE, unrecognised): 76 bytes`)
  })

  it('SecureBoot under a random GUID is not recognised', () => {
    const v = variable(driverConfig(variableData('01234567-89ab-cdef-0123-456789abcdef', 'SecureBoot', Uint8Array.of(1))))
    expect(v.known).toBeUndefined()
    expect(v.value).toEqual({ type: 'bytes' })
  })

  it('a NUL-terminated name is a different name', () => {
    const v = variable(driverConfig(variableData(GLOBAL, 'SecureBoot\0', Uint8Array.of(1))))
    expect(v.known).toBeUndefined()
    expect(v.name).toBe('SecureBoot\\u0000')
  })
})

describe('boot variables (EV_EFI_VARIABLE_BOOT)', () => {
  it('BootOrder is a list of UINT16', () => {
    const v = variable(boot(variableData(GLOBAL, 'BootOrder', cat(u16(3), u16(1), u16(0x1f)))))
    expect(v.value).toEqual({ type: 'boot-order', order: [3, 1, 0x1f] })
    expect(summarizeEventData(v)).toBe('BootOrder = 0003,0001,001F')
  })

  it('an odd-length BootOrder is malformed', () => {
    const d = boot(variableData(GLOBAL, 'BootOrder', Uint8Array.of(3, 0, 1)))
    expect(d.kind).toBe('unparsed')
  })

  it('Boot#### is an EFI_LOAD_OPTION with description, device path and optional data', () => {
    const path = cat(node(4, 4, utf16('\\EFI\\debian\\shimx64.efi\0')), END)
    const option = cat(u32(1), u16(path.length), utf16('debian\0'), path, [0xde, 0xad])
    const v = variable(boot(variableData(GLOBAL, 'Boot0004', option)))
    expect(v.value.type).toBe('load-option')
    if (v.value.type !== 'load-option') return
    expect(v.value.option).toMatchObject({ attributes: 1, active: true, description: 'debian', devicePath: '\\EFI\\debian\\shimx64.efi', filePath: '\\EFI\\debian\\shimx64.efi' })
    expect(Array.from(v.value.option.optionalData)).toEqual([0xde, 0xad])
    expect(summarizeEventData(v)).toBe('Boot0004: "debian" \\EFI\\debian\\shimx64.efi')
  })

  it('a load option whose FilePathListLength overruns the data is unparsed', () => {
    const option = cat(u32(1), u16(500), utf16('x\0'), END)
    const d = boot(variableData(GLOBAL, 'Boot0000', option))
    expect(d.kind).toBe('unparsed')
    if (d.kind === 'unparsed') expect(d.error.code).toBe('ERR_EVENTDATA_TRUNCATED')
  })

  it('a description without its NUL terminator is unparsed', () => {
    const d = boot(variableData(GLOBAL, 'Boot0000', cat(u32(1), u16(0), utf16('abc'))))
    expect(d.kind).toBe('unparsed')
  })

  it('boot####-like names with lowercase hex are not load options', () => {
    expect(variable(boot(variableData(GLOBAL, 'Boot000a', cat(u32(1), u16(0), utf16('x\0'))))).value).toEqual({ type: 'bytes' })
  })
})

describe('EV_EFI_VARIABLE_AUTHORITY', () => {
  // A tiny but well-formed DER SEQUENCE stands in for a certificate where only framing matters.
  const der = cat([0x30, 0x82, 0x00, 0x04], [0x02, 0x01, 0x05, 0x00])
  const authority = (data: Uint8Array) => decodeEventData(input(EV.EV_EFI_VARIABLE_AUTHORITY, data, 7))

  it('owner GUID + certificate', () => {
    const owner = '77fa9abd-0359-4d32-bd60-28f4e78f784b'
    const v = variable(authority(variableData(SECDB, 'db', cat(guid(owner), der))))
    expect(v.value).toMatchObject({ type: 'signature-data', ownerMissing: false, entry: { type: 'x509', owner, ownerName: 'MICROSOFT' } })
  })

  it('shim vendor certificate without owner GUID is reported, with a note', () => {
    const v = variable(authority(variableData(SHIM, 'Shim', der)))
    expect(v.value).toMatchObject({ type: 'signature-data', ownerMissing: true, entry: { type: 'x509', owner: '' } })
  })

  it('old shim: certificate + one extra byte inside VariableData', () => {
    const v = variable(authority(variableData(SECDB, 'db', cat(der, [0]))))
    expect(v.value).toMatchObject({ type: 'signature-data', ownerMissing: true, note: expect.stringContaining('old shim') })
  })

  it('old shim: padding after VariableData is tolerated only for a bare certificate', () => {
    const ok = variable(authority(cat(variableData(SECDB, 'db', der), new Uint8Array(6))))
    expect(ok.note).toContain('old shim')
    // Same padding after an owner-GUID entry, or in a driver-config event, is L-09.
    expect(authority(cat(variableData(SECDB, 'db', cat(guid(GLOBAL), der)), new Uint8Array(6))).kind).toBe('unparsed')
    expect(driverConfig(cat(variableData(SECDB, 'db', der), new Uint8Array(6))).kind).toBe('unparsed')
    expect(authority(cat(variableData(SECDB, 'db', der), new Uint8Array(8))).kind).toBe('unparsed')
  })

  it('SbatLevel is text and MokListTrusted a byte', () => {
    const sbat = variable(authority(variableData(SHIM, 'SbatLevel', Uint8Array.from('sbat,1,2021030218\n', (c) => c.charCodeAt(0)))))
    expect(sbat.value).toEqual({ type: 'text', text: 'sbat,1,2021030218\\x0a' })
    expect(variable(authority(variableData(SHIM, 'MokListTrusted', Uint8Array.of(1)))).value).toEqual({ type: 'uint8', value: 1 })
  })

  it('a SHA-256 authority entry', () => {
    const v = variable(authority(variableData(SECDB, 'db', cat(guid(GLOBAL), new Uint8Array(32).fill(7)))))
    expect(v.value).toMatchObject({ type: 'signature-data', entry: { type: 'sha256', hash: '07'.repeat(32) } })
  })

  it('an authority shorter than an owner GUID is unparsed', () => {
    expect(authority(variableData(SECDB, 'db', Uint8Array.of(1, 2, 3))).kind).toBe('unparsed')
  })
})
