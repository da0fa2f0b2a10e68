/**
 * TD quote parsing (v4, v5 with TDX 1.0 / 1.5 bodies) over nine public quotes from three
 * projects, field decoding cross-checked with trustee's independent expected claims, and every
 * malformation thrown with its own code. Every prefix and a seeded mutation loop throw
 * BootproofError only.
 */
import { describe, expect, it } from 'vitest'
import { isBootproofError, parseTdxQuote, TDX_THROWN_CODES, type TdxQuote } from '../../../src/index.js'
import { toHex } from '../../../src/bytes/hex.js'
import { assembleQuote, bodyOffset, SAMPLES, vector, vectorText } from './helpers.js'

const thrownCode = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (e) {
    if (isBootproofError(e)) return e.code
    throw e
  }
  return undefined
}

const v4 = (): TdxQuote => parseTdxQuote(vector('trustee/tdx_quote_6.dat'))
const v5 = (): TdxQuote => parseTdxQuote(vector('go-tdx-guest/quote_v5_sample.dat'))
const setU16 = (b: Uint8Array, at: number, v: number): Uint8Array => {
  const c = b.slice()
  c[at] = v & 0xff
  c[at + 1] = v >> 8
  return c
}
const setU32 = (b: Uint8Array, at: number, v: number): Uint8Array => {
  const c = b.slice()
  new DataView(c.buffer).setUint32(at, v, true)
  return c
}

describe('TDX quote: public samples', () => {
  for (const s of SAMPLES) {
    it(`${s.name}: v${s.version}, TDX ${s.tdxVersion} body, QE report, 3-certificate PCK chain`, () => {
      const q = parseTdxQuote(vector(s.name), s.trailing ? { trailing: s.trailing } : {})
      expect(q.header.version).toBe(s.version)
      expect(q.header.attestationKeyType).toBe(2)
      expect(q.header.teeType).toBe(0x81)
      expect(toHex(q.header.qeVendorId)).toBe('939a7233f79c4ca9940a0db3957f0607')
      expect(q.body.tdxVersion).toBe(s.tdxVersion)
      expect(q.bodyType).toBe(s.version === 5 ? (s.tdxVersion === '1.5' ? 3 : 2) : undefined)
      expect(q.signedBytes.length).toBe(s.tdxVersion === '1.5' ? 54 + 648 : s.version === 5 ? 54 + 584 : 48 + 584)
      expect(q.tdAttributes.debug).toBe(s.debug === true)
      expect(q.pckChain).toHaveLength(3)
      expect(q.qeReport.isvProdId).toBe(2)
      expect(toHex(q.qeReport.mrSigner)).toBe('dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5')
      expect(q.qeAuthData).toHaveLength(32)
      expect(q.body.teeTcbSvn2 !== undefined).toBe(s.tdxVersion === '1.5')
      expect(q.body.mrServiceTd?.length ?? 0).toBe(s.tdxVersion === '1.5' ? 48 : 0)
    })
  }

  it('decodes every body field of trustee tdx_quote_4.dat as trustee expects (parse_tdx_claims_expected.json)', () => {
    const q = parseTdxQuote(vector('trustee/tdx_quote_4.dat'))
    const want = (JSON.parse(vectorText('trustee/parse_tdx_claims_expected.json')) as { quote: { header: Record<string, string>; body: Record<string, string> } }).quote
    const b = q.body
    expect({
      mr_config_id: toHex(b.mrConfigId), mr_owner: toHex(b.mrOwner), mr_owner_config: toHex(b.mrOwnerConfig), mr_seam: toHex(b.mrSeam), mr_td: toHex(b.mrTd), mrsigner_seam: toHex(b.mrSignerSeam),
      report_data: toHex(b.reportData), rtmr_0: toHex(b.rtmrs[0]), rtmr_1: toHex(b.rtmrs[1]), rtmr_2: toHex(b.rtmrs[2]), rtmr_3: toHex(b.rtmrs[3]), seam_attributes: toHex(b.seamAttributes),
      tcb_svn: toHex(b.teeTcbSvn), td_attributes: toHex(b.tdAttributes), xfam: toHex(b.xfam),
    }).toEqual(want.body)
    expect(toHex(q.header.userData)).toBe(want.header.user_data)
    expect(toHex(q.header.qeVendorId)).toBe(want.header.vendor_id)
    expect(q.tdAttributes).toEqual({ raw: '0000000010000001', debug: true, septVeDisable: true, pks: false, kl: false, perfmon: false })
  })

  it('counts zero padding after the signature data (GCP 8000-byte buffer: 3065 bytes; trustee: 70)', () => {
    expect(parseTdxQuote(vector('go-tdx-guest/cos-113-tdx-quote.dat')).trailingBytes).toBe(3065)
    expect(v4().trailingBytes).toBe(70)
    expect(v5().trailingBytes).toBe(0)
  })
})

