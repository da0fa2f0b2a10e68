/**
 * Attack catalogue H-01..H-13: fail-open verifier designs. One code path may produce an affirming
 * verdict; every other path (exception, missing policy, missing reference values, missing
 * evidence, bad signature, unknown key) must produce a non-affirming verdict with a reason, or a
 * thrown BootproofError (no verdict at all).
 *
 * The baseline is the committed recorded attestation (test-vectors/demo) under its derived
 * policy, which is affirming; each test changes one thing. bootproof is a stateless library: the
 * server-side precedents (H-04 availability, H-12 sticky failure state, H-13 registration) are
 * tested as far as a library applies, and the rest is stated in the test.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi, onTestFinished } from 'vitest'
import { computeName, makeCredential, parseTpmtPublic, verifyAttestation, type AkParts, type HashProvider, type VerifyAttestationInput } from '../../src/index.js'
import { defaultHashProvider } from '../../src/hash/provider.js'
import { setNodeCryptoVerifier } from '../../src/tpm/node_verify.js'
import { ALG, buildEccPublic, buildRsaPublic, makeQuote, NONCE, softwareAk, tpm2bPublic, unhex } from '../fixtures/tpm/builders.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { codes } from './attack_helpers.js'
import { demoInput, demoPcrs, demoPolicy } from './helpers.js'

const errorCodes = (r: Awaited<ReturnType<typeof verifyAttestation>>) => r.verdict.bootproof_findings.filter((f) => f.severity === 'error').map((f) => f.code)

/** Run, and report either the verdict status or the thrown error code (a throw gives no verdict: not affirming). */
async function outcome(input: VerifyAttestationInput): Promise<{ status?: string; thrown?: string }> {
  try {
    const r = await verifyAttestation(input)
    return { status: r.verdict.ear_status }
  } catch (e) {
    return { thrown: (e as { code?: string }).code ?? (e as Error).name }
  }
}

describe('H-* baseline', () => {
  it('H-01..H-13 baseline: the recorded attestation under its derived policy is affirming (every test below changes one thing)', async () => {
    const r = await verifyAttestation(demoInput())
    expect(r.verdict.ear_status).toBe('affirming')
  })
})

describe('H-01 (CVE-2023-3674): an invalid quote signature is never just logged', () => {
  it('H-01: one byte of the signature flipped: ERR_QUOTE_SIGNATURE (error), AR4SI 99 everywhere, contraindicated', async () => {
    const input = demoInput()
    const sig = (input.quotes[0]!.signature as Uint8Array).slice()
    sig[sig.length - 10]! ^= 0x01
    const r = await verifyAttestation({ ...input, quotes: [{ ...input.quotes[0]!, signature: sig }] })
    expect(r.quote.valid).toBe(false)
    expect(r.verdict.bootproof_findings).toContainEqual(expect.objectContaining({ code: 'ERR_QUOTE_SIGNATURE', severity: 'error', step: 'quote' }))
    expect(r.verdict.ear_status).toBe('contraindicated')
    for (const s of Object.values(r.verdict.submods)) expect(Object.values(s.ear_trustworthiness_vector)).toContain(99)
    // Nothing from the log is trusted.
    expect(r.trustedPcrs).toEqual([])
    expect(r.state?.secureBoot.enabled.trusted).toBe(false)
  })

  it('H-01: one byte of the signed TPMS_ATTEST flipped (the clock): the signature no longer verifies, contraindicated', async () => {
    const input = demoInput()
    const attest = input.quotes[0]!.attest.slice()
    // magic(4) type(2) qualifiedSigner(2+n) extraData(2+m) clock(8): flip the clock's last byte.
    const qs = (attest[6]! << 8) | attest[7]!
    const ed = (attest[8 + qs]! << 8) | attest[9 + qs]!
    attest[10 + qs + ed + 7]! ^= 0x01
    const r = await verifyAttestation({ ...input, quotes: [{ ...input.quotes[0]!, attest }] })
    expect(errorCodes(r)).toContain('ERR_QUOTE_SIGNATURE')
    expect(r.verdict.ear_status).toBe('contraindicated')
  })
})

