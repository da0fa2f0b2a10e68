/**
 * Policy rule `pcr11Signed` ("PCR 11 is authorised by key K") on the signatures systemd-measure
 * 252 made (test-vectors/uki/signed: its `.pcrsig`, `.pcrpkey` and section contents). A boot is
 * built whose PCR 11 events are that UKI's section measurements (as systemd-stub extends them)
 * and the phase words of one boot phase; a software AK quotes it. Each tamper asserts its code.
 */
import { generateKeyPairSync, sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { verifyPcr11Signatures } from '../../src/attest/pcr_signature.js'
import { toHex } from '../../src/bytes/hex.js'
import { EV } from '../../src/eventlog/event_types.js'
import { defaultHashProvider } from '../../src/hash/provider.js'
import { appraisePolicy, derivePolicy, isBootproofError, parseEventLog, parseEvidenceBundle, validatePolicy, verifyAttestation, type AttestationResult, type Policy } from '../../src/index.js'
import { attestEventLog, buildEventLog, loadEvidenceBundleFixture, registerBootproofMatchers, standardBoot, type LogEvent } from '../../src/testing/index.js'
import { evidenceBundleToJSON } from '../../src/evidence/bundle.js'
import { resolveUkiLimits } from '../../src/uki/limits.js'
import { policyPcrDigest } from '../../src/uki/policy_pcr.js'
import { measurementPlan } from '../../src/uki/predict_pcr11.js'
import { phaseWords } from '../../src/uki/phases.js'
import { vector, vectorText } from '../uki/uki_fixture.js'

registerBootproofMatchers(expect)

const UKI = vector('signed/uki.efi')
const PCRSIG = vectorText('signed/pcrsig.json')
const KEY = vectorText('signed/pcrpkey.pem')
const OTHER_KEY = vectorText('other-key.pem')
const utf8 = new TextEncoder()
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0))
/** systemd-measure's output for the signed UKI, recorded: phase → PCR 11 per bank. */
const RECORDED = (bank: string) => JSON.parse(vectorText(`signed/calculate-all-phases.${bank}.json`))[bank] as { phase?: string; hash: string }[]

/** PCR 11 as systemd-stub extends it (name with NUL, then content, per measured section), then the phase words. */
function pcr11Events(phase: string): LogEvent[] {
  const out: LogEvent[] = []
  for (const [name, content] of measurementPlan(UKI, {}, resolveUkiLimits()).sections) {
    out.push({ pcr: 11, type: EV.EV_IPL, data: ascii(`${name}\0`) })
    out.push({ pcr: 11, type: EV.EV_IPL, data: ascii(name.slice(1)), hashed: content })
  }
  for (const w of phaseWords(phase)) out.push({ pcr: 11, type: EV.EV_IPL, data: utf8.encode(w) })
  return out
}

interface Boot {
  log: ReturnType<typeof buildEventLog>
  input: Awaited<ReturnType<typeof attestEventLog>>['input']
  /** The quoted values (what the attester would report). */
  quoted: Record<string, Record<string, string>>
  policy: Policy
}

async function boot(phase: string, o: { banks?: ('sha1' | 'sha256')[]; select?: number[]; extra?: LogEvent[]; keys?: string[]; signedBanks?: ('sha1' | 'sha256')[] } = {}): Promise<Boot> {
  const banks = o.banks ?? ['sha256']
  const log = buildEventLog({ banks, events: [...standardBoot(), ...pcr11Events(phase), ...(o.extra ?? [])] })
  const { input, quote } = await attestEventLog(log.bytes, { banks, ...(o.select ? { select: o.select } : {}) })
  const derived = derivePolicy([parseEventLog(log.bytes)], { id: 'test/uki-signed', banks })
  const policy = { ...derived, pcr11Signed: { keys: o.keys ?? [KEY], ...(o.signedBanks ? { banks: o.signedBanks } : {}) } } as Policy
  return { log, input, quoted: quote.pcrs, policy }
}

const appraisalCodes = (r: AttestationResult) => r.verdict.bootproof_findings.filter((f) => f.step === 'appraisal').map((f) => f.code)

