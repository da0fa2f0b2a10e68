/**
 * SEV-SNP report verification over real reports: the Azure vTPM evidence of the shared corpus
 * (Milan and Genoa, version 3) and committed public samples (go-sev-guest, trustee: version 2,
 * a debug guest, a VLEK). Each tamper is rejected with its own code.
 */
import { describe, expect, it } from 'vitest'
import { parseSnpReport, SNP_ROOTS, verifySnpReport, type SnpVerifyResult } from '../../src/index.js'
import { announceCorpus, CORPUS } from '../helpers/corpus.js'
import { azureSnpSamples, NOW, vector } from './snp_helpers.js'

announceCorpus('SEV-SNP: Azure vTPM evidence reports')

const codes = (r: SnpVerifyResult): string[] => r.errors.map((e) => e.code)
const flip = (b: Uint8Array, at: number): Uint8Array => {
  const c = b.slice()
  c[at] = c[at]! ^ 0x01
  return c
}

describe.skipIf(!CORPUS)('SEV-SNP: Azure vTPM reports from the corpus', () => {
  const samples = azureSnpSamples()

  it('finds the four Azure SNP evidence files', () => {
    expect(samples.map((s) => s.name.replace(/.*evidence-/, ''))).toEqual(['genoa.json', 'v0.json', 'v1.json', 'v2.json'])
  })

  for (const s of samples) {
    it(`${s.name}: verifies (signature, chain, TCB, CHIP_ID)`, async () => {
      const r = await verifySnpReport(s.report, { vcek: s.vcek, now: NOW, vmpl: 0 })
      expect(r.errors).toEqual([])
      expect(r.valid).toBe(true)
      expect(r.checks.map((c) => c.id)).toEqual(['vcek.profile', 'product', 'report.signingKey', 'vcek.chain', 'report.signature', 'tcb.reported', 'tcb.current', 'chipId', 'policy.debug', 'report.vmpl'])
      expect(r.report.version).toBe(3)
      expect(r.report.policy.raw).toBe('000000000003001f')
      expect(r.report.policy.debug).toBe(false)
      expect(r.report.measurement).toMatch(/^[0-9a-f]{96}$/)
      expect(r.report.reportData.slice(64)).toBe('0'.repeat(64))
      expect(r.report.chipId).toBe(r.endorsement?.hwId)
    })
  }

  it('decodes the Genoa and Milan TCBs and product lines', async () => {
    const byName = Object.fromEntries(samples.map((s) => [s.name.replace(/.*evidence-/, ''), s]))
    const genoa = await verifySnpReport(byName['genoa.json']!.report, { vcek: byName['genoa.json']!.vcek, now: NOW })
    expect(genoa.report.product).toBe('Genoa')
    expect(genoa.report.cpuid).toEqual({ family: 0x19, model: 0x11, stepping: 1 })
    expect(genoa.report.reportedTcb).toEqual({ raw: '0a00000000001754', bootloader: 10, tee: 0, snp: 23, microcode: 84 })
    const milan = await verifySnpReport(byName['v0.json']!.report, { vcek: byName['v0.json']!.vcek, now: NOW })
    expect(milan.report.product).toBe('Milan')
    expect(milan.report.reportedTcb).toEqual({ raw: '04000000000018db', bootloader: 4, tee: 0, snp: 24, microcode: 219 })
    expect(milan.endorsement?.productName).toBe('Milan-B0')
  })

  it('rejects a flipped report byte (MEASUREMENT) with ERR_SNP_SIGNATURE', async () => {
    const s = samples[0]!
    const r = await verifySnpReport(flip(s.report, 0x90), { vcek: s.vcek, now: NOW })
    expect(r.valid).toBe(false)
    expect(codes(r)).toEqual(['ERR_SNP_SIGNATURE'])
  })

  it('rejects the ASK of another product line with ERR_SNP_CHAIN', async () => {
    const milan = samples.find((s) => s.name.endsWith('v0.json'))!
    const genoa = samples.find((s) => s.name.endsWith('genoa.json'))!
    const a = await verifySnpReport(milan.report, { vcek: milan.vcek, now: NOW, chain: [SNP_ROOTS.Genoa.ask] })
    expect(codes(a)).toEqual(['ERR_SNP_CHAIN'])
    const b = await verifySnpReport(genoa.report, { vcek: genoa.vcek, now: NOW, chain: [SNP_ROOTS.Milan.ask, SNP_ROOTS.Milan.ark] })
    expect(codes(b)).toEqual(['ERR_SNP_CHAIN'])
    // The product's own chain, as KDS serves it (ASK then ARK), is accepted.
    const c = await verifySnpReport(genoa.report, { vcek: genoa.vcek, now: NOW, chain: [SNP_ROOTS.Genoa.ask, SNP_ROOTS.Genoa.ark] })
    expect(c.valid).toBe(true)
  })

  it('rejects a VCEK of another chip (signature, TCB and CHIP_ID all fail)', async () => {
    const milan = samples.find((s) => s.name.endsWith('v0.json'))!
    const other = samples.find((s) => s.name.endsWith('v2.json'))!
    const r = await verifySnpReport(milan.report, { vcek: other.vcek, now: NOW })
    expect(codes(r)).toContain('ERR_SNP_SIGNATURE')
  })

  it('rejects a TCB below the caller minimum with ERR_SNP_TCB_MINIMUM', async () => {
    const s = samples.find((x) => x.name.endsWith('genoa.json'))!
    const ok = await verifySnpReport(s.report, { vcek: s.vcek, now: NOW, minimumTcb: { bootloader: 10, tee: 0, snp: 23, microcode: 84 } })
    expect(ok.valid).toBe(true)
    expect(ok.checks.find((c) => c.id === 'tcb.minimum')?.ok).toBe(true)
    const low = await verifySnpReport(s.report, { vcek: s.vcek, now: NOW, minimumTcb: { snp: 24 } })
    expect(codes(low)).toEqual(['ERR_SNP_TCB_MINIMUM'])
    expect(low.errors[0]!.message).toContain('snp 23 < 24')
  })

  it('checks the expected VMPL, REPORT_DATA and product when given', async () => {
    const s = samples[0]!
    const p = parseSnpReport(s.report)
    const r = await verifySnpReport(p, { vcek: s.vcek, now: NOW, vmpl: 1, reportData: new Uint8Array(64), product: 'Turin' })
    expect(codes(r)).toEqual(['ERR_SNP_PRODUCT', 'ERR_SNP_VMPL', 'ERR_SNP_REPORT_DATA'])
    const good = await verifySnpReport(p, { vcek: s.vcek, now: NOW, reportData: p.reportData.slice() })
    expect(good.valid).toBe(true)
  })
})

