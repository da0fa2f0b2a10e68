/**
 * Attack catalogue, platform (P-04, P-05, P-06) and X.509 fetching entries, end to end
 * through verifyAttestation on built evidence (software AKs, the event-log writer, a test CA) and
 * on a real Windows WBCL from the corpus.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { AccessDescription, CryptoEngine, Extension, GeneralName, InfoAccess } from 'pkijs'
import { webcrypto, createHash } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseEventLog, type AkParts } from '../../src/index.js'
import { EV } from '../../src/eventlog/event_types.js'
import { decodeSipa, walkSipa } from '../../src/state/windows/sipa_decode.js'
import { CORPUS, corpusBytes, REPO_ROOT } from '../helpers/corpus.js'
import { issue, toPem } from '../x509/cert_builder.js'
import { akCertificate, attest, codes, pcrValuePolicy, replayedPcrs, run, standardLog } from './attack_helpers.js'
import { demoInput, demoPolicy } from './helpers.js'

const INTEL_PTT = 'id:494E5443'
const AMD_FTPM = 'id:414D4400'
const INFINEON = 'id:49465800'
const NUVOTON = 'id:4E544300'
const STMICRO = 'id:53544D20'

describe('P-04: discrete-TPM interposers: policy platform.tpmManufacturers classifies the TPM from the certified AK certificate', () => {
  const fTpmOnly = [INTEL_PTT, AMD_FTPM, 'id:4D534654']
  const policy = () => ({ ...demoPolicy(), platform: { tpmManufacturers: fTpmOnly } })

  /** The recorded attestation (test-vectors/demo), its AK now presented with a CA-issued AK certificate. */
  async function withCert(manufacturer: string | undefined, o: { anchored?: boolean } = {}) {
    const input = demoInput()
    const { ca, leaf } = await akCertificate(input.ak, manufacturer ? { manufacturer } : {})
    return run({ ...input, ak: { ...(input.ak as AkParts), certificate: leaf.der }, ...(o.anchored === false ? {} : { trustAnchors: [toPem(ca.der)] }), akEnrolled: false, policy: policy() })
  }

  it('P-04: same evidence, firmware-TPM (Intel PTT) AK certificate: affirming', async () => {
    const r = await withCert(INTEL_PTT)
    expect(r.quote.valid).toBe(true)
    expect(codes(r)).not.toContain('POLICY_TPM_MANUFACTURER')
    expect(r.verdict.ear_status).toBe('affirming')
  })

  it.each([INFINEON, NUVOTON, STMICRO])('P-04: same evidence, discrete-TPM (%s) AK certificate: POLICY_TPM_MANUFACTURER, not affirming', async (m) => {
    const r = await withCert(m)
    expect(r.quote.valid).toBe(true)
    expect(r.verdict.bootproof_findings).toContainEqual(expect.objectContaining({ code: 'POLICY_TPM_MANUFACTURER', severity: 'error', observed: m, submod: 'tpm' }))
    expect(r.verdict.ear_status).toBe('contraindicated')
  })

  it('P-04: an AK certificate without a TPM SAN cannot be classified: POLICY_TPM_MANUFACTURER', async () => {
    const r = await withCert(undefined)
    expect(r.verdict.bootproof_findings).toContainEqual(expect.objectContaining({ code: 'POLICY_TPM_MANUFACTURER', observed: '(none)' }))
    expect(r.verdict.ear_status).not.toBe('affirming')
  })

  it("P-04: a fTPM manufacturer in an AK certificate that chains to no trusted root is the attester's claim: POLICY_FACT_UNTRUSTED", async () => {
    const r = await withCert(INTEL_PTT, { anchored: false })
    expect(r.verdict.bootproof_findings).toContainEqual(expect.objectContaining({ code: 'POLICY_FACT_UNTRUSTED', componentName: 'TPM manufacturer' }))
    expect(r.verdict.ear_status).not.toBe('affirming')
  })

  it('P-04: no AK certificate at all: POLICY_EVIDENCE_MISSING, not affirming', async () => {
    const r = await run({ ...demoInput(), policy: policy() })
    expect(r.verdict.bootproof_findings).toContainEqual(expect.objectContaining({ code: 'POLICY_EVIDENCE_MISSING', componentName: 'TPM manufacturer' }))
    expect(r.verdict.ear_status).not.toBe('affirming')
  })

  it('P-04: the policy schema accepts only TCG vendor IDs id:XXXXXXXX (uppercase hex)', async () => {
    const { validatePolicy } = await import('../../src/policy/validate.js')
    expect(() => validatePolicy({ ...demoPolicy(), platform: { tpmManufacturers: [INTEL_PTT] } })).not.toThrow()
    for (const bad of [['INTC'], ['id:494e5443'], [], ['id:494E544']]) {
      expect(() => validatePolicy({ ...demoPolicy(), platform: { tpmManufacturers: bad } })).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID' }))
    }
    // A policy whose only rule is the manufacturer allow-list checks something (not H-07's empty policy).
    expect(() => validatePolicy({ id: 'm', version: 1, platform: { tpmManufacturers: [AMD_FTPM] } })).not.toThrow()
  })
})