describe('the built boot reproduces what systemd-measure recorded', () => {
  it('PCR 11 of the log equals the recorded systemd-measure value at each default phase', () => {
    for (const rec of RECORDED('sha256').filter((e) => e.phase)) {
      const log = buildEventLog({ banks: ['sha256'], events: pcr11Events(rec.phase!) })
      expect(log.pcrs.sha256!['11']).toBe(rec.hash)
    }
  })
})

describe('pcr11Signed: affirming', () => {
  it('PCR 11 at enter-initrd, signed by the policy key: affirming, the rule matched', async () => {
    const b = await boot('enter-initrd')
    const r = await verifyAttestation({ ...b.input, policy: b.policy, pcrSignature: PCRSIG })
    expect(appraisalCodes(r)).toEqual([])
    expect(r).toBeAffirming()
    expect(r.verdict.bootproof_steps?.appraisal?.status).toBe('success')
  })

  it('every phase the key signed (the four default phases) is accepted', async () => {
    for (const phase of ['enter-initrd:leave-initrd', 'enter-initrd:leave-initrd:sysinit', 'enter-initrd:leave-initrd:sysinit:ready']) {
      const b = await boot(phase)
      const r = await verifyAttestation({ ...b.input, policy: b.policy, pcrSignature: PCRSIG })
      expect(appraisalCodes(r), phase).toEqual([])
      expect(r).toBeAffirming()
    }
  })

  it('sha1 and sha256 both required: the sha1 entry, signed over SHA-1(pol) by systemd 252, counts', async () => {
    const b = await boot('enter-initrd', { banks: ['sha1', 'sha256'], signedBanks: ['sha1', 'sha256'] })
    const r = await verifyAttestation({ ...b.input, policy: b.policy, pcrSignature: PCRSIG, quoteOptions: { allowSha1: true } })
    expect(appraisalCodes(r)).toEqual([])
    expect(r).toBeAffirming()
  })

  it('a second, unrelated key in the policy does not hurt', async () => {
    const b = await boot('enter-initrd', { keys: [OTHER_KEY, KEY] })
    expect(await verifyAttestation({ ...b.input, policy: b.policy, pcrSignature: PCRSIG })).toBeAffirming()
  })
})