describe('H-02 (CVE-2022-3500): an exception in any stage never leaves an affirming verdict', () => {
  afterEach(() => vi.restoreAllMocks())

  it('H-02: a hash provider that fails at call n (every n of the whole pipeline) throws or gives a non-affirming verdict', async () => {
    const base = defaultHashProvider()
    // Count the hash calls of a warm run (process-wide caches of immutable inputs already filled).
    await verifyAttestation(demoInput())
    let calls = 0
    const counting: HashProvider = { name: 'counting', digest: (alg, data) => (calls++, base.digest(alg, data)), digest2: (alg, a, b) => (calls++, base.digest2(alg, a, b)) }
    expect((await verifyAttestation({ ...demoInput(), hash: counting })).verdict.ear_status).toBe('affirming')
    expect(calls).toBeGreaterThan(20)
    let fired = 0
    for (let at = 0; at < calls; at++) {
      let n = 0
      let hit = false
      const fail = () => {
        if (n++ === at) {
          hit = true
          throw new Error(`injected hash failure at call ${at}`)
        }
      }
      const failing: HashProvider = { name: 'failing', digest: (alg, data) => (fail(), base.digest(alg, data)), digest2: (alg, a, b) => (fail(), base.digest2(alg, a, b)) }
      const o = await outcome({ ...demoInput(), hash: failing })
      if (!hit) continue
      fired++
      expect(o.status, `failure at hash call ${at}`).not.toBe('affirming')
    }
    // The injection really reached (nearly) every call site.
    expect(fired).toBeGreaterThan(calls * 0.9)
  })

  it('H-02: a WebCrypto failure during signature verification: ERR_QUOTE_SIGNATURE with the reason, contraindicated', async () => {
    // On Node the quote is verified with node:crypto; force the WebCrypto path other runtimes take.
    setNodeCryptoVerifier(false)
    onTestFinished(() => setNodeCryptoVerifier(undefined))
    vi.spyOn(globalThis.crypto.subtle, 'verify').mockRejectedValue(new Error('injected: crypto backend timed out'))
    const r = await verifyAttestation(demoInput())
    const f = r.verdict.bootproof_findings.find((x) => x.code === 'ERR_QUOTE_SIGNATURE')
    expect(f?.message).toMatch(/injected: crypto backend timed out/)
    expect(r.verdict.ear_status).toBe('contraindicated')
  })

  it('H-02: every verdict carries its issue time (iat = the verification time) so a caller can expire it', async () => {
    const now = new Date('2026-03-01T12:00:00Z')
    const r = await verifyAttestation({ ...demoInput(), now })
    expect(r.verdict.iat).toBe(Math.floor(now.getTime() / 1000))
    // Expiry itself is the relying party's policy: the library keeps no verdicts.
  })
})

describe('H-03 (CVE-2023-38201): never echo expected values', () => {
  it('H-03: MakeCredential output (what goes to the attester) does not contain the activation secret', async () => {
    const { generateKeyPairSync } = await import('node:crypto')
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const n = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).n!, 'base64url'))
    const ekPublic = buildRsaPublic(n, { attributes: 0x000300b2, scheme: ALG.NULL, symmetric: { alg: ALG.AES, keyBits: 128, mode: ALG.CFB } })
    const secret = new TextEncoder().encode('H-03 secret that must stay here')
    const out = await makeCredential({ ekPublic, akName: computeName(parseTpmtPublic(softwareAk('rsassa').tpmtPublic)), secret })
    const hay = Buffer.concat([out.credentialBlob, out.encryptedSecret])
    expect(hay.indexOf(Buffer.from(secret))).toBe(-1)
    expect(Object.keys(out).sort()).toEqual(['credentialBlob', 'encryptedSecret'])
  })

  it('H-03: a failed quote (wrong nonce) reports the mismatch without disclosing a correct signature or the AK private material', async () => {
    const input = demoInput()
    const wrong = new Uint8Array(input.nonce!.length).fill(7)
    const r = await verifyAttestation({ ...input, nonce: wrong })
    expect(codes(r)).toContain('ERR_QUOTE_NONCE_MISMATCH')
    // The verdict names the failed check; it holds no value an attacker could replay as a valid answer.
    const text = JSON.stringify(r.verdict)
    expect(text).not.toContain(Buffer.from(input.quotes[0]!.signature as Uint8Array).toString('hex'))
    expect(text).not.toContain(Buffer.from(input.quotes[0]!.signature as Uint8Array).toString('base64'))
  })
})