describe('P-05 (= Q-07, TPM Carte Blanche): multi-bank inconsistency end to end', () => {
  it('P-05: firmware extended only SHA-1; the quote covers sha1, sha256 values are merely supplied: not affirming under a sha256 policy', async () => {
    const log = standardLog()
    const a = attest(log, { banks: ['sha1'], pcrs: [0, 1, 2, 3, 4, 5, 6, 7] })
    const replayed = replayedPcrs(log)
    // The attacker supplies sha256 values that the fake sha256 replay produces.
    const pcrs = { ...a.values, sha256: Object.fromEntries([0, 1, 2, 3, 4, 5, 6, 7].map((p) => [String(p), replayed.sha256![String(p)]!])) }
    const r = await run({ ...a.input, pcrs, policy: pcrValuePolicy(replayed) })
    // Supplied values outside the signed selection (bank sha256) are rejected (Q-01 / Q-07 rule).
    expect(r.quote.valid).toBe(false)
    expect(codes(r)).toContain('ERR_PCR_NOT_IN_SELECTION')
    expect(r.verdict.ear_status).toBe('contraindicated')
    // Without the supplied values: the quote is valid, but the bank the policy relies on is not quoted.
    const r2 = await run({ ...a.input, policy: pcrValuePolicy(replayed) })
    expect(r2.quote.valid).toBe(true)
    expect(codes(r2)).toContain('POLICY_BANK_MISSING')
    expect(r2.verdict.ear_status).not.toBe('affirming')
  })

  it('P-05: both banks quoted, the sha256 bank matches a fake log and sha1 the real one: the log does not match the quote', async () => {
    const real = standardLog()
    const fake = standardLog({ secureBoot: false })
    const realV = replayedPcrs(real)
    const fakeV = replayedPcrs(fake)
    const a = attest(fake, { banks: ['sha1', 'sha256'], pcrs: [0, 1, 2, 3, 4, 5, 6, 7] })
    // Re-quote: sha1 from the real boot, sha256 from the fake log (what the OS attacker extended).
    const { makeQuote, NONCE } = await import('../fixtures/tpm/builders.js')
    const sel = [0, 1, 2, 3, 4, 5, 6, 7]
    const values = { sha1: Object.fromEntries(sel.map((p) => [String(p), realV.sha1![String(p)]!])), sha256: Object.fromEntries(sel.map((p) => [String(p), fakeV.sha256![String(p)]!])) }
    const q = makeQuote(a.ak, { selection: [{ bank: 'sha1', pcrs: sel }, { bank: 'sha256', pcrs: sel }], values, extraData: NONCE })
    // The attester supplies the TPM's real values (they hash to the signed pcrDigest).
    const r = await run({ ...a.input, pcrs: values, quotes: [{ attest: q.attest, signature: q.signature }], policy: { ...pcrValuePolicy(fakeV), pcrs: { banks: ['sha1', 'sha256'] } } })
    expect(r.quote.valid).toBe(true)
    // The fake log replays in sha256 but not in sha1 (PCR 7, where the logs differ): every quoted bank must replay.
    expect(r.verdict.bootproof_findings).toContainEqual(expect.objectContaining({ code: 'PCR_MISMATCH', severity: 'error', pcr: 7 }))
    expect(r.verdict.bootproof_findings).toContainEqual(expect.objectContaining({ code: 'POLICY_PCR_UNVERIFIED', pcr: 7 }))
    expect(r.verdict.ear_status).toBe('contraindicated')
    // Without the attester's values, the log is checked against the signed pcrDigest directly.
    const r2 = await run({ ...a.input, quotes: [{ attest: q.attest, signature: q.signature }], policy: { ...pcrValuePolicy(fakeV), pcrs: { banks: ['sha1', 'sha256'] } } })
    expect(codes(r2)).toContain('LOG_DOES_NOT_MATCH_QUOTE')
    expect(r2.verdict.ear_status).toBe('contraindicated')
  })
})