describe('TDX quote: malformations are thrown with their own code', () => {
  it('lists its thrown codes', () => {
    expect(TDX_THROWN_CODES).toContain('ERR_TDX_QUOTE_TRUNCATED')
    expect(TDX_THROWN_CODES).toContain('ERR_TDX_QUOTE_TRAILING')
  })
  it('version 3 (an SGX quote) and 6: ERR_TDX_QUOTE_VERSION', () => {
    expect(thrownCode(() => parseTdxQuote(setU16(v4().bytes, 0, 3)))).toBe('ERR_TDX_QUOTE_VERSION')
    expect(thrownCode(() => parseTdxQuote(setU16(v4().bytes, 0, 6)))).toBe('ERR_TDX_QUOTE_VERSION')
  })
  it('attestation key type 3 (P-384): ERR_TDX_QUOTE_UNSUPPORTED', () => {
    expect(thrownCode(() => parseTdxQuote(setU16(v4().bytes, 2, 3)))).toBe('ERR_TDX_QUOTE_UNSUPPORTED')
  })
  it('TEE type 0 (SGX): ERR_TDX_QUOTE_UNSUPPORTED', () => {
    expect(thrownCode(() => parseTdxQuote(setU32(v4().bytes, 4, 0)))).toBe('ERR_TDX_QUOTE_UNSUPPORTED')
  })
  it('v5 body type 1 (SGX report) or 4: ERR_TDX_QUOTE_UNSUPPORTED', () => {
    expect(thrownCode(() => parseTdxQuote(setU16(v5().bytes, 48, 1)))).toBe('ERR_TDX_QUOTE_UNSUPPORTED')
    expect(thrownCode(() => parseTdxQuote(setU16(v5().bytes, 48, 4)))).toBe('ERR_TDX_QUOTE_UNSUPPORTED')
  })
  it('v5 body size that does not fit the body type: ERR_TDX_QUOTE_LENGTH', () => {
    expect(thrownCode(() => parseTdxQuote(setU32(v5().bytes, 50, 584)))).toBe('ERR_TDX_QUOTE_LENGTH')
    expect(thrownCode(() => parseTdxQuote(setU16(v5().bytes, 48, 2)))).toBe('ERR_TDX_QUOTE_LENGTH') // type 2 with a 648-byte size
  })
  it('signature data length past the end: ERR_TDX_QUOTE_TRUNCATED; below 134 or not filled by the certification data: ERR_TDX_QUOTE_LENGTH', () => {
    const q = v5()
    const at = q.signedBytes.length
    expect(thrownCode(() => parseTdxQuote(setU32(q.bytes, at, q.bytes.length)))).toBe('ERR_TDX_QUOTE_TRUNCATED')
    expect(thrownCode(() => parseTdxQuote(setU32(q.bytes, at, 100)))).toBe('ERR_TDX_QUOTE_LENGTH')
    // One byte shorter: the certification data no longer fits inside it.
    const len = new DataView(q.bytes.buffer, q.bytes.byteOffset).getUint32(at, true)
    expect(thrownCode(() => parseTdxQuote(setU32(q.bytes, at, len - 1)))).toBe('ERR_TDX_QUOTE_LENGTH')
  })
  it('certification data type 5 at the top level (not 6): ERR_TDX_QUOTE_UNSUPPORTED', () => {
    const q = v4()
    expect(thrownCode(() => parseTdxQuote(setU16(q.bytes, q.signedBytes.length + 4 + 128, 5)))).toBe('ERR_TDX_QUOTE_UNSUPPORTED')
  })
  it('certification data size that does not fill the signature data: ERR_TDX_QUOTE_LENGTH', () => {
    const q = v4()
    const at = q.signedBytes.length + 4 + 130
    const size = new DataView(q.bytes.buffer, q.bytes.byteOffset).getUint32(at, true)
    expect(thrownCode(() => parseTdxQuote(setU32(q.bytes, at, size + 1)))).toBe('ERR_TDX_QUOTE_LENGTH')
    expect(thrownCode(() => parseTdxQuote(setU32(q.bytes, at, size - 1)))).toBe('ERR_TDX_QUOTE_LENGTH')
  })
  it('QE authentication data size running past the certification data: ERR_TDX_QUOTE_LENGTH', () => {
    const q = v4()
    const at = q.signedBytes.length + 4 + 134 + 384 + 64
    expect(thrownCode(() => parseTdxQuote(setU16(q.bytes, at, 0xffff)))).toBe('ERR_TDX_QUOTE_LENGTH')
  })
  it('nested certification data type 4 (PCK leaf only) instead of 5: ERR_TDX_QUOTE_UNSUPPORTED', () => {
    const q = v4()
    const at = q.signedBytes.length + 4 + 134 + 384 + 64 + 2 + q.qeAuthData.length
    expect(thrownCode(() => parseTdxQuote(setU16(q.bytes, at, 4)))).toBe('ERR_TDX_QUOTE_UNSUPPORTED')
  })
  it('a PCK chain with text around the PEM blocks: ERR_TDX_QUOTE_MALFORMED', () => {
    const q = v4()
    const bad = assembleQuote(q, { pckChain: new TextEncoder().encode(`junk\n${q.pckChainPem}`) })
    expect(thrownCode(() => parseTdxQuote(bad))).toBe('ERR_TDX_QUOTE_MALFORMED')
    const empty = assembleQuote(q, { pckChain: new Uint8Array(0) })
    expect(thrownCode(() => parseTdxQuote(empty))).toBe('ERR_TDX_QUOTE_MALFORMED')
  })
  it('more certificates than maxPckChainCertificates: ERR_TDX_QUOTE_MALFORMED', () => {
    const q = v4()
    expect(thrownCode(() => parseTdxQuote(q.bytes, { maxPckChainCertificates: 2 }))).toBe('ERR_TDX_QUOTE_MALFORMED')
  })
  it('a quote above maxQuoteBytes: ERR_TDX_QUOTE_LENGTH', () => {
    expect(thrownCode(() => parseTdxQuote(v4().bytes, { maxQuoteBytes: 4096 }))).toBe('ERR_TDX_QUOTE_LENGTH')
  })
  it('a non-zero byte after the signature data: ERR_TDX_QUOTE_TRAILING (go-tdx-guest SPR_E4 carries text there)', () => {
    const q = v4()
    const b = q.bytes.slice()
    b[b.length - 1] = 1
    expect(thrownCode(() => parseTdxQuote(b))).toBe('ERR_TDX_QUOTE_TRAILING')
    expect(thrownCode(() => parseTdxQuote(vector('go-tdx-guest/tdx_prod_quote_SPR_E4.dat')))).toBe('ERR_TDX_QUOTE_TRAILING')
    expect(parseTdxQuote(vector('go-tdx-guest/tdx_prod_quote_SPR_E4.dat'), { trailing: 'ignore' }).trailingBytes).toBe(39)
  })
  it("zero padding under trailing: 'reject': ERR_TDX_QUOTE_TRAILING; the same quote without padding parses", () => {
    const q = v4()
    expect(thrownCode(() => parseTdxQuote(q.bytes, { trailing: 'reject' }))).toBe('ERR_TDX_QUOTE_TRAILING')
    const exact = q.bytes.subarray(0, q.bytes.length - q.trailingBytes)
    expect(parseTdxQuote(exact, { trailing: 'reject' }).trailingBytes).toBe(0)
  })
  it('re-assembling a parsed quote gives its bytes back (the tamper helper is exact)', () => {
    const q = v5()
    expect(toHex(assembleQuote(q))).toBe(toHex(q.bytes))
  })
})

