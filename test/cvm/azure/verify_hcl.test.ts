/**
 * verifyHclReport / verifyCvm over real Azure evidence: the SEV-SNP report inside verifies to the
 * pinned AMD root, the runtime data is bound by REPORT_DATA, HCLAkPub is the AK that signed the
 * vTPM quote. Each tamper fails with its own code.
 */
import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { checkAkBinding, checkRuntimeDataBinding, compareTdReport, parseHclReport, parseTdReport, verifyCvm, verifyHclReport, verifyQuote, type CvmVerifyResult } from '../../../src/index.js'
import { announceCorpus, CORPUS, repoBytes } from '../../helpers/corpus.js'
import { azureSamples, NOW, runtimeDataOf, text, trusteeSnpQuote, utf8, vector, withRuntimeData } from './helpers.js'

announceCorpus('Azure HCL report verification over the corpus')

const codes = (r: CvmVerifyResult): string[] => r.errors.map((e) => e.code)
const SNP = vector('trustee-snp-hcl-report.bin')
const VCEK = new TextDecoder().decode(vector('trustee-snp-vcek.pem'))
const TDX = vector('trustee-tdx-hcl-report.bin')
const TD_QUOTE = vector('trustee-tdx-td-quote.bin')
const flip = (b: Uint8Array, at: number): Uint8Array => {
  const c = b.slice()
  c[at] = c[at]! ^ 0x01
  return c
}
const SNP_AT = (off: number) => 0x20 + off

describe('committed trustee SEV-SNP vector (Milan, report version 2)', () => {
  it('verifies: VCEK chain to ARK-Milan, signature, TCB, VMPL 0, runtime data bound', async () => {
    const r = await verifyHclReport(SNP, { vcek: VCEK, now: NOW })
    expect(r.errors).toEqual([])
    expect(r.valid).toBe(true)
    expect(r.hardwareVerified).toBe(true)
    expect(r.checks.map((c) => c.id)).toEqual(['vcek.profile', 'product', 'report.signingKey', 'vcek.chain', 'report.signature', 'tcb.reported', 'tcb.current', 'chipId', 'policy.debug', 'hcl.vmpl', 'hcl.reportData', 'hcl.ak'])
    expect(r.report).toMatchObject({ version: 2, vmpl: 0, product: 'Milan' })
    expect(r.akBound).toBe(false) // no AK given
    expect(r.ak).toMatch(/^30820122300d06092a864886f70d0101010500/)
  })

  it('its vTPM quote verifies with HCLAkPub, and that AK is bound (given as SPKI)', async () => {
    const q = trusteeSnpQuote()
    const ak = Buffer.from(parseHclReport(SNP).runtimeData.ak!.spki!)
    const quote = await verifyQuote({ attest: q.attest, signature: q.signature, ak: new Uint8Array(ak), nonce: q.nonce, pcrs: q.pcrs, options: { trustBareKey: true } })
    expect(quote.errors).toEqual([])
    const r = await verifyHclReport(SNP, { vcek: VCEK, now: NOW, ak: new Uint8Array(ak) })
    expect(r.akBound).toBe(true)
  })

  it('with the pinned ASK replaced by the file\'s own chain (VCEK, ASK, ARK): still verifies', async () => {
    const r = await verifyCvm({ hclReport: SNP, vcek: VCEK }, { now: NOW })
    expect(r.valid).toBe(true)
  })
})