describe.skipIf(!CORPUS)('P-06: Windows boot configuration in the WBCL (real GCE Shielded VM log, re-quoted)', () => {
  const GCP = 'logs/google-go-attestation--windows_gcp_shielded_vm.bin'
  const claims = { bootDebuggingDisabled: true, testSigningDisabled: true, notWinPE: true, notSafeMode: true }
  const policy = { id: 'review/windows', version: 1, pcrs: { banks: ['sha1'], required: [12, 13, 14] }, windows: { claims } }

  /** The SHA-1 log with SIPA record `name` (every PCR 12 and 13 occurrence) set to 1 and its event digests recomputed. */
  function flipped(name: string): Uint8Array {
    const bytes = corpusBytes(GCP).slice()
    const log = parseEventLog(bytes)
    const touched = new Set<number>()
    for (const ev of log.events) {
      if (ev.eventType !== EV.EV_EVENT_TAG) continue
      for (const r of walkSipa(decodeSipa(ev.data, { base: ev.dataOffset }).records)) {
        if (r.name === name) {
          bytes[r.offset + 8] = 1
          touched.add(ev.index)
        }
      }
    }
    expect(touched.size).toBeGreaterThan(0)
    // Consistent digests (a TPM really measured the setting), so this is not R-02.
    for (const i of touched) {
      const ev = log.events[i]!
      bytes.set(createHash('sha1').update(bytes.subarray(ev.dataOffset, ev.dataOffset + ev.data.length)).digest(), ev.offset + 8)
    }
    return bytes
  }

  const verify = (bytes: Uint8Array) => {
    const a = attest(bytes, { banks: ['sha1'] })
    return run({ ...a.input, policy })
  }

  it('P-06: baseline: the genuine WBCL satisfies bootDebuggingDisabled / testSigningDisabled / notWinPE / notSafeMode', async () => {
    const r = await verify(corpusBytes(GCP))
    expect(r.quote.valid).toBe(true)
    expect(codes(r)).not.toContain('POLICY_WINDOWS_CLAIM')
  })

  it.each([
    ['BOOTDEBUGGING', 'bootDebuggingDisabled'],
    ['TESTSIGNING', 'testSigningDisabled'],
    ['WINPE', 'notWinPE'],
    ['SAFEMODE', 'notSafeMode'],
  ])('P-06: %s = 1 with a consistent digest: POLICY_WINDOWS_CLAIM on %s, not affirming', async (record, claim) => {
    const r = await verify(flipped(record))
    expect(r.quote.valid).toBe(true)
    expect(r.state?.windows?.claims[claim as keyof typeof claims]).toMatchObject({ value: false, trusted: true })
    expect(r.verdict.bootproof_findings).toContainEqual(expect.objectContaining({ code: 'POLICY_WINDOWS_CLAIM', componentName: claim, observed: 'false', severity: 'error' }))
    expect(r.verdict.ear_status).not.toBe('affirming')
    expect(r.verdict.submods['windows-boot']?.ear_status).toBe('contraindicated')
  })
})