describe('pcr11Signed: refused', () => {
  it('the policy names another key: POLICY_PCR11_NOT_SIGNED', async () => {
    const b = await boot('enter-initrd', { keys: [OTHER_KEY] })
    const r = await verifyAttestation({ ...b.input, policy: b.policy, pcrSignature: PCRSIG })
    expect(appraisalCodes(r)).toEqual(['POLICY_PCR11_NOT_SIGNED'])
    expect(r).toHaveFinding('POLICY_PCR11_NOT_SIGNED', { severity: 'error', pcr: 11 })
    expect(r).not.toBeAffirming()
  })

  it('PCR 11 at a phase the key did not sign (shutdown): POLICY_PCR11_NOT_SIGNED', async () => {
    const b = await boot('enter-initrd:leave-initrd:sysinit:ready:shutdown')
    const r = await verifyAttestation({ ...b.input, policy: b.policy, pcrSignature: PCRSIG })
    expect(appraisalCodes(r)).toEqual(['POLICY_PCR11_NOT_SIGNED'])
    expect(r).not.toBeAffirming()
  })

  it('the kernel-only value (no phase word) is not signed either: POLICY_PCR11_NOT_SIGNED', async () => {
    const b = await boot('')
    const r = await verifyAttestation({ ...b.input, policy: b.policy, pcrSignature: PCRSIG })
    expect(appraisalCodes(r)).toEqual(['POLICY_PCR11_NOT_SIGNED'])
  })

  it('a later phase under the enter-initrd-only signature: POLICY_PCR11_NOT_SIGNED', async () => {
    // signed-enter-initrd is the same UKI signed for --phase=enter-initrd only.
    const b = await boot('enter-initrd:leave-initrd')
    const r = await verifyAttestation({ ...b.input, policy: b.policy, pcrSignature: vectorText('signed-enter-initrd/pcrsig.json') })
    expect(appraisalCodes(r)).toEqual(['POLICY_PCR11_NOT_SIGNED'])
  })

  it('one more PCR 11 measurement (an edited image): POLICY_PCR11_NOT_SIGNED', async () => {
    const b = await boot('enter-initrd', { extra: [{ pcr: 11, type: EV.EV_IPL, data: utf8.encode('extra') }] })
    const r = await verifyAttestation({ ...b.input, policy: b.policy, pcrSignature: PCRSIG })
    expect(appraisalCodes(r)).toEqual(['POLICY_PCR11_NOT_SIGNED'])
  })

  it('no pcrSignature supplied: POLICY_PCR11_SIGNATURE_MISSING', async () => {
    const b = await boot('enter-initrd')
    const r = await verifyAttestation({ ...b.input, policy: b.policy })
    expect(appraisalCodes(r)).toEqual(['POLICY_PCR11_SIGNATURE_MISSING'])
    expect(r).not.toBeAffirming()
  })

  it('PCR 11 not in the quote selection: POLICY_PCR_NOT_QUOTED, never a signature match', async () => {
    const b = await boot('enter-initrd', { select: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] })
    const r = await verifyAttestation({ ...b.input, policy: b.policy, pcrSignature: PCRSIG })
    expect(appraisalCodes(r)).toContain('POLICY_PCR_NOT_QUOTED')
    expect(r).toHaveFinding('POLICY_PCR_NOT_QUOTED', { pcr: 11 })
    expect(appraisalCodes(r)).not.toContain('POLICY_PCR11_NOT_SIGNED')
    expect(r).not.toBeAffirming()
  })

  it('a log that does not reproduce the quoted PCR 11: POLICY_PCR_UNVERIFIED', async () => {
    const b = await boot('enter-initrd')
    // The TPM quoted the signed value; the log given says something else about PCR 11.
    const other = buildEventLog({ banks: ['sha256'], events: [...standardBoot(), ...pcr11Events('enter-initrd:leave-initrd')] })
    const r = await verifyAttestation({ ...b.input, pcrs: b.quoted, eventLog: other.bytes, policy: b.policy, pcrSignature: PCRSIG })
    expect(r.quote.valid).toBe(true)
    expect(r).toHaveFinding('POLICY_PCR_UNVERIFIED', { pcr: 11 })
    expect(appraisalCodes(r)).not.toContain('POLICY_PCR11_NOT_SIGNED')
    expect(r).not.toBeAffirming()
  })

  it('the matching entry with its signature bit-flipped (pol still right): POLICY_PCR11_NOT_SIGNED', async () => {
    const b = await boot('enter-initrd')
    const doc = JSON.parse(PCRSIG) as Record<string, { pol: string; sig: string }[]>
    const pol = toHex(policyPcrDigest({ bank: 'sha256', pcrs: new Map([[11, Buffer.from(b.log.pcrs.sha256!['11']!, 'hex')]]) }, defaultHashProvider()))
    const entry = doc.sha256!.find((e) => e.pol === pol)!
    expect(entry).toBeDefined()
    const sig = Buffer.from(entry.sig, 'base64')
    sig[sig.length - 1]! ^= 0x01
    entry.sig = sig.toString('base64')
    const r = await verifyAttestation({ ...b.input, policy: b.policy, pcrSignature: JSON.stringify(doc) })
    expect(appraisalCodes(r)).toEqual(['POLICY_PCR11_NOT_SIGNED'])
  })

  it('an entry over the right pol, signed by another key but naming the policy key (pkfp): POLICY_PCR11_NOT_SIGNED', async () => {
    const b = await boot('enter-initrd')
    const doc = JSON.parse(PCRSIG) as Record<string, { pcrs: number[]; pkfp: string; pol: string; sig: string }[]>
    const pol = toHex(policyPcrDigest({ bank: 'sha256', pcrs: new Map([[11, Buffer.from(b.log.pcrs.sha256!['11']!, 'hex')]]) }, defaultHashProvider()))
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const forged = { pcrs: [11], pkfp: doc.sha256![0]!.pkfp, pol, sig: sign('sha256', Buffer.from(pol, 'hex'), privateKey).toString('base64') }
    const r = await verifyAttestation({ ...b.input, policy: b.policy, pcrSignature: JSON.stringify({ sha256: [forged] }) })
    expect(appraisalCodes(r)).toEqual(['POLICY_PCR11_NOT_SIGNED'])
  })

  it('a valid signature over the right pol but for PCRs [7, 11]: not PCR 11 alone, POLICY_PCR11_NOT_SIGNED', async () => {
    const b = await boot('enter-initrd')
    const doc = JSON.parse(PCRSIG) as Record<string, { pcrs: number[]; pol: string }[]>
    for (const e of doc.sha256!) e.pcrs = [7, 11]
    const r = await verifyAttestation({ ...b.input, policy: b.policy, pcrSignature: JSON.stringify(doc) })
    expect(appraisalCodes(r)).toEqual(['POLICY_PCR11_NOT_SIGNED'])
  })
})

