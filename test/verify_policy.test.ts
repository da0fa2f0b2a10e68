/**
 * Issue 4 end to end with a policy: derive a policy from the log and the evidence is affirming;
 * then tamper one event, use a wrong nonce, require a dbx entry the machine lacks — each must
 * stop the verdict from being affirming, with a finding naming what and where.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { authenticateLog, pcrContentTrust, derivePolicy, extractBootState, parseCertificate, parseEventLog, parseEvidenceBundle, verifyAttestation, validatePolicy, type Policy, type VerifyAttestationInput } from '../src/index.js'
import { announceCorpus, CORPUS, corpusBytes, REPO_ROOT } from './helpers/corpus.js'

const bundle = parseEvidenceBundle(readFileSync(join(REPO_ROOT, 'test-vectors/demo/evidence.json'), 'utf8'))
const committedPolicy = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json'), 'utf8'))
const base = (policy: unknown = committedPolicy): VerifyAttestationInput => ({
  eventLog: bundle.eventLog!, quotes: bundle.quotes, ak: bundle.ak, nonce: bundle.nonce, akEnrolled: true, policy,
})
const codes = (v: { bootproof_findings: { code: string }[] }) => v.bootproof_findings.map((f) => f.code)

describe('verifyAttestation with a policy (recorded Secure Boot attestation)', () => {
  it('the committed derived policy affirms the recorded boot, every submodule affirming', async () => {
    const { verdict } = await verifyAttestation(base())
    expect(verdict.ear_status).toBe('affirming')
    expect(verdict.bootproof_findings.filter((f) => f.severity === 'error')).toEqual([])
    expect(Object.values(verdict.submods).map((s) => s.ear_status)).toEqual(Array(5).fill('affirming'))
    expect(verdict.submods['boot-loader']!.ear_trustworthiness_vector.executables).toBe(3) // approved_boot
    expect(verdict.ear_appraisal_policy_ids).toEqual(['example/ovmf-sb-esp'])
  })

  it('a policy derived now from the same log (derivePolicy) also affirms it', async () => {
    const policy = derivePolicy([parseEventLog(bundle.eventLog!)], { id: 'test/derived' })
    expect((await verifyAttestation(base(validatePolicy(policy)))).verdict.ear_status).toBe('affirming')
  })

  it('tampering one event (digest kept) is contraindicated and the finding names that event', async () => {
    const inp = base()
    const log = inp.eventLog!.slice()
    const parsed = parseEventLog(inp.eventLog!)
    const sb = parsed.events.find((e) => e.pcrIndex === 7 && e.typeName === 'EV_EFI_VARIABLE_DRIVER_CONFIG')!
    log[sb.dataOffset + sb.data.length - 1]! ^= 1 // the SecureBoot byte
    inp.eventLog = log
    const { verdict } = await verifyAttestation(inp)
    expect(verdict.ear_status).toBe('contraindicated')
    const f = verdict.bootproof_findings.find((x) => x.code === 'EVENT_DIGEST_MISMATCH')!
    expect(f).toMatchObject({ eventIndex: sb.index, pcr: 7, submod: 'secure-boot' })
    expect(verdict.submods['secure-boot']!.ear_status).toBe('contraindicated')
  })

  it('a wrong nonce is not affirming even with a matching policy', async () => {
    const inp = base()
    inp.nonce = Uint8Array.from(inp.nonce!, (b) => b ^ 0xff)
    const { verdict } = await verifyAttestation(inp)
    expect(verdict.ear_status).toBe('contraindicated')
    expect(codes(verdict)).toContain('ERR_QUOTE_NONCE_MISMATCH')
  })

  it('dbx missing a required entry gives a finding on the secure-boot submodule', async () => {
    const policy = structuredClone(committedPolicy) as Policy
    const required = 'aa'.repeat(32)
    policy.secureBoot = { ...(policy.secureBoot ?? {}), dbx: { mustContain: [{ sha256: required, type: 'sha256' }] } }
    const { verdict } = await verifyAttestation(base(policy))
    const f = verdict.bootproof_findings.find((x) => x.code === 'POLICY_DBX_MISSING_ENTRY')
    expect(f).toBeDefined()
    expect(f!.submod).toBe('secure-boot')
    expect(verdict.ear_status).not.toBe('affirming')
  })

  it('a kernel command line the policy does not allow is a finding', async () => {
    const policy = structuredClone(committedPolicy) as Policy
    policy.linux = { ...(policy.linux ?? {}), kernelCmdline: { exact: ['/vmlinuz console=ttyS0,115200 quiet'] } }
    const { verdict } = await verifyAttestation(base(policy))
    expect(codes(verdict)).toContain('POLICY_CMDLINE')
    expect(verdict.ear_status).not.toBe('affirming')
  })

  it('an invalid policy or an unknown policy version throws a typed error before any evidence is used', async () => {
    await expect(verifyAttestation(base({ id: 'x', version: 2 }))).rejects.toMatchObject({ code: 'ERR_POLICY_VERSION' })
    await expect(verifyAttestation(base({ id: 'x', version: 1, bogus: true }))).rejects.toMatchObject({ code: 'ERR_POLICY_INVALID' })
  })
})

announceCorpus('end-to-end corpus attestations')
describe.skipIf(!CORPUS)('end to end on corpus attestations (GCE COS 85 Shielded VM, real quotes and AK certificate)', () => {
  const att = CORPUS ? JSON.parse(readFileSync(join(CORPUS, 'attestations/google-go-tpm-tools--gce-cos-85-nonce9009.json'), 'utf8')) : undefined
  const unhex = (h: string) => Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)))
  const input = (policy: unknown, nonce = att.nonce as string): VerifyAttestationInput => {
    const cert = unhex(att.akCert.hex)
    return {
      eventLog: corpusBytes(att.eventLog),
      quotes: att.quotes.map((q: { attest: string; signature: string }) => ({ attest: unhex(q.attest), signature: unhex(q.signature) })),
      ak: { public: unhex(att.akPublic.hex), certificate: cert, intermediates: att.caCerts.filter((c: { role: string }) => c.role !== 'root').map((c: { hex: string }) => unhex(c.hex)) },
      trustAnchors: att.caCerts.filter((c: { role: string }) => c.role === 'root').map((c: { hex: string }) => unhex(c.hex)),
      nonce: unhex(nonce),
      // The quotes cover PCRs 0-23, and IMA / the OS extended some the firmware log does not:
      // the attester's PCR values (as go-tpm-tools sends them) are needed.
      pcrs: Object.assign({}, ...att.quotes.map((q: { pcrs: Record<string, Record<string, string>> }) => q.pcrs)),
      now: new Date(parseCertificate(cert).notBefore.getTime() + 86400_000),
      quoteOptions: { akCertAllowedEkus: ['2.23.133.8.3', '2.23.133.8.1'] },
      policy,
    }
  }

  it('a policy derived from its own log affirms it; the AK is identified by its certificate chain', async () => {
    const policy = derivePolicy([parseEventLog(corpusBytes(att.eventLog))], { id: 'test/gce-cos-85' })
    const r = await verifyAttestation(input(policy))
    expect(r.quote.valid).toBe(true)
    expect(r.verdict.submods.tpm!.ear_trustworthiness_vector['instance-identity']).toBe(2)
    expect(r.verdict.bootproof_findings.filter((f) => f.severity === 'error')).toEqual([])
    expect(r.verdict.ear_status).toBe('affirming')
  })

  it('the COS 93 image does not satisfy a COS 85 policy (the changed components are named)', async () => {
    const policy = derivePolicy([parseEventLog(corpusBytes('logs/google-go-tpm-tools--cos-93-amd-sev.bin'))], { id: 'test/cos-93' })
    const r = await verifyAttestation(input(policy))
    expect(r.verdict.ear_status).not.toBe('affirming')
    expect(r.verdict.bootproof_findings.some((f) => f.step === 'appraisal' && f.severity === 'error' && f.eventIndex !== undefined)).toBe(true)
  })

  it('without the attester\'s PCR values the pipeline says which quoted PCRs the log cannot reproduce', async () => {
    const inp = input(derivePolicy([parseEventLog(corpusBytes(att.eventLog))], { id: 'test/gce-cos-85' }))
    delete inp.pcrs
    const r = await verifyAttestation(inp)
    const f = r.verdict.bootproof_findings.find((x) => x.code === 'LOG_DOES_NOT_MATCH_QUOTE')
    expect(f?.message).toMatch(/PCRs 10, /)
    expect(r.verdict.ear_status).toBe('contraindicated')
  })

  it('a wrong nonce against the real quote is contraindicated', async () => {
    const policy = derivePolicy([parseEventLog(corpusBytes(att.eventLog))], { id: 'test/gce-cos-85' })
    const r = await verifyAttestation(input(policy, '9010'))
    expect(r.verdict.ear_status).toBe('contraindicated')
  })
})

describe.skipIf(!CORPUS)('an Azure Attestation token as its own submodule (issue 6 → issue 4)', () => {
  it('the real MAA TPM token verifies at its iat and becomes the maa submodule; tampered, it is contraindicated', async () => {
    const jwt = readFileSync(join(CORPUS!, 'tokens/microsoft-attestation-client-samples--report_boot.jwt'), 'utf8').trim()
    const side = JSON.parse(readFileSync(join(CORPUS!, 'tokens/microsoft-attestation-client-samples--report_boot.jwt.json'), 'utf8'))
    const header = JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString())
    const root = new Uint8Array(Buffer.from(header.x5c[2], 'base64'))
    const now = new Date(side.iat * 1000)
    const options = { issuer: side.iss, roots: [root], nonce: 'UkVQTEFDRSBXSVRIIFJQIE5PTkNF', now }
    const ok = await verifyAttestation({ ...base(), now, maa: { token: jwt, options } })
    expect(ok.verdict.bootproof_steps.token.status).toBe('success')
    expect(ok.verdict.submods.maa).toBeDefined()
    expect(ok.verdict.submods.maa!.ear_status).not.toBe('contraindicated')
    const parts = jwt.split('.')
    const bad = `${parts[0]}.${parts[1]}.${parts[2]!.slice(0, -4)}AAAA`
    const no = await verifyAttestation({ ...base(), now, maa: { token: bad, options } })
    expect(no.verdict.submods.maa!.ear_status).toBe('contraindicated')
    expect(no.verdict.ear_status).toBe('contraindicated')
    expect(no.verdict.bootproof_steps.token.status).toBe('failed')
  })
})

describe.skipIf(!CORPUS)('end to end on the real GCE Shielded VM running Windows (go-attestation, SHA-1 WBCL, empty nonce)', () => {
  const att = CORPUS ? JSON.parse(readFileSync(join(CORPUS, 'attestations/google-go-attestation--windows_gcp_shielded_vm.json'), 'utf8')) : undefined
  const unhex = (h: string) => Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)))
  const input = (policy: unknown): VerifyAttestationInput => ({
    eventLog: corpusBytes(att.eventLog),
    quotes: att.quotes.map((q: { attest: string; signature: string }) => ({ attest: unhex(q.attest), signature: unhex(q.signature) })),
    // The AK comes from go-attestation's enrollment record (a TPMT_PUBLIC, no certificate).
    ak: unhex(att.akPublic.hex),
    akEnrolled: true,
    // Recorded without a nonce (extraData is empty): the verifier had none to compare.
    nonce: undefined,
    // The quote covers sha1 PCR 0-23, some extended by the OS beyond this log.
    pcrs: att.quotes[0].pcrs,
    quoteOptions: { allowSha1: true, allowMissingNonce: true },
    policy,
  })

  it('derives a policy from its own log without allowFindings; the only error is the missing nonce', async () => {
    const policy = derivePolicy([parseEventLog(corpusBytes(att.eventLog))], { id: 'test/gce-windows', banks: ['sha1'] })
    expect(policy.windows).toBeDefined()
    const { verdict } = await verifyAttestation(input(policy))
    const errs = verdict.bootproof_findings.filter((f) => f.severity === 'error')
    expect(errs.map((f) => f.code)).toEqual(['POLICY_FRESHNESS_NONCE'])
    expect(verdict.ear_status).not.toBe('affirming')
    // Everything but the freshness of the quote holds: the boot submodules are not contraindicated.
    expect(verdict.submods['windows-boot']!.ear_status).toBe('affirming')
    expect(verdict.submods['secure-boot']!.ear_status).toBe('affirming')
  })

  it('PCR 0-6 carry no separator in this log: warnings, and their configuration content decides no fact', async () => {
    const policy = derivePolicy([parseEventLog(corpusBytes(att.eventLog))], { id: 'test/gce-windows', banks: ['sha1'] })
    const r = await verifyAttestation(input(policy))
    const missing = r.verdict.bootproof_findings.filter((f) => f.code === 'SEPARATOR_MISSING')
    expect(missing.map((f) => [f.pcr, f.severity])).toEqual([0, 1, 2, 3, 4, 5, 6].map((p) => [p, 'warning']))
    expect(r.evidence!.pcrs.get(0)).toMatchObject({ status: 'authenticated', contentReason: { code: 'PCR_BOUNDARY_MISSING' } })
    expect(r.state!.platform.scrtmVersion.trusted).toBe(false)
  })
})

describe.skipIf(!CORPUS)('TDX CCEL logs with the separator in the wrong register are flagged, and their MR 1 content decides nothing', () => {
  for (const name of ['negative/google-go-eventlog--cos-113-intel-tdx-dupe-separator-unpadded.bin', 'negative/google-go-eventlog--cos-113-intel-tdx-dupe-separator.bin']) {
    it(name, () => {
      const log = parseEventLog(corpusBytes(name), { registers: 'cc-mr', allowPadding: true })
      const { state, findings } = extractBootState(log)
      const ev = authenticateLog(log)
      expect(ev.structure.some((f) => f.code === 'SEPARATOR_MISPLACED_MR' || f.code === 'SEPARATOR_DUPLICATE')).toBe(true)
      expect(ev.pcrs.get(1)?.contentReason?.code ?? ev.pcrs.get(1)?.reason?.code).toMatch(/PCR_BOUNDARY_MISSING|PCR_STRUCTURE_INVALID/)
      // MR 1 (RTMR0) holds what PC Client puts in PCR 1 and 7: none of its content may decide a fact.
      expect(pcrContentTrust(ev, 1).trusted).toBe(false)
      expect(state.secureBoot.enabled.value === true && state.secureBoot.enabled.trusted).toBe(false)
      expect(findings.filter((f) => f.severity === 'error')).toEqual([])
    })
  }
})
