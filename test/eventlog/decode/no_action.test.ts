import { describe, it, expect } from 'vitest'
import { EV } from '../../../src/eventlog/event_types.js'
import { decodeEventData, summarizeEventData } from '../../../src/eventlog/decode/index.js'
import { HAVE_CORPUS, ascii, cat, guid, input, loadLog, u16, u32 } from './helpers.js'

const noAction = (data: Uint8Array) => decodeEventData(input(EV.EV_NO_ACTION, data, 0))

function specId03(algs: [number, number][], vendor: number[] = []): Uint8Array {
  return cat(ascii('Spec ID Event03\0'), u32(0), [0, 2, 0, 2], u32(algs.length), ...algs.map(([a, s]) => cat(u16(a), u16(s))), [vendor.length], vendor)
}

describe('EV_NO_ACTION by signature', () => {
  it('Spec ID Event03 is reported with its fields', () => {
    const d = noAction(specId03([[4, 20], [11, 32]], [0xde, 0xad]))
    expect(d).toMatchObject({ kind: 'spec-id', specVersionMajor: 2, specVersionMinor: 0, uintnSize: 2, algorithms: [{ algId: 4, digestSize: 20 }, { algId: 11, digestSize: 32 }] })
    expect(summarizeEventData(d)).toBe('Spec ID Event03: sha1, sha256')
  })

  it('Spec ID Event03 with numberOfAlgorithms 0xFFFFFFFF is unparsed, not allocated', () => {
    const data = cat(ascii('Spec ID Event03\0'), u32(0), [0, 2, 0, 2], u32(0xffffffff), u16(4), u16(20), [0])
    const d = noAction(data)
    expect(d.kind).toBe('unparsed')
    if (d.kind === 'unparsed') expect(d.error.message).toContain('numberOfAlgorithms 4294967295')
  })

  it('Spec ID Event03 with vendorInfo outside the event is unparsed', () => {
    const d = noAction(specId03([[11, 32]], [1, 2, 3, 4]).subarray(0, 33))
    expect(d.kind).toBe('unparsed')
    if (d.kind === 'unparsed') expect(d.error.code).toBe('ERR_EVENTDATA_TRUNCATED')
  })

  it('Spec ID Event02 (TPM 1.2 EFI) is a legacy header', () => {
    const d = noAction(cat(ascii('Spec ID Event02\0'), u32(0), [2, 1, 0, 2], [0]))
    expect(d).toMatchObject({ kind: 'spec-id-legacy', signature: 'Spec ID Event02', specVersionMajor: 1, specVersionMinor: 2 })
  })

  it('StartupLocality is exactly 17 bytes', () => {
    expect(noAction(cat(ascii('StartupLocality\0'), [3]))).toEqual({ kind: 'startup-locality', locality: 3 })
    expect(summarizeEventData(noAction(cat(ascii('StartupLocality\0'), [3])))).toBe('StartupLocality = 3')
    const long = noAction(cat(ascii('StartupLocality\0'), [3, 0]))
    expect(long.kind).toBe('unparsed')
    if (long.kind === 'unparsed') expect(long.error.code).toBe('ERR_EVENTDATA_MALFORMED')
    const short = noAction(ascii('StartupLocality\0'))
    expect(short.kind).toBe('unparsed')
    if (short.kind === 'unparsed') expect(short.error.code).toBe('ERR_EVENTDATA_TRUNCATED')
  })

  it('H-CRTM CompMeas and NvIndex events keep their payload', () => {
    expect(noAction(cat(ascii('H-CRTM CompMeas\0'), [1, 2, 3]))).toMatchObject({ kind: 'no-action-payload', signature: 'H-CRTM CompMeas' })
    const nv = noAction(cat(ascii('NvIndexDynamic\0\0'), [9]))
    expect(nv).toMatchObject({ kind: 'no-action-payload', signature: 'NvIndexDynamic' })
    if (nv.kind === 'no-action-payload') expect(Array.from(nv.payload)).toEqual([9])
    expect(noAction(ascii('NvIndexInstance\0'))).toMatchObject({ kind: 'no-action-payload', signature: 'NvIndexInstance' })
  })

  it('unknown signatures are flagged with a preview', () => {
    const d = noAction(cat(ascii('Spec ID Event04\0'), [0, 0]))
    expect(d).toEqual({ kind: 'no-action-unknown', signaturePreview: 'Spec ID Event04\\x00' })
    expect(noAction(ascii('short'))).toEqual({ kind: 'no-action-unknown', signaturePreview: 'short' })
    expect(noAction(new Uint8Array(0))).toEqual({ kind: 'no-action-unknown', signaturePreview: '' })
  })

  it('SP800-155 Event3 with a URI locator', () => {
    const str = (s: string) => cat([s.length], ascii(s))
    const uri = ascii('https://rim.example/fw.swidtag')
    const data = cat(
      ascii('SP800-155 Event3'),
      u32(11129),
      guid('a0059780-4c5e-4738-8032-6f958ca92fad'),
      str('Example Inc.'),
      str('Model 7'),
      str('1.0'),
      str('Example FW'),
      u32(11129),
      str('2.7'),
      u32(1),
      u32(uri.length),
      uri,
      u32(0),
      u32(0),
    )
    expect(noAction(data)).toMatchObject({
      kind: 'sp800-155',
      vendorId: 11129,
      referenceManifestGuid: 'a0059780-4c5e-4738-8032-6f958ca92fad',
      platformManufacturer: 'Example Inc.',
      platformModel: 'Model 7',
      platformVersion: '1.0',
      firmwareManufacturer: 'Example FW',
      firmwareVersion: '2.7',
      rimLocator: { type: 1, typeName: 'uri', text: 'https://rim.example/fw.swidtag' },
      platformCertLocator: { type: 0, typeName: 'raw' },
    })
    // A string length past the end is a truncation, never a read past the event.
    const cut = noAction(data.subarray(0, 50))
    expect(cut.kind).toBe('unparsed')
  })

  it.skipIf(!HAVE_CORPUS)('SP800-155 Event3 from a real GCE log (zero padding)', () => {
    const events = loadLog('google-go-tpm-tools--eventlogwithsp800155.bin')
    const rim = decodeEventData(input(events[1]!.type, events[1]!.data, events[1]!.pcr))
    expect(rim).toMatchObject({
      kind: 'sp800-155',
      signature: 'SP800-155 Event3',
      vendorId: 11129,
      platformManufacturer: 'Google, Inc.',
      platformModel: 'Google Compute Engine',
      platformVersion: '',
      firmwareManufacturer: 'Google, Inc.',
      firmwareManufacturerId: 11129,
      firmwareVersion: '2.7',
      rimLocator: { type: 3, typeName: 'uefi-variable' },
      zeroPadding: 6,
    })
    const uri = decodeEventData(input(events[2]!.type, events[2]!.data, events[2]!.pcr))
    expect(uri).toMatchObject({ kind: 'sp800-155', rimLocator: { type: 1, typeName: 'uri' } })
    if (uri.kind === 'sp800-155') expect(uri.rimLocator?.text).toMatch(/^https:\/\/storage\.googleapis\.com\/gce_tcb_integrity\/ovmf_x64_csm\/.*\.fd\.signed$/)
  })
})
