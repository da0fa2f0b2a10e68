/**
 * TD quote verification over public quotes of three projects (Google go-tdx-guest: GCP; trustee:
 * Alibaba / Azure; Phala dcap-qvl), with `now` inside each PCK certificate's validity, and each
 * tamper rejected with its own code.
 */
import { webcrypto } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { parseTdxQuote, verifyTdxQuote, type TdxVerifyResult } from '../../../src/index.js'
import { toHex } from '../../../src/bytes/hex.js'
import { issue, toPem } from '../../x509/cert_builder.js'
import { assembleQuote, bodyOffset, flip, SAMPLES, vector } from './helpers.js'

const codes = (r: TdxVerifyResult): string[] => r.errors.map((e) => e.code)
const crypto = webcrypto as unknown as Crypto

const V6 = { name: 'trustee/tdx_quote_6.dat', now: new Date('2025-11-01T00:00:00Z') }
const q6 = () => parseTdxQuote(vector(V6.name))

describe('TDX quote verification: public samples', () => {
  for (const s of SAMPLES) {
    it(`${s.name}: quote signature, QE report signature, QE binding, PCK chain to the pinned Intel root${s.debug ? ' (a debug TD: ERR_TDX_DEBUG only)' : ''}`, async () => {
      const r = await verifyTdxQuote(vector(s.name), { now: s.now, ...(s.trailing ? { parse: { trailing: s.trailing } } : {}) })
      expect(r.checks.map((c) => c.id)).toEqual(['quote.qeVendor', 'quote.signature', 'pck.chain', 'qe.signature', 'qe.binding', 'td.debug'])
      expect(codes(r)).toEqual(s.debug ? ['ERR_TDX_DEBUG'] : [])
      expect(r.valid).toBe(!s.debug)
      expect(r.pck?.ca).toBe('platform')
      expect(r.report.version).toBe(s.version)
    })
  }

  it('the debug TD verifies when allowDebug is set', async () => {
    const r = await verifyTdxQuote(vector('trustee/tdx_quote_4.dat'), { now: new Date('2023-07-01T00:00:00Z'), allowDebug: true })
    expect(r.valid).toBe(true)
    expect(r.checks.find((c) => c.id === 'td.debug')?.message).toContain('accepted (allowDebug)')
  })

  it('reports the quote in JSON form (hex fields, decoded attributes)', async () => {
    const r = await verifyTdxQuote(vector('go-tdx-guest/quote_v5_sample.dat'), { now: new Date('2026-02-20T00:00:00Z') })
    expect(r.report.tdxVersion).toBe('1.5')
    expect(r.report.bodyType).toBe(3)
    expect(r.report.mrTd).toMatch(/^[0-9a-f]{96}$/)
    expect(r.report.rtmrs).toHaveLength(4)
    expect(r.report.mrServiceTd).toMatch(/^[0-9a-f]{96}$/)
    expect(r.report.tdAttributes.septVeDisable).toBe(true)
    expect(r.report.qe.isvProdId).toBe(2)
    expect(JSON.parse(JSON.stringify(r.report))).toEqual(r.report)
  })

  it('a chain carried without its root still validates to the pinned root', async () => {
    const q = q6()
    const pem = q.pckChainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g)!
    const r = await verifyTdxQuote(assembleQuote(q, { pckChain: new TextEncoder().encode(pem[0]! + pem[1]!) }), { now: V6.now })
    expect(codes(r)).toEqual([])
  })
})

