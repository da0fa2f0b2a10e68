/**
 * SEV-SNP report parsing: strict size, versions 2 / 3 / 5 layouts, reserved fields and bits,
 * signature conversion. Unparseable reports throw a BootproofError with a stable code, from
 * parseSnpReport and from verifySnpReport alike.
 */
import { describe, expect, it } from 'vitest'
import { isBootproofError, parseSnpReport, SNP_THROWN_CODES, verifySnpReport } from '../../src/index.js'
import { NOW, vector } from './snp_helpers.js'

function thrownCode(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    if (isBootproofError(e)) return e.code
    throw e
  }
  return undefined
}

async function rejectedCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (e) {
    if (isBootproofError(e)) return e.code
    throw e
  }
  return undefined
}

const v2 = (): Uint8Array => vector('trustee-test-report.bin').slice()
const v3 = (): Uint8Array => vector('trustee-test-vlek-report.bin').slice()
const put32 = (b: Uint8Array, at: number, v: number): void => new DataView(b.buffer, b.byteOffset).setUint32(at, v, true)

describe('parseSnpReport', () => {
  it('decodes a version 2 report', () => {
    const r = parseSnpReport(v2())
    expect(r.version).toBe(2)
    expect(r.policy).toMatchObject({ raw: '000000000003001f', abiMajor: 0, abiMinor: 31, smt: true, debug: false, migrateMa: false })
    expect(r.platformInfo).toMatchObject({ raw: '0000000000000001', smtEnabled: true, tsmeEnabled: false })
    expect(r.signingKey).toBe('vcek')
    expect(r.vmpl).toBe(0)
    expect(r.cpuid).toBeUndefined()
    expect(r.product).toBeUndefined()
    expect(r.signature.r.length).toBe(48)
    expect(r.signedBytes.length).toBe(0x2a0)
    expect(r.launchMitVector).toBeUndefined()
  })

  it('decodes a version 3 report: CPUID, product, VLEK signer, VMPL', () => {
    const r = parseSnpReport(v3())
    expect(r.cpuid).toEqual({ family: 0x19, model: 0x01, stepping: 0x01 })
    expect(r.product).toBe('Milan')
    expect(r.signingKey).toBe('vlek')
    expect(r.vmpl).toBe(1)
    expect(r.currentVersion).toEqual({ major: 1, minor: 55, build: 29 })
  })

  it('decodes the version 5 layout (mitigation vectors at 0x1F8 and 0x200)', () => {
    const b = v3()
    put32(b, 0, 5)
    b[0x1f8] = 0x03
    b[0x200] = 0x07
    const r = parseSnpReport(b)
    expect(r.version).toBe(5)
    expect(r.launchMitVector).toBe(3n)
    expect(r.currentMitVector).toBe(7n)
    // In a version 3 report the same bytes are reserved.
    const c = v3()
    c[0x200] = 0x07
    expect(thrownCode(() => parseSnpReport(c))).toBe('ERR_SNP_REPORT_RESERVED')
  })

  it('converts r and s from 72-byte little-endian fields to 48-byte big-endian', () => {
    const b = v2()
    const r = parseSnpReport(b)
    expect(r.signature.r[47]).toBe(b[0x2a0])
    expect(r.signature.r[0]).toBe(b[0x2a0 + 47])
    expect(r.signature.s[47]).toBe(b[0x2a0 + 72])
  })

  it('rejects a truncated report and trailing bytes (ERR_SNP_REPORT_SIZE)', async () => {
    const b = v2()
    expect(thrownCode(() => parseSnpReport(b.subarray(0, 0x49f)))).toBe('ERR_SNP_REPORT_SIZE')
    expect(thrownCode(() => parseSnpReport(b.subarray(0, 0x2a0)))).toBe('ERR_SNP_REPORT_SIZE')
    expect(thrownCode(() => parseSnpReport(new Uint8Array(0)))).toBe('ERR_SNP_REPORT_SIZE')
    const longer = new Uint8Array(0x4a1)
    longer.set(b)
    expect(thrownCode(() => parseSnpReport(longer))).toBe('ERR_SNP_REPORT_SIZE')
    expect(await rejectedCode(verifySnpReport(b.subarray(0, 0x400), { vcek: vector('trustee-test-vcek.der'), now: NOW }))).toBe('ERR_SNP_REPORT_SIZE')
  })

  it('rejects versions other than 2 to 5 (ERR_SNP_REPORT_VERSION)', () => {
    for (const v of [0, 1, 6, 0xffffffff]) {
      const b = v2()
      put32(b, 0, v)
      expect(thrownCode(() => parseSnpReport(b))).toBe('ERR_SNP_REPORT_VERSION')
    }
    const b = v3()
    put32(b, 0, 4)
    expect(parseSnpReport(b).cpuid).toBeDefined()
  })

  it('rejects SIGNATURE_ALGO other than 1 (ERR_SNP_REPORT_UNSUPPORTED)', () => {
    const b = v2()
    put32(b, 0x34, 2)
    expect(thrownCode(() => parseSnpReport(b))).toBe('ERR_SNP_REPORT_UNSUPPORTED')
  })

  it('rejects POLICY bit 17 clear (ERR_SNP_REPORT_MALFORMED) and bits 26-63 set (ERR_SNP_REPORT_RESERVED)', () => {
    const a = v2()
    a[0x0a] = a[0x0a]! & ~0x02
    expect(thrownCode(() => parseSnpReport(a))).toBe('ERR_SNP_REPORT_MALFORMED')
    const b = v2()
    b[0x0b] = 0x04 // bit 26
    expect(thrownCode(() => parseSnpReport(b))).toBe('ERR_SNP_REPORT_RESERVED')
  })

  // [offset, what]: one byte in every reserved range, per layout.
  const RESERVED_V2: [number, string][] = [
    [0x4c, 'reserved after signer info'],
    [0x188, 'CPUID bytes of a version 2 report'],
    [0x19f, 'reserved before CHIP_ID'],
    [0x1eb, 'reserved after CURRENT version'],
    [0x1ef, 'reserved after COMMITTED version'],
    [0x1f8, 'reserved after LAUNCH_TCB'],
    [0x29f, 'last signed byte'],
    [0x2a0 + 48, 'high bytes of R'],
    [0x2a0 + 72 + 71, 'high bytes of S'],
    [0x330, 'signature padding'],
    [0x49f, 'last byte'],
  ]
  for (const [at, what] of RESERVED_V2) {
    it(`rejects a nonzero reserved byte at 0x${at.toString(16)} (${what}) with ERR_SNP_REPORT_RESERVED`, () => {
      const b = v2()
      b[at] = 0x01
      expect(thrownCode(() => parseSnpReport(b))).toBe('ERR_SNP_REPORT_RESERVED')
    })
  }

  it('rejects reserved bits of PLATFORM_INFO and signer info, and reserved SIGNING_KEY values', () => {
    const a = v2()
    a[0x40] = a[0x40]! | 0x40 // PLATFORM_INFO bit 6
    expect(thrownCode(() => parseSnpReport(a))).toBe('ERR_SNP_REPORT_RESERVED')
    const b = v2()
    b[0x41] = 0x01 // PLATFORM_INFO bit 8
    expect(thrownCode(() => parseSnpReport(b))).toBe('ERR_SNP_REPORT_RESERVED')
    const c = v2()
    c[0x48] = 0x20 // signer info bit 5
    expect(thrownCode(() => parseSnpReport(c))).toBe('ERR_SNP_REPORT_RESERVED')
    const d = v2()
    d[0x48] = 2 << 2 // SIGNING_KEY 2
    expect(thrownCode(() => parseSnpReport(d))).toBe('ERR_SNP_REPORT_RESERVED')
    const e = v2()
    e[0x48] = 7 << 2 // SIGNING_KEY 7: none (parses; no key can verify it)
    expect(parseSnpReport(e).signingKey).toBe('none')
  })

  it('rejects reserved bytes through verifySnpReport too', async () => {
    const b = v3()
    b[0x18b] = 0xff
    expect(await rejectedCode(verifySnpReport(b, { vcek: vector('trustee-test-vlek.der'), now: NOW }))).toBe('ERR_SNP_REPORT_RESERVED')
  })

  it('throws only the listed codes', () => {
    expect([...SNP_THROWN_CODES].sort()).toEqual(['ERR_SNP_REPORT_MALFORMED', 'ERR_SNP_REPORT_RESERVED', 'ERR_SNP_REPORT_SIZE', 'ERR_SNP_REPORT_UNSUPPORTED', 'ERR_SNP_REPORT_VERSION'])
  })
})
