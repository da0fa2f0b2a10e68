/**
 * Confidential-VM evidence through the whole pipeline: an evidence bundle with `hclReport` /
 * `vcek` / `tdQuote`, verifyAttestation, and the `cvm` submodule of the verdict. A failing binding
 * or hardware check makes the verdict non-affirming, each with its own finding.
 */
import { describe, expect, it } from 'vitest'
import { evidenceBundleToJSON, parseEvidenceBundle, verifyAttestation, type AttestationResult } from '../../../src/index.js'
import { announceCorpus, CORPUS, repoBytes } from '../../helpers/corpus.js'
import { azureSamples, bundleText, NOW, runtimeDataOf, text, utf8, type AzureSample, withRuntimeData } from './helpers.js'

announceCorpus('Azure confidential-VM attestations through verifyAttestation')

async function attest(text: string, policy?: unknown, extra: Partial<Parameters<typeof verifyAttestation>[0]> = {}): Promise<AttestationResult> {
  const b = parseEvidenceBundle(text)
  return verifyAttestation({ quotes: b.quotes, ak: b.ak, nonce: b.nonce, ...(b.pcrs ? { pcrs: b.pcrs } : {}), ...(b.cvm ? { cvm: b.cvm } : {}), now: NOW, ...(policy ? { policy } : {}), ...extra })
}

/** A policy that pins PCR 0 (so the tpm submodule is appraised) and the launch measurement. */
function policyFor(s: AzureSample, measurement: string, cvm: Record<string, unknown> = {}): unknown {
  return { id: 'azure-cvm', version: 1, pcrValues: [{ pcr: 0, bank: 'sha256', alternatives: [s.pcrs.sha256!['0']] }], cvm: { measurements: [measurement], ...cvm } }
}

const findingCodes = (r: AttestationResult, submod = 'cvm'): string[] => r.verdict.submods[submod]!.bootproof_findings.map((f) => f.code)
const cvmCodes = (r: AttestationResult): string[] => r.cvm!.errors.map((e) => e.code)

