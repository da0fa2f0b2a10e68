/**
 * HCL report parsing: real reports (trustee vectors, shared corpus) decode to their documented
 * fields; every structural violation throws its own code.
 */
import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { parseHclReport, parseRuntimeData, rsaSpkiDer } from '../../../src/index.js'
import { spkiToKeyMaterial } from '../../../src/x509/spki.js'
import { announceCorpus, CORPUS } from '../../helpers/corpus.js'
import { azureSamples, runtimeDataOf, text, utf8, vector, withRuntimeData } from './helpers.js'

announceCorpus('Azure HCL reports of the corpus')

const SNP = vector('trustee-snp-hcl-report.bin')
const TDX = vector('trustee-tdx-hcl-report.bin')

const setU32 = (b: Uint8Array, off: number, v: number): Uint8Array => {
  const c = b.slice()
  new DataView(c.buffer).setUint32(off, v, true)
  return c
}
const setByte = (b: Uint8Array, off: number, v: number): Uint8Array => {
  const c = b.slice()
  c[off] = v
  return c
}
const code = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (e) {
    return (e as { code?: string }).code
  }
  return undefined
}

describe('parseHclReport: committed trustee vectors', () => {
  it('SEV-SNP: version 1, 2600 bytes, type 2, SHA-256 runtime data with HCLAkPub and HCLEkPub', () => {
    const r = parseHclReport(SNP)
    expect(r).toMatchObject({ version: 1, reportSize: 0x4d4 + 1110, requestType: 2, status: 0, platform: 'sev-snp', igvmVersion: 1, hashType: 'sha256', paddingBytes: 2600 - 0x4d4 - 1110 })
    expect(r.hardwareReport.length).toBe(1184)
    expect(r.runtimeDataBytes.length).toBe(1110)
    expect(r.runtimeData.keys.map((k) => k.kid)).toEqual(['HCLAkPub', 'HCLEkPub'])
    expect(r.runtimeData.ak!.key!.n.length).toBe(256)
    expect(r.runtimeData.userData!.length).toBe(64)
    expect(Object.keys(r.runtimeData.vmConfiguration!)).toContain('vmUniqueId')
    // REPORT_DATA (report offset 0x50) = SHA-256 of the runtime data bytes.
    expect(Buffer.from(r.hardwareReport.subarray(0x50, 0x70)).toString('hex')).toBe(createHash('sha256').update(r.runtimeDataBytes).digest('hex'))
  })

  it('TDX: version 2, type 4, a 1024-byte TD report (type 0x81) followed by 160 zero bytes', () => {
    const r = parseHclReport(TDX)
    expect(r).toMatchObject({ version: 2, platform: 'tdx', hashType: 'sha256' })
    expect(r.hardwareReport.length).toBe(1024)
    expect(r.hardwareReport[0]).toBe(0x81)
    expect(r.hardwareArea.length).toBe(1184)
  })

  it('the AK JWK becomes a DER SPKI that decodes back to its n and e; minimal INTEGER encoding', () => {
    const r = parseHclReport(SNP)
    const k = spkiToKeyMaterial(r.runtimeData.ak!.spki!)
    expect(k).toEqual({ kty: 'RSA', n: r.runtimeData.ak!.key!.n, e: new Uint8Array([1, 0, 1]) })
    // n = 0x8001 needs a 0x00 sign byte; e = 3.
    const der = rsaSpkiDer(new Uint8Array([0x80, 1]), new Uint8Array([3]))
    expect(Buffer.from(der).toString('hex')).toBe('301c300d06092a864886f70d0101010500030b0030080203008001020103')
  })
})

describe.skipIf(!CORPUS)('parseHclReport: the five corpus HCL reports', () => {
  const samples = azureSamples()
  it('finds 4 SEV-SNP and 1 TDX report', () => {
    expect(samples.map((s) => s.platform).sort()).toEqual(['sev-snp', 'sev-snp', 'sev-snp', 'sev-snp', 'tdx'])
  })
  for (const s of samples) {
    it(`${s.name}: parses, its AK is the corpus's SPKI, sizes are consistent`, () => {
      const r = parseHclReport(s.hcl)
      expect(r.platform).toBe(s.platform)
      expect(r.runtimeData.ak!.spki).toEqual(s.akSpki)
      expect(r.reportSize).toBe(0x4d4 + r.runtimeDataBytes.length)
      expect(r.paddingBytes + r.reportSize).toBe(s.hcl.length)
    })
  }
})