describe('X-04: AIA / EK-certificate fetching', () => {
  const NETWORK = [/\bfetch\s*\(/, /XMLHttpRequest/, /\bWebSocket\b/, /from\s+['"](node:)?(http|https|http2|net|tls|dgram|dns)['"]/, /require\(\s*['"](node:)?(http|https|net|tls)['"]/, /import\(\s*['"](node:)?(http|https|net|tls)['"]/, /createRemoteJWKSet/]
  function sources(dir: string): string[] {
    const out: string[] = []
    for (const name of readdirSync(dir)) {
      const p = join(dir, name)
      if (statSync(p).isDirectory()) out.push(...sources(p))
      else if (name.endsWith('.ts')) out.push(p)
    }
    return out
  }

  it('X-04: no network API in the certificate, TPM, authentication, policy and pipeline code: the library never fetches', () => {
    const files = [...['x509', 'tpm', 'attest', 'policy', 'evidence', 'eventlog', 'state'].flatMap((d) => sources(join(REPO_ROOT, 'src', d))), join(REPO_ROOT, 'src/verify.ts')]
    expect(files.length).toBeGreaterThan(30)
    const hits: string[] = []
    for (const f of files) {
      const text = readFileSync(f, 'utf8')
      for (const re of NETWORK) if (re.test(text)) hits.push(`${f.slice(REPO_ROOT.length + 1)}: ${re}`)
    }
    expect(hits).toEqual([])
  })

  afterEach(() => vi.unstubAllGlobals())

  it('X-04: an AK certificate whose issuer is reachable only through its AIA URL (a private IP) stays unverified and nothing is fetched', async () => {
    const engine = new CryptoEngine({ name: 'x04', crypto: webcrypto as unknown as Crypto })
    const root = await issue({ subjectCN: 'review root', ca: true, keyUsage: 0x06 })
    const intermediate = await issue({ subjectCN: 'review intermediate', issuer: root, ca: true, keyUsage: 0x06 })
    const input = demoInput()
    const { leaf } = await akCertificate(input.ak, { ca: intermediate })
    // Add Authority Information Access (caIssuers → http://169.254.169.254/..., and a file: URL), re-sign.
    const aia = new InfoAccess({
      accessDescriptions: ['http://169.254.169.254/latest/intermediate.crt', 'file:///etc/passwd'].map(
        (url) => new AccessDescription({ accessMethod: '1.3.6.1.5.5.7.48.2', accessLocation: new GeneralName({ type: 6, value: url }) }),
      ),
    })
    leaf.cert.extensions = [...(leaf.cert.extensions ?? []), new Extension({ extnID: '1.3.6.1.5.5.7.1.1', critical: false, extnValue: aia.toSchema().toBER(false), parsedValue: aia })]
    await leaf.cert.sign(intermediate.keys.privateKey, 'SHA-256', engine)
    const der = new Uint8Array(leaf.cert.toSchema(true).toBER(false))
    expect(new TextDecoder('latin1').decode(der)).toContain('169.254.169.254')

    const fetchSpy = vi.fn(async () => {
      throw new Error('network access')
    })
    vi.stubGlobal('fetch', fetchSpy)
    const base = { ...input, akEnrolled: false, trustAnchors: [toPem(root.der)] }
    const without = await run({ ...base, ak: { ...(input.ak as AkParts), certificate: der } })
    expect(fetchSpy).not.toHaveBeenCalled()
    expect(without.quote.checks.some((c) => c.id === 'ak.chain' && !c.ok)).toBe(true)
    expect(without.verdict.submods.tpm!.ear_trustworthiness_vector['instance-identity']).not.toBe(2)
    expect(without.verdict.ear_status).not.toBe('affirming')
    // Control: with the intermediate supplied by the caller, the same certificate chains.
    const withInt = await run({ ...base, ak: { ...(input.ak as AkParts), certificate: der, intermediates: [intermediate.der] } })
    expect(fetchSpy).not.toHaveBeenCalled()
    expect(withInt.quote.checks.some((c) => c.id === 'ak.chain' && c.ok)).toBe(true)
    expect(withInt.verdict.ear_status).toBe('affirming')
  })
})