describe.skipIf(!CORPUS)('the four corpus Azure SEV-SNP attestations, end to end', () => {
  const samples = azureSamples().filter((s) => s.platform === 'sev-snp')
  it('finds four', () => expect(samples.length).toBe(4))

  for (const s of samples) {
    it(`${s.name}: affirming; cvm submodule genuine hardware, AK bound, memory encrypted`, async () => {
      const first = await attest(bundleText(s))
      const r = await attest(bundleText(s), policyFor(s, first.cvm!.measurement!))
      expect(r.verdict.bootproof_findings).toEqual([])
      expect(r.verdict.ear_status).toBe('affirming')
      expect(r.verdict.submods.cvm).toMatchObject({ ear_status: 'affirming', ear_trustworthiness_vector: { hardware: 2, 'instance-identity': 2, 'runtime-opaque': 2, configuration: 2, executables: 2 } })
      // The bare-key AK is identified by the hardware binding.
      expect(r.verdict.submods.tpm!.ear_trustworthiness_vector['instance-identity']).toBe(2)
      expect(r.verdict.bootproof_steps.cvm).toMatchObject({ status: 'success' })
      expect(r.verdict.bootproof_steps.key.note).toMatch(/bound by the confidential-VM hardware report/)
      expect(r.cvm!.akBound).toBe(true)
    })
  }

  it('without a policy: the cvm submodule states the facts but is not affirming', async () => {
    const r = await attest(bundleText(samples[0]!))
    expect(r.verdict.submods.cvm!.ear_status).toBe('none')
    expect(r.verdict.submods.cvm!.ear_trustworthiness_vector.hardware).toBe(2)
    expect(r.verdict.ear_status).not.toBe('affirming')
  })

  it('without the HCL report the bare AK is not accepted (ERR_AK_UNBOUND): the binding is what vouches for it', async () => {
    const s = samples[0]!
    const plain = JSON.parse(bundleText(s))
    delete plain.hclReport
    delete plain.vcek
    const r = await attest(JSON.stringify(plain))
    expect(r.quote.errors.map((e) => e.code)).toEqual(['ERR_AK_UNBOUND'])
    expect(r.verdict.submods.cvm).toBeUndefined()
  })

  describe('tampers: each its own finding, never affirming', () => {
    const s = () => samples[0]!
    const measurement = async () => (await attest(bundleText(s()))).cvm!.measurement!

    it('runtime data edited: CVM_BINDING_FAILED (ERR_HCL_REPORT_DATA); the bare AK is then refused', async () => {
      const rd = text(runtimeDataOf(s().hcl))
      const edited = rd.replace(/"user-data":"([0-9a-fA-F])/, (_, c: string) => `"user-data":"${c === '0' ? '1' : '0'}`)
      const r = await attest(bundleText({ ...s(), hcl: withRuntimeData(s().hcl, utf8(edited)) }), policyFor(s(), await measurement()))
      expect(cvmCodes(r)).toEqual(['ERR_HCL_REPORT_DATA'])
      expect(findingCodes(r)).toEqual(['CVM_BINDING_FAILED'])
      expect(r.verdict.submods.cvm!.ear_trustworthiness_vector['instance-identity']).toBeGreaterThanOrEqual(96)
      expect(r.quote.errors.map((e) => e.code)).toEqual(['ERR_AK_UNBOUND'])
      expect(r.verdict.ear_status).toBe('contraindicated')
    })

    it('AK and quote of another VM with this HCL report: CVM_BINDING_FAILED (ERR_HCL_AK_MISMATCH)', async () => {
      const other = samples.find((x) => !Buffer.from(x.akSpki).equals(Buffer.from(s().akSpki)))!
      const r = await attest(bundleText({ ...other, hcl: s().hcl, vcekPem: s().vcekPem! }), policyFor(other, await measurement()))
      expect(cvmCodes(r)).toEqual(['ERR_HCL_AK_MISMATCH'])
      expect(findingCodes(r)).toEqual(['CVM_BINDING_FAILED'])
      expect(r.verdict.ear_status).toBe('contraindicated')
    })

    it('a flipped SEV-SNP report byte: CVM_HARDWARE_UNVERIFIED (ERR_SNP_SIGNATURE), every cvm claim crypto-failed', async () => {
      const hcl = s().hcl.slice()
      hcl[0x20 + 0x90]! ^= 1
      const r = await attest(bundleText({ ...s(), hcl }), policyFor(s(), await measurement()))
      expect(cvmCodes(r)).toEqual(['ERR_SNP_SIGNATURE', 'ERR_CVM_MEASUREMENT'])
      expect(findingCodes(r)).toEqual(['CVM_HARDWARE_UNVERIFIED', 'CVM_MEASUREMENT_UNEXPECTED'])
      expect(r.verdict.submods.cvm!.ear_trustworthiness_vector).toMatchObject({ hardware: 99, 'instance-identity': 99 })
      expect(r.verdict.ear_status).toBe('contraindicated')
    })

    it('policy: a measurement that is not allowed: CVM_MEASUREMENT_UNEXPECTED', async () => {
      const r = await attest(bundleText(s()), policyFor(s(), 'ab'.repeat(48)))
      expect(findingCodes(r)).toEqual(['CVM_MEASUREMENT_UNEXPECTED'])
      expect(r.verdict.submods.cvm!.ear_trustworthiness_vector.executables).toBe(96)
      expect(r.verdict.ear_status).toBe('contraindicated')
    })

    it('policy: HOST_DATA not expected: CVM_HOST_DATA_UNEXPECTED', async () => {
      const r = await attest(bundleText(s()), policyFor(s(), await measurement(), { hostData: ['11'.repeat(32)] }))
      expect(findingCodes(r)).toEqual(['CVM_HOST_DATA_UNEXPECTED'])
      expect(r.verdict.ear_status).toBe('contraindicated')
    })

    it('policy: TCB below the minimum: CVM_TCB_BELOW_MINIMUM', async () => {
      const r = await attest(bundleText(s()), policyFor(s(), await measurement(), { minimumTcb: { snp: 200 } }))
      expect(cvmCodes(r)).toEqual(['ERR_SNP_TCB_MINIMUM'])
      expect(findingCodes(r)).toEqual(['CVM_TCB_BELOW_MINIMUM'])
      expect(r.verdict.submods.cvm!.ear_trustworthiness_vector.hardware).toBe(96)
    })

    it('policy: only TDX accepted: CVM_PLATFORM_UNEXPECTED', async () => {
      const r = await attest(bundleText(s()), policyFor(s(), await measurement(), { platforms: ['tdx'] }))
      expect(findingCodes(r)).toEqual(['CVM_PLATFORM_UNEXPECTED'])
      expect(r.verdict.ear_status).toBe('contraindicated')
    })

    it('policy: cvm.required and no CVM evidence: CVM_EVIDENCE_MISSING', async () => {
      const plain = JSON.parse(bundleText(s()))
      delete plain.hclReport
      delete plain.vcek
      const r = await attest(JSON.stringify(plain), { id: 'p', version: 1, cvm: { required: true } }, { akEnrolled: true })
      expect(findingCodes(r)).toEqual(['CVM_EVIDENCE_MISSING'])
      expect(r.verdict.ear_status).toBe('contraindicated')
    })

    it('a debuggable guest (go-sev-guest report, bare): CVM_DEBUG_ALLOWED error, a warning when the verifier allows debugging', async () => {
      const cvm = { snpReport: repoBytes('test-vectors/cvm/snp/go-sev-guest-attestation.bin'), vcek: repoBytes('test-vectors/cvm/snp/go-sev-guest-vcek.der') }
      const b = parseEvidenceBundle(bundleText(s()))
      const base = { quotes: b.quotes, ak: b.ak, nonce: b.nonce, pcrs: b.pcrs!, now: NOW, cvm, quoteOptions: { trustBareKey: true }, policy: { id: 'p', version: 1, cvm: { platforms: ['sev-snp'] } } }
      const refused = await verifyAttestation(base)
      expect(refused.cvm!.errors.map((e) => e.code)).toEqual(['ERR_SNP_DEBUG'])
      expect(findingCodes(refused)).toEqual(['CVM_DEBUG_ALLOWED'])
      expect(refused.verdict.submods.cvm!.ear_trustworthiness_vector).toMatchObject({ 'runtime-opaque': 96, configuration: 96 })
      expect(refused.verdict.ear_status).toBe('contraindicated')
      const allowed = await verifyAttestation({ ...base, cvmOptions: { allowDebug: true } })
      expect(allowed.verdict.submods.cvm!.bootproof_findings.map((f) => [f.code, f.severity])).toEqual([['CVM_DEBUG_ALLOWED', 'warning']])
      expect(allowed.verdict.submods.cvm!.ear_status).toBe('warning')
    })
  })
})

describe.skipIf(!CORPUS)('the corpus Azure TDX attestation', () => {
  const s = () => azureSamples().find((x) => x.platform === 'tdx')!
  it('affirming: TD quote verified, TD report = quote body, AK bound', async () => {
    const first = await attest(bundleText(s()))
    expect(first.cvm!.platform).toBe('tdx')
    const r = await attest(bundleText(s()), policyFor(s(), first.cvm!.measurement!, { platforms: ['tdx'] }))
    expect(r.verdict.bootproof_findings).toEqual([])
    expect(r.verdict.ear_status).toBe('affirming')
    expect(r.verdict.submods.cvm!.ear_trustworthiness_vector).toMatchObject({ hardware: 2, 'instance-identity': 2, 'runtime-opaque': 2 })
  })
  it('without the TD quote: CVM_HARDWARE_UNVERIFIED (ERR_CVM_ENDORSEMENT_MISSING), the bare AK refused', async () => {
    const j = JSON.parse(bundleText(s()))
    delete j.tdQuote
    const r = await attest(JSON.stringify(j), { id: 'p', version: 1, cvm: { platforms: ['tdx'] } })
    expect(cvmCodes(r)).toEqual(['ERR_CVM_ENDORSEMENT_MISSING'])
    expect(findingCodes(r)).toEqual(['CVM_HARDWARE_UNVERIFIED'])
    expect(r.quote.errors.map((e) => e.code)).toEqual(['ERR_AK_UNBOUND'])
    expect(r.verdict.ear_status).toBe('contraindicated')
  })
})

describe.skipIf(!CORPUS)('evidence bundle: the CVM members are evidence only, parsed strictly', () => {
  const s = () => azureSamples().find((x) => x.platform === 'sev-snp')!
  const bad = (t: string, field: RegExp) => expect(() => parseEvidenceBundle(t)).toThrowError(expect.objectContaining({ code: 'ERR_BUNDLE_INVALID', field: expect.stringMatching(field) }))

  it('a duplicate hclReport member is rejected', () => {
    const t = bundleText(s())
    bad(t.replace('"hclReport":', '"hclReport":"AAAA","hclReport":'), /^\/hclReport$/)
  })
  it('vcek / tdQuote without hclReport, a vcek that is not PEM, a non-base64 hclReport', () => {
    const j = JSON.parse(bundleText(s()))
    const { hclReport: _h, ...noHcl } = j
    bad(JSON.stringify(noHcl), /^\/vcek$/)
    bad(JSON.stringify({ ...noHcl, vcek: undefined, tdQuote: 'AAAA' }), /^\/tdQuote$/)
    bad(JSON.stringify({ ...j, vcek: 'MIIB' }), /^\/vcek$/)
    bad(JSON.stringify({ ...j, hclReport: '***' }), /^\/hclReport$/)
  })
  it('the attester cannot choose allowDebug', () => {
    const j = JSON.parse(bundleText(s()))
    bad(JSON.stringify({ ...j, allowDebug: true }), /^\/allowDebug$/)
  })
  it('round-trips through evidenceBundleToJSON', () => {
    const b = parseEvidenceBundle(bundleText(s()))
    const again = parseEvidenceBundle(JSON.stringify(evidenceBundleToJSON({ quotes: b.quotes.map((q) => ({ attest: q.attest, signature: q.signature as Uint8Array })), ak: { pem: b.ak.spki as string }, nonce: b.nonce!, cvm: b.cvm! })))
    expect(again.cvm).toEqual(b.cvm)
  })
})