describe('TDX quote: bounded failure', () => {
  for (const name of ['trustee/tdx_quote_6.dat', 'go-tdx-guest/quote_v5_sample.dat']) {
    it(`${name}: every prefix of the structure throws a BootproofError with a TDX or PEM code`, () => {
      const q = parseTdxQuote(vector(name))
      const end = q.bytes.length - q.trailingBytes
      const seen = new Set<string>()
      for (let n = 0; n < end; n++) {
        const code = thrownCode(() => parseTdxQuote(q.bytes.subarray(0, n)))
        expect(code, `prefix ${n}`).toBeDefined()
        seen.add(code!)
      }
      // Cuts inside the PEM leave a valid-looking prefix only through the declared lengths.
      expect([...seen].sort()).toEqual(['ERR_TDX_QUOTE_TRUNCATED'])
    })
  }

  it('2,000 seeded byte mutations of the v4 and v5 bodies and signature data throw only BootproofError', () => {
    let seed = 0x2545f491
    const rand = (n: number): number => {
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      return (seed >>> 0) % n
    }
    for (const base of [v4().bytes, v5().bytes]) {
      for (let i = 0; i < 1000; i++) {
        const b = base.slice()
        for (let k = 1 + rand(4); k > 0; k--) b[rand(Math.min(b.length, bodyOffset(5) + 1400))] = rand(256)
        try {
          parseTdxQuote(b)
        } catch (e) {
          expect(isBootproofError(e), String(e)).toBe(true)
        }
      }
    }
  })
})