describe.skipIf(!CORPUS)('the four corpus Azure SEV-SNP HCL reports, bound to their vTPM AK', () => {
  const samples = azureSamples().filter((s) => s.platform === 'sev-snp')
  it('finds four', () => expect(samples.length).toBe(4))
  for (const s of samples) {
    it(`${s.name}: valid, akBound, runtime data hash = REPORT_DATA`, async () => {
      const r = await verifyCvm({ hclReport: s.hcl, vcek: s.vcekPem! }, { ak: s.akSpki, now: NOW })
      expect(r.errors).toEqual([])
      expect(r.valid).toBe(true)
      expect(r.akBound).toBe(true)
      expect(r.platform).toBe('sev-snp')
      expect(r.ak).toBe(Buffer.from(s.akSpki).toString('hex'))
      const hcl = parseHclReport(s.hcl)
      expect((r.report as { reportData: string }).reportData).toBe(createHash('sha256').update(hcl.runtimeDataBytes).digest('hex') + '0'.repeat(64))
      expect(r.measurement).toBe((r.report as { measurement: string }).measurement)
    })
  }

  it('runtime data edited (one user-data digit): ERR_HCL_REPORT_DATA only', async () => {
    const s = samples[0]!
    const rd = text(runtimeDataOf(s.hcl))
    const edited = rd.replace(/"user-data":"([0-9a-fA-F])/, (_, c: string) => `"user-data":"${c === '0' ? '1' : '0'}`)
    expect(edited.length).toBe(rd.length)
    const r = await verifyCvm({ hclReport: withRuntimeData(s.hcl, utf8(edited)), vcek: s.vcekPem! }, { ak: s.akSpki, now: NOW })
    expect(codes(r)).toEqual(['ERR_HCL_REPORT_DATA'])
    expect(r.akBound).toBe(false)
  })

  it('AK of another VM (another corpus file): ERR_HCL_AK_MISMATCH only', async () => {
    const [a, b] = [samples[0]!, samples.find((x) => !Buffer.from(x.akSpki).equals(Buffer.from(samples[0]!.akSpki)))!]
    const r = await verifyCvm({ hclReport: a.hcl, vcek: a.vcekPem! }, { ak: b.akSpki, now: NOW })
    expect(codes(r)).toEqual(['ERR_HCL_AK_MISMATCH'])
    expect(r.akBound).toBe(false)
  })

  it('HCLAkPub renamed in the runtime data: ERR_HCL_AK_MISSING (and the hash no longer binds)', async () => {
    const s = samples[0]!
    const rd = text(runtimeDataOf(s.hcl)).replace('"kid":"HCLAkPub"', '"kid":"HCLAkPuX"')
    const hcl = withRuntimeData(s.hcl, utf8(rd))
    const r = await verifyCvm({ hclReport: hcl, vcek: s.vcekPem! }, { ak: s.akSpki, now: NOW })
    expect(codes(r)).toEqual(['ERR_HCL_REPORT_DATA', 'ERR_HCL_AK_MISSING'])
    // The AK check alone, on the parsed report.
    expect(checkAkBinding(parseHclReport(hcl), s.akSpki)).toMatchObject({ ok: false, code: 'ERR_HCL_AK_MISSING' })
  })

  it('a flipped MEASUREMENT byte in the SEV-SNP report: ERR_SNP_SIGNATURE only', async () => {
    const s = samples[0]!
    const r = await verifyCvm({ hclReport: flip(s.hcl, SNP_AT(0x90)), vcek: s.vcekPem! }, { ak: s.akSpki, now: NOW })
    expect(codes(r)).toEqual(['ERR_SNP_SIGNATURE'])
    expect(r.hardwareVerified).toBe(false)
    expect(r.akBound).toBe(false)
  })

  it('VMPL changed to 1: ERR_HCL_VMPL (and the signature fails)', async () => {
    const s = samples[0]!
    const r = await verifyCvm({ hclReport: flip(s.hcl, SNP_AT(0x30)), vcek: s.vcekPem! }, { ak: s.akSpki, now: NOW })
    expect(codes(r)).toEqual(['ERR_SNP_SIGNATURE', 'ERR_HCL_VMPL'])
  })

  it('no VCEK: ERR_CVM_ENDORSEMENT_MISSING, the binding checks still run', async () => {
    const s = samples[0]!
    const r = await verifyCvm({ hclReport: s.hcl }, { ak: s.akSpki, now: NOW })
    expect(codes(r)).toEqual(['ERR_CVM_ENDORSEMENT_MISSING'])
    expect(r.checks.find((c) => c.id === 'hcl.reportData')!.ok).toBe(true)
    expect(r.akBound).toBe(false)
  })

  it('policy: measurements, HOST_DATA, minimum TCB each fail with their own code', async () => {
    const s = samples[0]!
    const base = { ak: s.akSpki, now: NOW }
    const ok = await verifyCvm({ hclReport: s.hcl, vcek: s.vcekPem! }, base)
    const m = ok.measurement!
    const h = (ok.report as { hostData: string }).hostData
    expect((await verifyCvm({ hclReport: s.hcl, vcek: s.vcekPem! }, { ...base, measurements: [m], hostData: [h] })).valid).toBe(true)
    expect(codes(await verifyCvm({ hclReport: s.hcl, vcek: s.vcekPem! }, { ...base, measurements: ['00'.repeat(48)] }))).toEqual(['ERR_CVM_MEASUREMENT'])
    expect(codes(await verifyCvm({ hclReport: s.hcl, vcek: s.vcekPem! }, { ...base, hostData: ['11'.repeat(32)] }))).toEqual(['ERR_CVM_HOST_DATA'])
    expect(codes(await verifyCvm({ hclReport: s.hcl, vcek: s.vcekPem! }, { ...base, minimumTcb: { microcode: 255 } }))).toEqual(['ERR_SNP_TCB_MINIMUM'])
    await expect(verifyCvm({ hclReport: s.hcl, vcek: s.vcekPem! }, { ...base, measurements: ['00'] })).rejects.toThrow(TypeError)
  })
})

describe('runtime-data binding with other hash types (IGVM hash type 2 and 3)', () => {
  const hcl = parseHclReport(SNP)
  for (const [type, alg, n] of [[2, 'sha384', 48], [3, 'sha512', 64]] as const) {
    it(`${alg}: REPORT_DATA[0:${n}] = ${alg.toUpperCase()}(runtime data) binds, SHA-256 does not`, () => {
      const b = SNP.slice()
      new DataView(b.buffer).setUint32(0x4cc, type, true)
      const h = parseHclReport(b)
      expect(h.hashType).toBe(alg)
      const rd = new Uint8Array(64)
      rd.set(createHash(alg).update(hcl.runtimeDataBytes).digest())
      expect(checkRuntimeDataBinding(h, rd).ok).toBe(true)
      expect(checkRuntimeDataBinding(h, hcl.hardwareReport.subarray(0x50, 0x90)).ok).toBe(false)
    })
  }
  it('SHA-256 digest right but a non-zero byte after it: not bound', () => {
    const rd = hcl.hardwareReport.slice(0x50, 0x90)
    rd[40] = 1
    expect(checkRuntimeDataBinding(hcl, rd)).toMatchObject({ ok: false, message: expect.stringMatching(/bytes 32-63 are not zero/) })
  })
})

describe('TDX HCL report (trustee / corpus TD report and TD quote)', () => {
  it('the TD report equals the TD quote body field by field, and its own hashes hold', () => {
    const td = parseTdReport(parseHclReport(TDX).hardwareReport)
    expect(td.hashesConsistent).toBe(true)
    // TD quote v4 body at 0x30 (Intel TDX DCAP Quote Library API): fields at their body offsets.
    const q = (o: number, n: number) => TD_QUOTE.subarray(0x30 + o, 0x30 + o + n)
    const body = { teeTcbSvn: q(0, 16), mrSeam: q(16, 48), mrSignerSeam: q(64, 48), seamAttributes: q(112, 8), tdAttributes: q(120, 8), xfam: q(128, 8), mrTd: q(136, 48), mrConfigId: q(184, 48), mrOwner: q(232, 48), mrOwnerConfig: q(280, 48), rtmrs: [0, 1, 2, 3].map((i) => q(328 + 48 * i, 48)), reportData: q(520, 64) }
    expect(compareTdReport(td, body)).toEqual([])
    expect(compareTdReport(td, { ...body, mrTd: flip(body.mrTd, 3), rtmrs: [body.rtmrs[0]!, flip(body.rtmrs[1]!, 0), body.rtmrs[2]!, body.rtmrs[3]!] })).toEqual(['mrTd', 'rtmr1'])
  })

  it('a TD report that is not of type 0x81: ERR_HCL_REPORT_MALFORMED', async () => {
    const b = TDX.slice()
    b[0x20] = 0
    await expect(verifyHclReport(b, { tdQuote: TD_QUOTE })).rejects.toMatchObject({ code: 'ERR_HCL_REPORT_MALFORMED' })
  })

  it('without the TD quote: ERR_CVM_ENDORSEMENT_MISSING; the runtime data binds the TD report REPORTDATA', async () => {
    const r = await verifyHclReport(TDX, { now: NOW })
    expect(r.platform).toBe('tdx')
    expect(codes(r)).toEqual(['ERR_CVM_ENDORSEMENT_MISSING'])
    expect(r.checks.find((c) => c.id === 'hcl.reportData')!.ok).toBe(true)
    expect(r.measurement).toBe((r.report as { mrTd: string }).mrTd)
    expect(r.debug).toBe(false)
  })

  it('with the TD quote: valid (quote signature, QE report, PCK chain to the Intel root, TD report = quote body)', async () => {
    const r = await verifyHclReport(TDX, { tdQuote: TD_QUOTE, now: NOW, ak: parseHclReport(TDX).runtimeData.ak!.spki! })
    expect(r.errors).toEqual([])
    expect(r.checks.map((c) => c.id)).toEqual(['tdx.quote.qeVendor', 'tdx.quote.signature', 'tdx.pck.chain', 'tdx.qe.signature', 'tdx.qe.binding', 'tdx.td.debug', 'hcl.tdReport', 'hcl.reportData', 'hcl.ak'])
    expect(r.hardwareVerified).toBe(true)
    expect(r.akBound).toBe(true)
    expect((r.report as { tdQuote: { mrTd: string } }).tdQuote.mrTd).toBe(r.measurement)
  })

  it('the TD quote of another TD: ERR_HCL_TD_REPORT_MISMATCH, and the runtime data is not bound by its REPORTDATA', async () => {
    const other = repoBytes('test-vectors/cvm/tdx/go-tdx-guest/cos-113-tdx-quote.dat')
    const r = await verifyHclReport(TDX, { tdQuote: other, now: new Date('2025-01-01T00:00:00Z') })
    expect(codes(r)).toEqual(['ERR_HCL_TD_REPORT_MISMATCH', 'ERR_HCL_REPORT_DATA'])
    expect(r.checks.find((c) => c.id === 'hcl.tdReport')!.message).toMatch(/mrTd/)
    expect(r.hardwareVerified).toBe(false)
  })

  it('a flipped MRTD byte in the TD quote: its signature fails (ERR_TDX_SIGNATURE) and it no longer equals the TD report', async () => {
    const r = await verifyHclReport(TDX, { tdQuote: flip(TD_QUOTE, 0x30 + 136), now: NOW })
    expect(codes(r)).toEqual(['ERR_TDX_SIGNATURE', 'ERR_HCL_TD_REPORT_MISMATCH'])
  })

  it('a bare TD quote verifies through verifyCvm', async () => {
    const r = await verifyCvm({ tdxQuote: TD_QUOTE }, { now: NOW })
    expect(r.errors).toEqual([])
    expect(r.platform).toBe('tdx')
    expect(r.measurement).toBe(Buffer.from(TD_QUOTE.subarray(0x30 + 136, 0x30 + 184)).toString('hex'))
    expect(codes(await verifyCvm({ tdxQuote: TD_QUOTE }, { now: NOW, measurements: ['00'.repeat(48)] }))).toEqual(['ERR_CVM_MEASUREMENT'])
    expect(codes(await verifyCvm({ tdxQuote: TD_QUOTE }, { now: NOW, hostData: ['00'.repeat(32)] }))).toEqual(['ERR_CVM_HOST_DATA'])
  })

  it('a debug TD (trustee tdx_quote_4): ERR_TDX_DEBUG unless allowed', async () => {
    const q = repoBytes('test-vectors/cvm/tdx/trustee/tdx_quote_4.dat')
    const when = new Date('2023-07-01T00:00:00Z')
    const r = await verifyCvm({ tdxQuote: q }, { now: when })
    expect(codes(r)).toEqual(['ERR_TDX_DEBUG'])
    expect(r.debug).toBe(true)
    expect((await verifyCvm({ tdxQuote: q }, { now: when, allowDebug: true })).valid).toBe(true)
  })
})

describe('verifyCvm: bare SEV-SNP reports and its arguments', () => {
  it('a debug guest (go-sev-guest sample): ERR_SNP_DEBUG, accepted with allowDebug', async () => {
    const report = repoBytes('test-vectors/cvm/snp/go-sev-guest-attestation.bin')
    const vcek = repoBytes('test-vectors/cvm/snp/go-sev-guest-vcek.der')
    const r = await verifyCvm({ snpReport: report, vcek }, { now: NOW })
    expect(codes(r)).toEqual(['ERR_SNP_DEBUG'])
    expect(r.debug).toBe(true)
    expect(r.hardwareVerified).toBe(true)
    expect((await verifyCvm({ snpReport: report, vcek }, { now: NOW, allowDebug: true })).valid).toBe(true)
  })

  it('exactly one kind of evidence', async () => {
    await expect(verifyCvm({} as never)).rejects.toThrow(TypeError)
    await expect(verifyCvm({ hclReport: SNP, snpReport: SNP } as never)).rejects.toThrow(TypeError)
  })
})