describe('SEV-SNP: committed public samples', () => {
  it('trustee test-report.bin (version 2, Milan from the VCEK productName) verifies', async () => {
    const r = await verifySnpReport(vector('trustee-test-report.bin'), { vcek: vector('trustee-test-vcek.der'), now: NOW })
    expect(r.errors).toEqual([])
    expect(r.report.version).toBe(2)
    expect(r.report.cpuid).toBeUndefined()
    expect(r.report.product).toBe('Milan')
    expect(r.report.currentTcb).toEqual({ raw: '03000000000008ce', bootloader: 3, tee: 0, snp: 8, microcode: 206 })
  })

  it('go-sev-guest attestation.bin: a debug guest is refused unless allowDebug (ERR_SNP_DEBUG)', async () => {
    const opts = { vcek: vector('go-sev-guest-vcek.der'), now: NOW }
    const r = await verifySnpReport(vector('go-sev-guest-attestation.bin'), opts)
    expect(r.report.policy.debug).toBe(true)
    expect(codes(r)).toEqual(['ERR_SNP_DEBUG'])
    const allowed = await verifySnpReport(vector('go-sev-guest-attestation.bin'), { ...opts, allowDebug: true })
    expect(allowed.valid).toBe(true)
  })

  it('trustee VLEK report verifies through the pinned ASVK, and not as a VCEK', async () => {
    const at = new Date('2025-06-01T00:00:00Z')
    const r = await verifySnpReport(vector('trustee-test-vlek-report.bin'), { vcek: vector('trustee-test-vlek.der'), now: at })
    expect(r.errors).toEqual([])
    expect(r.report.signingKey).toBe('vlek')
    expect(r.endorsement?.kind).toBe('vlek')
    expect(r.checks.some((c) => c.id === 'chipId')).toBe(false)
    // Through the ASK (the VCEK issuer) the VLEK does not chain.
    const ask = await verifySnpReport(vector('trustee-test-vlek-report.bin'), { vcek: vector('trustee-test-vlek.der'), now: at, chain: [SNP_ROOTS.Milan.ask] })
    expect(codes(ask)).toEqual(['ERR_SNP_CHAIN'])
    // After its one-year validity the VLEK is refused.
    const late = await verifySnpReport(vector('trustee-test-vlek-report.bin'), { vcek: vector('trustee-test-vlek.der'), now: NOW })
    expect(codes(late)).toEqual(['ERR_SNP_CHAIN'])
    // A VCEK-signed report given a VLEK: SIGNING_KEY mismatch.
    const mixed = await verifySnpReport(vector('trustee-test-report.bin'), { vcek: vector('trustee-test-vlek.der'), now: at })
    expect(codes(mixed)).toContain('ERR_SNP_SIGNING_KEY')
  })

  it('a certificate that is not a VCEK / VLEK fails the profile check', async () => {
    // A version 3 report (CPUID names Milan), so only the profile fails.
    const r = await verifySnpReport(vector('trustee-test-vlek-report.bin'), { vcek: SNP_ROOTS.Milan.ask, now: NOW })
    expect(codes(r)).toEqual(['ERR_SNP_VCEK_INVALID'])
    // A version 2 report has no CPUID: without a productName the product line is unknown as well.
    const v2 = await verifySnpReport(vector('trustee-test-report.bin'), { vcek: SNP_ROOTS.Milan.ask, now: NOW })
    expect(codes(v2)).toEqual(['ERR_SNP_VCEK_INVALID', 'ERR_SNP_PRODUCT'])
  })

  it('a flipped byte in the committed samples fails the signature', async () => {
    const r = await verifySnpReport(flip(vector('trustee-test-report.bin'), 0x50), { vcek: vector('trustee-test-vcek.der'), now: NOW })
    expect(codes(r)).toEqual(['ERR_SNP_SIGNATURE'])
  })

  it('a debug bit set by tampering fails both the signature and the debug check', async () => {
    const b = vector('trustee-test-report.bin').slice()
    b[0x0a] = b[0x0a]! | 0x08 // POLICY bit 19
    const r = await verifySnpReport(b, { vcek: vector('trustee-test-vcek.der'), now: NOW })
    expect(codes(r)).toEqual(['ERR_SNP_SIGNATURE', 'ERR_SNP_DEBUG'])
  })
})
