import { describe, expect, test } from 'vitest'
import { SIPA, SIPA_IDS, sipaName } from '../../../src/state/windows/sipa_constants.js'
import { decodeSipa, walkSipa } from '../../../src/state/windows/sipa_decode.js'
import { cat, tlv, u32, u64, utf16z } from './build.js'

describe('SIPA constants', () => {
  test('all 108 documented IDs, unique names, spot-checked decimals (Windows SDK wbcl.h)', () => {
    expect(SIPA_IDS.size).toBe(108)
    expect(new Set([...SIPA_IDS.values()].map((i) => i.name)).size).toBe(108)
    expect(SIPA.TRUSTBOUNDARY!).toBe(1073807361)
    expect(SIPA.TRUSTPOINT_AGGREGATION!).toBe(3221291012)
    expect(SIPA.BOOTDEBUGGING!).toBe(262145)
    expect(SIPA.VBS_HVCI_POLICY!).toBe(655367)
    expect(SIPA.DRTM_AMD_SMM_SIGNER_KEY!).toBe(786436)
    expect(SIPA_IDS.get(0x80030002)!.constant).toBe('SIPAERROR_TPMFAILURE')
    expect(sipaName(0x00051234)).toBe('UNKNOWN_0x00051234')
  })
})

describe('decodeSipa', () => {
  test('nested containers, all value kinds', () => {
    const lma = tlv(SIPA.LOADEDMODULE_AGGREGATION!, cat(tlv(SIPA.FILEPATH!, utf16z('\\Windows\\x.sys')), tlv(SIPA.IMAGESIZE!, u64(4096)), tlv(SIPA.HASHALGORITHMID!, u32(0x800c)), tlv(SIPA.IMAGEVALIDATED!, [1])))
    const data = tlv(SIPA.TRUSTBOUNDARY!, cat(tlv(SIPA.BOOTCOUNTER!, u64(363)), tlv(SIPA.BITLOCKER_UNLOCK!, u32(0x14)), tlv(SIPA.BOOTDEBUGGING!, [0]), lma, tlv(0x00051234, [9, 9])))
    const d = decodeSipa(data, { base: 100 })
    expect(d.complete).toBe(true)
    expect(d.count).toBe(10)
    const tb = d.records[0]!
    expect(tb).toMatchObject({ name: 'TRUSTBOUNDARY', category: 'container', aggregation: true, offset: 100, size: data.length - 8 })
    const [bc, bl, dbg, agg, unk] = tb.children!
    expect(bc!.value).toEqual({ type: 'uint', value: 363 })
    expect(bl!.value).toEqual({ type: 'uint', value: 0x14, flagNames: ['TPM', 'PIN'] })
    expect(dbg!.value).toEqual({ type: 'bool', value: false, raw: 0 })
    expect(agg!.children!.map((c) => c.path)).toEqual([
      'TRUSTBOUNDARY/LOADEDMODULE_AGGREGATION/FILEPATH',
      'TRUSTBOUNDARY/LOADEDMODULE_AGGREGATION/IMAGESIZE',
      'TRUSTBOUNDARY/LOADEDMODULE_AGGREGATION/HASHALGORITHMID',
      'TRUSTBOUNDARY/LOADEDMODULE_AGGREGATION/IMAGEVALIDATED',
    ])
    expect(agg!.children![0]!.value).toEqual({ type: 'string', value: '\\Windows\\x.sys', nulTerminated: true })
    expect(agg!.children![2]!.value).toEqual({ type: 'uint', value: 0x800c, name: 'CALG_SHA_256' })
    expect(unk).toMatchObject({ known: false, name: 'UNKNOWN_0x00051234', size: 2 })
    expect(unk!.value).toBeUndefined()
    expect(unk!.error).toBeUndefined()
  })

  test('a size larger than the enclosing payload stops that sequence, keeps what was read, never throws', () => {
    const inner = cat(tlv(SIPA.BOOTDEBUGGING!, [1]), u32(SIPA.CODEINTEGRITY!), u32(0xffffffff))
    const d = decodeSipa(tlv(SIPA.TRUSTBOUNDARY!, inner), { base: 0 })
    expect(d.complete).toBe(false)
    const tb = d.records[0]!
    expect(tb.children!.map((c) => c.name)).toEqual(['BOOTDEBUGGING'])
    expect(tb.error).toMatchObject({ code: 'ERR_EVENTDATA_TRUNCATED', offset: 17 })
    // The outer container cannot claim more than the data holds either.
    const outer = decodeSipa(cat(u32(SIPA.TRUSTBOUNDARY!), u32(0x80000000)))
    expect(outer.records).toEqual([])
    expect(outer.errors[0]!.code).toBe('ERR_EVENTDATA_TRUNCATED')
  })

  test('fixed-width payloads of the wrong size are kept raw with an error', () => {
    const d = decodeSipa(tlv(SIPA.TRUSTBOUNDARY!, cat(tlv(SIPA.BOOTDEBUGGING!, [1, 0]), tlv(SIPA.BOOTCOUNTER!, u32(3)), tlv(SIPA.FILEPATH!, [0x41]))))
    const [a, b, c] = d.records[0]!.children!
    for (const r of [a, b, c]) {
      expect(r!.value).toBeUndefined()
      expect(r!.error!.code).toMatch(/^ERR_EVENTDATA_/)
      expect(r!.data.length).toBeGreaterThan(0)
    }
    expect(d.complete).toBe(false)
  })

  test('10 000-deep nesting (GHSA-hcm6-rjfh-f25p) fails fast at the depth cap', () => {
    for (const id of [SIPA.TRUSTBOUNDARY!, SIPA.ELAM_AGGREGATION!]) {
      const depth = 10000
      const buf = new Uint8Array(depth * 8)
      const dv = new DataView(buf.buffer)
      for (let i = 0; i < depth; i++) {
        dv.setUint32(i * 8, id!, true)
        dv.setUint32(i * 8 + 4, (depth - i - 1) * 8, true)
      }
      const t0 = performance.now()
      const d = decodeSipa(buf)
      expect(performance.now() - t0).toBeLessThan(200)
      const all = [...walkSipa(d.records)]
      expect(all.length).toBe(16)
      expect(all[15]!.error).toMatchObject({ code: 'ERR_EVENTDATA_LIMIT' })
      expect(d.complete).toBe(false)
      expect(decodeSipa(buf, { maxDepth: 8 }).count).toBe(8)
    }
  })

  test('the record cap bounds work per event', () => {
    const many = cat(...Array.from({ length: 100 }, () => tlv(SIPA.BOOTDEBUGGING!, [0])))
    const d = decodeSipa(many, { maxRecords: 10 })
    expect(d.records.length).toBe(10)
    expect(d.errors[0]!.code).toBe('ERR_EVENTDATA_LIMIT')
  })

  test('payload structs: revocation list, SI policy, SBCP, VSM IDK', () => {
    const rev = tlv(SIPA.BOOT_REVOCATION_LIST!, cat(u64(133467960460000000n), u32(2), new Uint8Array([0x0b, 0]), new Uint8Array([0xaa, 0xbb])))
    const name = utf16z('P')
    const sip = tlv(SIPA.SI_POLICY!, cat(u64(5), new Uint8Array([name.length, 0, 0x0b, 0]), u32(1), name, new Uint8Array([7])))
    const sbcp = tlv(SIPA.SBCP_INFO!, cat(u32(1), u32(20), new Uint8Array([0x0b, 0, 1, 0]), u32(0), u32(0), new Uint8Array([9])))
    const idk = tlv(SIPA.VSM_IDK_INFO!, cat(u32(1), u32(16), u32(1), u32(2), new Uint8Array([3, 0xc0, 0x01])))
    const d = decodeSipa(cat(rev, sip, sbcp, idk))
    expect(d.complete).toBe(true)
    expect(d.records.map((r) => r.value)).toEqual([
      { type: 'revocation-list', creationTime: '133467960460000000', hashAlgId: 11, hashAlg: 'SHA256', digest: new Uint8Array([0xaa, 0xbb]) },
      { type: 'si-policy', policyVersion: 5, policyName: 'P', hashAlgId: 11, hashAlg: 'SHA256', digest: new Uint8Array([7]) },
      { type: 'sbcp-info', payloadVersion: 1, hashAlgId: 11, hashAlg: 'SHA256', digest: new Uint8Array([9]), options: 0, optionsText: 'SecureBootPolicy: default (no options set)', signersCount: 0 },
      { type: 'vsm-idk-info', keyAlgId: 1, keyAlg: 'VSM_IDK_ALG_ID_RSA', keyBitLength: 16, publicExponent: new Uint8Array([3]), modulus: new Uint8Array([0xc0, 0x01]) },
    ])
  })

  test('total on random and truncated input', () => {
    let seed = 7
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24
    const base = tlv(SIPA.TRUSTBOUNDARY!, cat(tlv(SIPA.LOADEDMODULE_AGGREGATION!, cat(tlv(SIPA.FILEPATH!, utf16z('a')), tlv(SIPA.IMAGEVALIDATED!, [1]))), tlv(SIPA.SI_POLICY!, cat(u64(1), u32(0xffff), u32(0xffffffff)))))
    for (let cut = 0; cut <= base.length; cut++) expect(() => decodeSipa(base.subarray(0, cut))).not.toThrow()
    for (let i = 0; i < 2000; i++) {
      const b = base.slice()
      for (let k = 0; k < 3; k++) b[rnd() % b.length] = rnd()
      expect(() => decodeSipa(b)).not.toThrow()
      const junk = new Uint8Array(rnd() % 64).map(() => rnd())
      expect(() => decodeSipa(junk)).not.toThrow()
    }
  })
})