describe('parseHclReport: structural violations throw their code', () => {
  const cases: [string, Uint8Array, string][] = [
    ['no HCLA signature', setByte(SNP, 0, 0x48 ^ 1), 'ERR_HCL_REPORT_MALFORMED'],
    ['shorter than the headers', SNP.slice(0, 0x4d3), 'ERR_HCL_REPORT_MALFORMED'],
    ['runtime data cut off (buffer ends inside it)', SNP.slice(0, 0x4d4 + 1000), 'ERR_HCL_REPORT_MALFORMED'],
    ['variable data size past the buffer', setU32(SNP, 0x4d0, 5000), 'ERR_HCL_REPORT_MALFORMED'],
    ['report size disagrees with the runtime data size', setU32(SNP, 8, 0x4d4 + 1111), 'ERR_HCL_REPORT_MALFORMED'],
    ['IGVM data size disagrees with the runtime data size', setU32(SNP, 0x4c0, 20 + 1109), 'ERR_HCL_REPORT_MALFORMED'],
    ['a non-zero byte in the padding', setByte(SNP, 2599, 1), 'ERR_HCL_REPORT_MALFORMED'],
    ['a non-zero reserved header byte', setByte(SNP, 0x1f, 1), 'ERR_HCL_REPORT_MALFORMED'],
    ['TDX: a non-zero byte after the 1024-byte TD report', setByte(TDX, 0x20 + 1024 + 5, 1), 'ERR_HCL_REPORT_MALFORMED'],
    ['unknown report type 3', setU32(SNP, 0x4c8, 3), 'ERR_HCL_REPORT_UNSUPPORTED'],
    ['unknown hash type 4', setU32(SNP, 0x4cc, 4), 'ERR_HCL_REPORT_UNSUPPORTED'],
    ['IGVM request data version 2', setU32(SNP, 0x4c4, 2), 'ERR_HCL_REPORT_UNSUPPORTED'],
  ]
  for (const [name, bytes, want] of cases) {
    it(`${name}: ${want}`, () => {
      expect(code(() => parseHclReport(bytes))).toBe(want)
    })
  }

  it('a report larger than the named limit is refused before parsing; the limit is overridable', () => {
    expect(code(() => parseHclReport(SNP, { limits: { maxReportBytes: 2599 } }))).toBe('ERR_HCL_REPORT_MALFORMED')
    expect(parseHclReport(SNP, { limits: { maxReportBytes: 2600 } }).platform).toBe('sev-snp')
    expect(code(() => parseHclReport(SNP, { limits: { maxRuntimeDataBytes: 1109 } }))).toBe('ERR_HCL_REPORT_MALFORMED')
    expect(() => parseHclReport(SNP, { limits: { maxReportBytes: -1 } })).toThrow(TypeError)
  })

  it('the error carries the offset of the field', () => {
    try {
      parseHclReport(setU32(SNP, 8, 1))
      expect.unreachable()
    } catch (e) {
      expect(e).toMatchObject({ code: 'ERR_HCL_REPORT_MALFORMED', offset: 8, field: 'reportSize' })
    }
  })
})