describe('H-04 (CVE-2023-38200): availability of a registrar', () => {
  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const p = join(dir, name)
      return statSync(p).isDirectory() ? sources(p) : name.endsWith('.ts') ? [p] : []
    })
  }
  it('H-04: not applicable to a library (no server, no sockets): the library core opens no listener or connection', () => {
    // H-04 was one idle TLS connection blocking Keylime's registrar. bootproof has no server; the
    // only network use is the caller-configured MAA JWKS fetch in src/token (attack J-03, J-10).
    const files = sources(join(REPO_ROOT, 'src')).filter((f) => !/[\\/]src[\\/](cli|node|token)[\\/]/.test(f))
    const hits = files.filter((f) => /createServer|\.listen\(|from\s+['"](node:)?(net|tls|http|https|http2)['"]/.test(readFileSync(f, 'utf8')))
    expect(files.length).toBeGreaterThan(50)
    expect(hits).toEqual([])
  })
})

describe('H-05 (= Q-06 e, CVE-2021-3406): the quote key is the AK whose public area was given', () => {
  it('H-05: a quote signed by another key B, verified against AK A: ERR_QUOTE_SIGNATURE, contraindicated', async () => {
    const input = demoInput()
    const b = softwareAk('rsassa')
    const q = makeQuote(b, { selection: [{ bank: 'sha256', pcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }], values: demoPcrs(), extraData: input.nonce! })
    const r = await verifyAttestation({ ...input, quotes: [{ attest: q.attest, signature: q.signature }] })
    expect(errorCodes(r)).toContain('ERR_QUOTE_SIGNATURE')
    expect(r.verdict.ear_status).toBe('contraindicated')
  })

  it('H-05: AK A\'s public area with a separately supplied SPKI of key B (that signed the quote): rejected as a mismatch', async () => {
    const input = demoInput()
    const b = softwareAk('rsassa')
    const q = makeQuote(b, { selection: [{ bank: 'sha256', pcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }], values: demoPcrs(), extraData: input.nonce! })
    const r = await verifyAttestation({ ...input, ak: { ...(input.ak as AkParts), spki: b.spkiDer }, quotes: [{ attest: q.attest, signature: q.signature }] })
    expect(r.quote.valid).toBe(false)
    expect(errorCodes(r).some((c) => /^ERR_AK_/.test(c) || c === 'ERR_QUOTE_SIGNATURE')).toBe(true)
    expect(r.verdict.ear_status).toBe('contraindicated')
  })
})

describe('H-06 (= Q-05, CVE-2026-6420): nonces', () => {
  it('H-06: the genuine quote presented against a new challenge: ERR_QUOTE_NONCE_MISMATCH, contraindicated', async () => {
    const input = demoInput()
    const r = await verifyAttestation({ ...input, nonce: unhex('00'.repeat(31) + '01') })
    expect(errorCodes(r)).toContain('ERR_QUOTE_NONCE_MISMATCH')
    expect(r.verdict.ear_status).toBe('contraindicated')
  })
  it('H-06: no nonce (or an empty one) is never accepted by default: ERR_QUOTE_NONCE_MISSING', async () => {
    for (const nonce of [undefined, new Uint8Array(0)]) {
      const r = await verifyAttestation({ ...demoInput(), nonce })
      expect(codes(r).some((c) => c === 'ERR_QUOTE_NONCE_MISSING' || c === 'ERR_QUOTE_NONCE_MISMATCH')).toBe(true)
      expect(r.verdict.ear_status).not.toBe('affirming')
    }
  })
})

describe('H-07: no policy, unknown policy, empty reference values', () => {
  it('H-07: no policy: the verdict is "none", appraisal step skipped with the reason', async () => {
    const { policy: _p, ...input } = demoInput()
    const r = await verifyAttestation(input)
    expect(r.quote.valid).toBe(true)
    expect(r.verdict.ear_status).not.toBe('affirming')
    expect(r.verdict.bootproof_steps.appraisal).toMatchObject({ status: 'skipped', note: expect.stringMatching(/no policy/) })
  })
  it.each([
    ['unknown version', { ...demoPolicy(), version: 2 }, 'ERR_POLICY_VERSION'],
    ['empty object', {}, 'ERR_POLICY_INVALID'],
    ['only an id', { id: 'x', version: 1 }, 'ERR_POLICY_INVALID'],
    ['empty reference values', { id: 'x', version: 1, pcrValues: [], eventRules: [], digests: { required: [], forbidden: [] } }, 'ERR_POLICY_INVALID'],
    ['unknown top-level rule name', { id: 'x', version: 1, acceptAll: true }, 'ERR_POLICY_INVALID'],
    ['a policy name instead of a policy', 'accept-all', 'ERR_POLICY_INVALID'],
  ])('H-07: %s: verifyAttestation throws %s before any evidence is examined', async (_label, policy, code) => {
    await expect(verifyAttestation({ ...demoInput(), policy: policy as never })).rejects.toMatchObject({ code })
  })
})

describe('H-08 (= Q-10): a key-parse error is an error, never success', () => {
  it.each([
    ['BN_P256 (0x0010)', 0x0010],
    ['unknown curve 0x0099', 0x0099],
  ])('H-08: AK on curve %s: the quote is rejected, contraindicated', async (_l, curveId) => {
    const real = softwareAk('ecdsa-p256')
    const jwk = real.publicKey.export({ format: 'jwk' })
    const pub = buildEccPublic(new Uint8Array(Buffer.from(jwk.x!, 'base64url')), new Uint8Array(Buffer.from(jwk.y!, 'base64url')), { curveId, attributes: 0x00050072, scheme: ALG.ECDSA, schemeHash: ALG.SHA256 })
    const q = makeQuote(real, { selection: [{ bank: 'sha256', pcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }], values: demoPcrs(), extraData: NONCE })
    const o = await outcome({ ...demoInput(), nonce: NONCE, ak: tpm2bPublic(pub), quotes: [{ attest: q.attest, signature: q.signature }] })
    expect(o.status).not.toBe('affirming')
    if (!o.thrown) {
      const r = await verifyAttestation({ ...demoInput(), nonce: NONCE, ak: tpm2bPublic(pub), quotes: [{ attest: q.attest, signature: q.signature }] })
      expect(r.quote.valid).toBe(false)
      expect(errorCodes(r).some((c) => /^ERR_(AK|KEY)_/.test(c))).toBe(true)
    }
  })
})

describe('H-09 (= Q-01): a PCR outside the signed selection is never read', () => {
  it('H-09: quote over PCR 10 only, PCR 0-9 supplied beside it: ERR_PCR_NOT_IN_SELECTION, contraindicated', async () => {
    const ak = softwareAk('rsassa')
    const sel = [{ bank: 'sha256', pcrs: [10] }]
    const q = makeQuote(ak, { selection: sel, extraData: NONCE })
    const pcrs = { sha256: { ...demoPcrs().sha256, '10': q.values.sha256!['10']! } }
    const r = await verifyAttestation({ ...demoInput(), nonce: NONCE, ak: tpm2bPublic(ak.tpmtPublic), quotes: [{ attest: q.attest, signature: q.signature }], pcrs })
    expect(errorCodes(r)).toContain('ERR_PCR_NOT_IN_SELECTION')
    expect(r.trustedPcrs).toEqual([])
    expect(r.verdict.ear_status).toBe('contraindicated')
  })
})

describe('H-10: a verifier without reference values', () => {
  it('H-10: every run without a policy is "none" (never affirming), even for perfect evidence', async () => {
    const { policy: _p, ...input } = demoInput()
    const r = await verifyAttestation(input)
    expect(r.quote.valid).toBe(true)
    expect(r.verdict.bootproof_steps.replay.status).toBe('success')
    expect(r.verdict.ear_status).toBe('none')
    // Only the tpm submodule (quote signature, nonce, enrolled AK) can be affirmed without reference
    // values; no boot-chain submodule is.
    const boot = Object.entries(r.verdict.submods).filter(([k]) => k !== 'tpm')
    expect(boot.length).toBeGreaterThanOrEqual(4)
    for (const [k, s] of boot) expect(s.ear_status, k).not.toBe('affirming')
  })
  it('H-10: a policy naming PCRs and banks but no values is invalid (it checks nothing)', async () => {
    await expect(verifyAttestation({ ...demoInput(), policy: { id: 'x', version: 1, pcrs: { banks: ['sha256'], required: [0, 7] } } })).rejects.toMatchObject({ code: 'ERR_POLICY_INVALID' })
  })
})

describe('H-11 (CVE-2025-64186): each required evidence field missing in turn', () => {
  const variants: [string, (i: VerifyAttestationInput) => VerifyAttestationInput][] = [
    ['no quotes', (i) => ({ ...i, quotes: [] })],
    ['empty TPMS_ATTEST', (i) => ({ ...i, quotes: [{ ...i.quotes[0]!, attest: new Uint8Array(0) }] })],
    ['empty signature', (i) => ({ ...i, quotes: [{ ...i.quotes[0]!, signature: new Uint8Array(0) }] })],
    ['no nonce', (i) => ({ ...i, nonce: undefined })],
    ['no AK', (i) => ({ ...i, ak: undefined as never })],
    ['AK with no key', (i) => ({ ...i, ak: {} })],
    ['no event log', (i) => ({ ...i, eventLog: undefined })],
    ['empty event log', (i) => ({ ...i, eventLog: new Uint8Array(0) })],
    ['no AK identity (not enrolled, no certificate)', (i) => ({ ...i, akEnrolled: false })],
  ]
  it.each(variants)('H-11: %s: throws or is not affirming', async (label, mutate) => {
    const o = await outcome(mutate(demoInput()))
    expect(o.status, label).not.toBe('affirming')
    expect(o.thrown ?? o.status).toBeDefined()
  })
})

describe('H-12: failure state (stateless library)', () => {
  it('H-12: verdicts are not carried over: pass, then failing evidence of the same AK and policy object, then pass again, each judged on its own', async () => {
    // Sticky per-agent failure state belongs to the relying party (bootproof keeps no agent
    // state: caches hold only decoded immutable inputs). What a library must guarantee is that
    // no cache turns a failure into a pass, or a pass into a stale pass after a failure.
    const input = demoInput()
    const policy = demoPolicy()
    expect((await verifyAttestation({ ...input, policy })).verdict.ear_status).toBe('affirming')
    const sig = (input.quotes[0]!.signature as Uint8Array).slice()
    sig[20]! ^= 0xff
    const failed = await verifyAttestation({ ...input, policy, quotes: [{ ...input.quotes[0]!, signature: sig }] })
    expect(failed.verdict.ear_status).toBe('contraindicated')
    // The failing verdict is reproducible (no cache of the AK or policy flips it).
    expect((await verifyAttestation({ ...input, policy, quotes: [{ ...input.quotes[0]!, signature: sig }] })).verdict.ear_status).toBe('contraindicated')
    // Recovery is only ever the result of new passing evidence, reported as such (its own verdict).
    const again = await verifyAttestation({ ...input, policy })
    expect(again.verdict.ear_status).toBe('affirming')
    expect(again.verdict.iat).toBeGreaterThanOrEqual(failed.verdict.iat)
  })
})

describe('H-13 (CVE-2025-13609): identity takeover with a different TPM', () => {
  it('H-13: the same boot quoted by a different, unenrolled and uncertified AK is an unrecognized instance (97), not affirming', async () => {
    const ak = softwareAk('rsassa')
    const q = makeQuote(ak, { selection: [{ bank: 'sha256', pcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }], values: demoPcrs(), extraData: NONCE })
    const r = await verifyAttestation({ ...demoInput(), nonce: NONCE, akEnrolled: false, ak: tpm2bPublic(ak.tpmtPublic), quotes: [{ attest: q.attest, signature: q.signature }] })
    // Cryptographically a fine quote of a genuine boot ...
    expect(r.quote.valid).toBe(true)
    // ... but by a TPM nobody vouched for: a new, unverified identity.
    expect(r.verdict.submods.tpm!.ear_trustworthiness_vector['instance-identity']).toBe(97)
    expect(r.verdict.ear_status).not.toBe('affirming')
    // Registration (binding an agent id to one EK/AK and refusing a second) is the caller's
    // enrollment store: `akEnrolled` must only be set for the AK on record.
  })
})