describe('TDX quote verification: each tamper has its own code', () => {
  it('a flipped body byte (MRTD): ERR_TDX_SIGNATURE only', async () => {
    const q = q6()
    const r = await verifyTdxQuote(flip(q.bytes, bodyOffset(4) + 136), { now: V6.now })
    expect(codes(r)).toEqual(['ERR_TDX_SIGNATURE'])
  })

  it('a flipped header byte (user data): ERR_TDX_SIGNATURE only', async () => {
    const r = await verifyTdxQuote(flip(q6().bytes, 30), { now: V6.now })
    expect(codes(r)).toEqual(['ERR_TDX_SIGNATURE'])
  })

  it('a flipped signature byte, and r = 0: ERR_TDX_SIGNATURE', async () => {
    const q = q6()
    expect(codes(await verifyTdxQuote(flip(q.bytes, q.signedBytes.length + 4 + 10), { now: V6.now }))).toEqual(['ERR_TDX_SIGNATURE'])
    const zeroR = assembleQuote(q, { signature: new Uint8Array([...new Uint8Array(32), ...q.signature.subarray(32)]) })
    const r = await verifyTdxQuote(zeroR, { now: V6.now })
    expect(codes(r)).toEqual(['ERR_TDX_SIGNATURE'])
    expect(r.errors[0]!.message).toContain('outside [1, n-1]')
  })

  it('a flipped QE report byte (ISVSVN): ERR_TDX_QE_REPORT_SIGNATURE only', async () => {
    const q = q6()
    const r = await verifyTdxQuote(assembleQuote(q, { qeReport: flip(q.qeReport.bytes, 258) }), { now: V6.now })
    expect(codes(r)).toEqual(['ERR_TDX_QE_REPORT_SIGNATURE'])
  })

  it('a flipped QE authentication data byte: ERR_TDX_QE_BINDING only', async () => {
    const q = q6()
    const r = await verifyTdxQuote(assembleQuote(q, { qeAuthData: flip(q.qeAuthData, 0) }), { now: V6.now })
    expect(codes(r)).toEqual(['ERR_TDX_QE_BINDING'])
  })

  it('another platform\'s attestation key, signature and body under this QE report (key substitution): ERR_TDX_QE_BINDING only', async () => {
    const mine = q6()
    const other = parseTdxQuote(vector('dcap-qvl/tdx_quote'))
    const swapped = assembleQuote(mine, { signedBytes: other.signedBytes, signature: other.signature, attestationKey: other.attestationKey })
    const r = await verifyTdxQuote(swapped, { now: V6.now })
    expect(codes(r)).toEqual(['ERR_TDX_QE_BINDING'])
  })

  it('another platform\'s genuine PCK chain: ERR_TDX_QE_REPORT_SIGNATURE only (the chain itself is valid)', async () => {
    const q = q6()
    const other = parseTdxQuote(vector('dcap-qvl/tdx_quote'))
    const r = await verifyTdxQuote(assembleQuote(q, { pckChain: other.pckChainBytes }), { now: V6.now })
    expect(codes(r)).toEqual(['ERR_TDX_QE_REPORT_SIGNATURE'])
  })

  it('a look-alike PKI ("Intel SGX Root CA" of the attacker) that signs the QE report: ERR_TDX_CHAIN only', async () => {
    const q = q6()
    const root = await issue({ subjectCN: 'Intel SGX Root CA', ca: true, pathLen: 1, keyUsage: 0x06 })
    const ca = await issue({ subjectCN: 'Intel SGX PCK Platform CA', issuer: root, ca: true, pathLen: 0, keyUsage: 0x06 })
    const leaf = await issue({ subjectCN: 'Intel SGX PCK Certificate', issuer: ca, keyUsage: 0x80 })
    const qeSig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, leaf.keys.privateKey, q.qeReport.bytes.slice()))
    const pem = new TextEncoder().encode(toPem(leaf.der) + toPem(ca.der) + toPem(root.der))
    const r = await verifyTdxQuote(assembleQuote(q, { pckChain: pem, qeReportSignature: qeSig }), { now: V6.now })
    expect(codes(r)).toEqual(['ERR_TDX_CHAIN'])
    expect(r.errors[0]!.message).toContain('not the pinned Intel SGX Root CA')
  })

  it('an SNP VCEK in place of the PCK chain: ERR_TDX_CHAIN and ERR_TDX_QE_REPORT_SIGNATURE', async () => {
    const q = q6()
    const vcek = toPem(new Uint8Array(vector('../snp/trustee-test-vcek.der')))
    const r = await verifyTdxQuote(assembleQuote(q, { pckChain: new TextEncoder().encode(vcek) }), { now: V6.now })
    expect(codes(r)).toEqual(['ERR_TDX_CHAIN', 'ERR_TDX_QE_REPORT_SIGNATURE'])
  })

  it('now after the PCK certificate expired, or before it was issued: ERR_TDX_CHAIN only', async () => {
    const q = q6()
    expect(codes(await verifyTdxQuote(q, { now: new Date('2033-01-01T00:00:00Z') }))).toEqual(['ERR_TDX_CHAIN'])
    expect(codes(await verifyTdxQuote(q, { now: new Date('2025-01-01T00:00:00Z') }))).toEqual(['ERR_TDX_CHAIN'])
  })

  it('the DEBUG bit set in TDATTRIBUTES: ERR_TDX_DEBUG (and the body no longer verifies: ERR_TDX_SIGNATURE)', async () => {
    const q = q6()
    const r = await verifyTdxQuote(flip(q.bytes, bodyOffset(4) + 120), { now: V6.now })
    expect(r.report.tdAttributes.debug).toBe(true)
    expect(codes(r)).toEqual(['ERR_TDX_SIGNATURE', 'ERR_TDX_DEBUG'])
  })

  it("a QE vendor ID that is not Intel's: ERR_TDX_QE_VENDOR (the header is signed: ERR_TDX_SIGNATURE)", async () => {
    const r = await verifyTdxQuote(flip(q6().bytes, 12), { now: V6.now })
    expect(codes(r)).toEqual(['ERR_TDX_QE_VENDOR', 'ERR_TDX_SIGNATURE'])
  })
})

describe('TDX quote verification: expected values', () => {
  it('REPORTDATA, MRTD and RTMRs equal to the quote pass; different ones fail with their own codes', async () => {
    const q = q6()
    const same = await verifyTdxQuote(q, { now: V6.now, reportData: q.body.reportData.slice(), mrTd: q.body.mrTd.slice(), rtmrs: q.body.rtmrs.map((x) => x.slice()) })
    expect(codes(same)).toEqual([])
    expect(same.checks.map((c) => c.id).slice(6)).toEqual(['td.reportData', 'td.mrTd', 'td.rtmr0', 'td.rtmr1', 'td.rtmr2', 'td.rtmr3'])
    const diff = await verifyTdxQuote(q, { now: V6.now, reportData: flip(q.body.reportData, 63), mrTd: flip(q.body.mrTd, 0), rtmrs: [undefined, undefined, flip(q.body.rtmrs[2], 5)] })
    expect(codes(diff)).toEqual(['ERR_TDX_REPORT_DATA', 'ERR_TDX_MRTD', 'ERR_TDX_RTMR'])
    expect(diff.errors[2]!.message).toContain('RTMR2')
    expect(toHex(q.body.reportData)).toBe(diff.report.reportData)
  })

  it('a REPORTDATA of the wrong length fails; more than four RTMRs is a TypeError', async () => {
    const q = q6()
    expect(codes(await verifyTdxQuote(q, { now: V6.now, reportData: q.body.reportData.subarray(0, 32) }))).toEqual(['ERR_TDX_REPORT_DATA'])
    await expect(verifyTdxQuote(q, { now: V6.now, rtmrs: [q.body.mrTd, q.body.mrTd, q.body.mrTd, q.body.mrTd, q.body.mrTd] })).rejects.toThrow(TypeError)
  })
})