describe('runtime data: strict JSON of the expected shape', () => {
  const rd = text(runtimeDataOf(SNP))
  const reparse = (s: string) => code(() => parseHclReport(withRuntimeData(SNP, utf8(s))))

  it('rewritten with the same content it still parses (the helper keeps sizes consistent)', () => {
    expect(reparse(rd)).toBeUndefined()
  })
  const bad: [string, string, RegExp][] = [
    ['not UTF-8', '\u0000', /not UTF-8/],
    ['not JSON', rd.slice(0, -1), /not strict JSON/],
    ['a duplicate member name', rd.replace('{"keys":', '{"user-data":"00","keys":').replace(/"user-data":"[0-9A-Fa-f]+"}$/, '"user-data":"00"}'), /duplicate member name "user-data"/],
    ['a repeated kid', rd.replace('"kid":"HCLEkPub"', '"kid":"HCLAkPub"'), /two keys with kid/],
    ['HCLAkPub that is not RSA', rd.replace('"kid":"HCLAkPub","key_ops":["sign"],"kty":"RSA"', '"kid":"HCLAkPub","key_ops":["sign"],"kty":"EC"'), /not RSA/],
    ['an n that is not base64url', rd.replace(/"n":"([^"]{8})/, '"n":"+/+/+/+/'), /n is not a base64url integer/],
    ['an even RSA exponent', rd.replace('"e":"AQAB"', '"e":"AQAC"'), /exponent/],
    ['user-data that is not hex', rd.replace(/"user-data":"[0-9A-Fa-f]{2}/, '"user-data":"zz'), /"user-data" is not a hex string/],
    ['keys not an array', rd.replace('"keys":[', '"keys":{"x":[').replace(/\],"vm-configuration"/, ']},"vm-configuration"'), /"keys" is not an array/],
    ['vm-configuration not an object', rd.replace(/"vm-configuration":\{[^}]*\}/, '"vm-configuration":1'), /"vm-configuration" is not an object/],
  ]
  for (const [name, s, why] of bad) {
    it(`${name}: ERR_HCL_RUNTIME_DATA_INVALID`, () => {
      expect(s).not.toBe(rd)
      const bytes = name === 'not UTF-8' ? new Uint8Array([0xff, 0xfe]) : utf8(s)
      expect(() => parseHclReport(withRuntimeData(SNP, bytes))).toThrowError(expect.objectContaining({ code: 'ERR_HCL_RUNTIME_DATA_INVALID', message: expect.stringMatching(why) }))
    })
  }

  it('picks the AK by kid, not by position; a runtime data without HCLAkPub parses (the binding check reports it)', () => {
    const swapped = JSON.parse(rd)
    swapped.keys.reverse()
    expect(parseRuntimeData(utf8(JSON.stringify(swapped))).ak!.kid).toBe('HCLAkPub')
    const none = parseRuntimeData(utf8(rd.replace('"kid":"HCLAkPub"', '"kid":"OtherKey"')))
    expect(none.ak).toBeUndefined()
  })

  it('reads upper-case user-data hex as bytes', () => {
    const r = parseRuntimeData(utf8(rd.replace(/"user-data":"([0-9A-Fa-f]+)"/, (_, h: string) => `"user-data":"${h.toUpperCase()}"`)))
    expect(r.userData).toEqual(parseRuntimeData(utf8(rd)).userData)
  })
})

describe('no input makes the parser throw anything but a BootproofError', () => {
  it('3000 seeded mutations of both vectors (header, IGVM header, runtime data, lengths, truncation)', async () => {
    let seed = 0x2545f491
    const rnd = (n: number) => {
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      return (seed >>> 0) % n
    }
    const { isBootproofError, verifyHclReport } = await import('../../../src/index.js')
    const outcomes = { parsed: 0, thrown: 0 }
    for (let i = 0; i < 3000; i++) {
      const base = i % 2 ? SNP : TDX
      let b = base.slice()
      const kind = rnd(4)
      if (kind === 0) b[rnd(0x20)] = rnd(256)
      else if (kind === 1) b[0x4c0 + rnd(20)] = rnd(256)
      else if (kind === 2) b[0x4d4 + rnd(1100)] = rnd(256)
      else b = b.subarray(0, rnd(b.length))
      try {
        parseHclReport(b)
        outcomes.parsed++
        if (i % 30 === 0) await verifyHclReport(b, { now: new Date('2026-01-01T00:00:00Z') })
      } catch (e) {
        if (!isBootproofError(e)) throw e
        outcomes.thrown++
      }
    }
    expect(outcomes.parsed).toBeGreaterThan(100)
    expect(outcomes.thrown).toBeGreaterThan(100)
  })
})