describe('appraisePolicy reads the verified set, never the document', () => {
  async function setup() {
    const b = await boot('enter-initrd')
    const r = await verifyAttestation({ ...b.input, policy: b.policy, pcrSignature: PCRSIG })
    const base = { policy: b.policy, log: r.log!, evidence: r.evidence!, quote: r.quote, nonceChecked: true }
    return { b, base }
  }

  it('with the set verified under the policy key: the rule matched on os-kernel, check pcr11Signed passes', async () => {
    const { base } = await setup()
    const a = appraisePolicy({ ...base, pcr11Signatures: await verifyPcr11Signatures(PCRSIG, [KEY]) })
    expect(a.findings).toEqual([])
    expect(a.checks.pcr11Signed).toEqual({ status: 'pass', findings: 0 })
    const matched = a.components.find((c) => c.component === 'os-kernel')!.matched.filter((m) => m.reference === '/pcr11Signed')
    expect(matched).toHaveLength(1)
    expect(matched[0]!.events.length).toBeGreaterThan(0)
    expect(a.relevantPcrs).toContain(11)
  })

  it('a set verified under a key the policy does not name: POLICY_PCR11_NOT_SIGNED', async () => {
    const { base } = await setup()
    const underOther = await verifyPcr11Signatures(PCRSIG, [KEY])
    const policy = { ...(base.policy as Policy), pcr11Signed: { keys: [OTHER_KEY] } }
    const a = appraisePolicy({ ...base, policy, pcr11Signatures: underOther })
    expect(a.findings.map((f) => f.code)).toEqual(['POLICY_PCR11_NOT_SIGNED'])
    expect(a.checks.pcr11Signed.status).toBe('fail')
  })

  it('without a verified set: POLICY_PCR11_SIGNATURE_MISSING', async () => {
    const { base } = await setup()
    expect(appraisePolicy(base).findings.map((f) => f.code)).toEqual(['POLICY_PCR11_SIGNATURE_MISSING'])
  })
})

describe('the evidence bundle carries pcrSignature', () => {
  it('as an object: parsed, passed on, affirming', async () => {
    const b = await boot('enter-initrd')
    const json = { ...evidenceBundleToJSON({ eventLog: b.log.bytes, quotes: b.input.quotes.map((q) => ({ attest: q.attest, signature: q.signature as Uint8Array })), ak: { public: b.input.ak as Uint8Array }, nonce: b.input.nonce! }), pcrSignature: JSON.parse(PCRSIG) }
    const input = loadEvidenceBundleFixture({ text: JSON.stringify(json) }, { policy: b.policy })
    expect(typeof input.pcrSignature).toBe('string')
    expect(await verifyAttestation(input)).toBeAffirming()
  })

  it('as text: the same document', () => {
    const base = evidenceBundleToJSON({ quotes: [{ attest: new Uint8Array(4), signature: new Uint8Array(4) }], ak: { public: new Uint8Array(4) }, pcrSignature: PCRSIG })
    expect(parseEvidenceBundle(JSON.stringify(base)).pcrSignature).toBe(PCRSIG)
  })

  it('a duplicate pcrSignature member: ERR_BUNDLE_INVALID', () => {
    const base = JSON.stringify(evidenceBundleToJSON({ quotes: [{ attest: new Uint8Array(4), signature: new Uint8Array(4) }], ak: { public: new Uint8Array(4) }, pcrSignature: PCRSIG }))
    const text = base.replace(/}$/, `,"pcrSignature":${JSON.stringify('{"sha256":[]}')}}`)
    expect(() => parseEvidenceBundle(text)).toThrow(expect.objectContaining({ code: 'ERR_BUNDLE_INVALID', message: expect.stringMatching(/duplicate member "pcrSignature"/) }))
  })

  it('a malformed .pcrsig in the bundle: ERR_BUNDLE_INVALID at /pcrSignature', () => {
    const json = { ...evidenceBundleToJSON({ quotes: [{ attest: new Uint8Array(4), signature: new Uint8Array(4) }], ak: { public: new Uint8Array(4) } }), pcrSignature: { sha256: [{ pcrs: [11], pol: 'zz', sig: 'AA==' }] } }
    expect(() => parseEvidenceBundle(JSON.stringify(json))).toThrow(expect.objectContaining({ code: 'ERR_BUNDLE_INVALID', field: '/pcrSignature' }))
  })

  it('a pcrSignature that is neither text nor an object: ERR_BUNDLE_INVALID', () => {
    const json = { ...evidenceBundleToJSON({ quotes: [{ attest: new Uint8Array(4), signature: new Uint8Array(4) }], ak: { public: new Uint8Array(4) } }), pcrSignature: [1] }
    expect(() => parseEvidenceBundle(JSON.stringify(json))).toThrow(expect.objectContaining({ code: 'ERR_BUNDLE_INVALID', field: '/pcrSignature' }))
  })
})

describe('verifyPcr11Signatures (the signature stage)', () => {
  it('the real document under its key: 16 entries verify, each bank over its own hash (systemd 252)', async () => {
    const ev = await verifyPcr11Signatures(PCRSIG, [KEY], { maxSignatureChecks: 16 })
    expect(ev.entries).toBe(16)
    expect(ev.verified).toHaveLength(16)
    expect(ev.skipped).toBe(0)
    for (const v of ev.verified) expect(v.signatureHash).toBe(v.bank)
    expect(ev.keys).toEqual([ev.verified[0]!.key])
  })

  it('under another key: nothing verifies, and entries naming another pkfp cost no signature check', async () => {
    const ev = await verifyPcr11Signatures(PCRSIG, [OTHER_KEY])
    expect(ev.verified).toEqual([])
    expect(ev.checked).toBe(0)
  })

  it('given the quoted PCR 11, only the entry over its PolicyPCR digest is checked', async () => {
    const value = RECORDED('sha256').find((e) => e.phase === 'enter-initrd')!.hash
    const ev = await verifyPcr11Signatures(PCRSIG, [KEY], { banks: ['sha256'], pcr11: { sha256: value } })
    expect(ev.checked).toBe(1)
    expect(ev.verified.map((v) => [v.bank, v.index])).toEqual([['sha256', 0]])
  })

  it('maxSignatureChecks bounds the work; the rest is counted as skipped', async () => {
    const ev = await verifyPcr11Signatures(PCRSIG, [KEY], { maxSignatureChecks: 3 })
    expect(ev.checked).toBe(3)
    expect(ev.skipped).toBe(13)
  })

  it('a malformed document throws ERR_UKI_PCRSIG_MALFORMED', async () => {
    await expect(verifyPcr11Signatures('{"sha256":[{"pcrs":[11]}]}', [KEY])).rejects.toSatisfy((e: unknown) => isBootproofError(e) && e.code === 'ERR_UKI_PCRSIG_MALFORMED')
  })
})

describe('policy validation of pcr11Signed', () => {
  const base = { id: 'p', version: 1 }
  it('a policy with only pcr11Signed checks something and is valid', () => {
    expect(validatePolicy({ ...base, pcr11Signed: { keys: [KEY] } }).pcr11Signed?.keys).toEqual([KEY])
  })
  it('an EC key: refused (systemd signs PCR policies with RSA only)', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
    expect(() => validatePolicy({ ...base, pcr11Signed: { keys: [pem] } })).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID', issues: [expect.objectContaining({ path: '/pcr11Signed/keys/0', message: expect.stringMatching(/RSA/) })] }))
  })
  it('an unparseable key: refused with its pointer', () => {
    expect(() => validatePolicy({ ...base, pcr11Signed: { keys: ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'] } })).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID', issues: [expect.objectContaining({ path: '/pcr11Signed/keys/0' })] }))
  })
  it('a bank systemd does not sign (sm3_256), or no key: refused', () => {
    expect(() => validatePolicy({ ...base, pcr11Signed: { keys: [KEY], banks: ['sm3_256'] } })).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID' }))
    expect(() => validatePolicy({ ...base, pcr11Signed: { keys: [] } })).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID' }))
    expect(() => validatePolicy({ ...base, pcr11Signed: { keys: [KEY], phases: ['enter-initrd'] } })).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID' }))
  })
})
