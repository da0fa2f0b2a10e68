/**
 * Quote attacks: one named case per attack (and its variants), each asserting the
 * specific failing check code. Quotes are built and signed by the suite's software AKs.
 */
import { describe, it, expect } from 'vitest'
import { verifyQuote } from '../../src/tpm/verify_quote.js'
import { verifyQuotes } from '../../src/tpm/verify_quotes.js'
import type { VerifyQuoteOptions } from '../../src/tpm/verify_quote.js'
import { BootproofError } from '../../src/errors.js'
import {
  ALG, ST, AK_ATTRS, ATTR, NONCE, W, buildAttest, buildPcrSelection, buildRsaPublic, buildEccPublic, concat, hash, hex, makeQuote, pcrDigestOf,
  pcrValuesFor, quoteInfo, softwareAk, tpm2bPublic, unhex, type SoftwareAk,
} from '../fixtures/tpm/builders.js'

const rsa = () => softwareAk('rsassa')

async function verify(ak: SoftwareAk | { akBytes: Uint8Array }, q: { attest: Uint8Array; signature: Uint8Array }, extra: { nonce?: Uint8Array | null; pcrs?: Record<string, Record<string, string>>; options?: VerifyQuoteOptions } = {}) {
  return verifyQuote({
    attest: q.attest,
    signature: q.signature,
    ak: 'akBytes' in ak ? ak.akBytes : ak.tpmtPublic,
    ...(extra.nonce === null ? {} : { nonce: extra.nonce ?? NONCE }),
    ...(extra.pcrs ? { pcrs: extra.pcrs } : {}),
    ...(extra.options ? { options: extra.options } : {}),
  })
}

const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code)

describe('baseline: genuine software quotes verify', () => {
  for (const kind of ['rsassa', 'rsapss', 'ecdsa-p256', 'ecdsa-p384'] as const) {
    it(`${kind}`, async () => {
      const ak = softwareAk(kind)
      const q = makeQuote(ak, { extraData: NONCE })
      const r = await verify(ak, q, { pcrs: q.values })
      expect(r.errors).toEqual([])
      expect(r.valid).toBe(true)
      expect(Object.keys(r.pcrs.sha256!)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7'])
      expect(r.checks.map((c) => c.id)).toContain('signature.verify')
    })
  }
})

describe('Q-01 CVE-2022-0317: PCRs outside the signed selection', () => {
  it('empty selection, pcrDigest = SHA-256(""), PCR 0-7 supplied → ERR_PCR_NOT_IN_SELECTION', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE, selection: [{ bank: 'sha256', pcrs: [] }], pcrDigest: unhex('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855') })
    const forged = pcrValuesFor([{ bank: 'sha256', pcrs: [0, 1, 2, 3, 4, 5, 6, 7] }], 'forged')
    const r = await verify(ak, q, { pcrs: forged })
    expect(r.valid).toBe(false)
    expect(codes(r)).toEqual(['ERR_PCR_NOT_IN_SELECTION'])
    expect(r.pcrs).toEqual({})
  })
  it('selection count 0 (no bank at all) with supplied PCRs → ERR_PCR_NOT_IN_SELECTION', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE, selection: [], selectionBytes: buildPcrSelection([], 0), pcrDigest: hash('sha256', new Uint8Array(0)) })
    const r = await verify(ak, q, { pcrs: pcrValuesFor([{ bank: 'sha256', pcrs: [0] }]) })
    expect(codes(r)).toEqual(['ERR_PCR_NOT_IN_SELECTION'])
  })
  it('selection = PCR 10 only while PCR 0-7 supplied → ERR_PCR_NOT_IN_SELECTION (and PCR 10 missing)', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE, selection: [{ bank: 'sha256', pcrs: [10] }] })
    const r = await verify(ak, q, { pcrs: pcrValuesFor([{ bank: 'sha256', pcrs: [0, 1, 2, 3, 4, 5, 6, 7] }]) })
    expect(codes(r)).toContain('ERR_PCR_NOT_IN_SELECTION')
    expect(codes(r)).toContain('ERR_PCR_MISSING')
  })
  it('a required PCR that the quote does not select → ERR_PCR_MISSING', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE, selection: [{ bank: 'sha256', pcrs: [10] }] })
    const r = await verify(ak, q, { pcrs: q.values, options: { requiredPcrs: { sha256: [0, 7] } } })
    expect(codes(r)).toEqual(['ERR_PCR_MISSING'])
  })
})

describe('Q-02 CVE-2024-29039: relabelled PCR values', () => {
  it('quote over sha256:{0,1,2,3,16}, values relabelled as {0,1,2,3,7} → ERR_PCR_NOT_IN_SELECTION + ERR_PCR_MISSING', async () => {
    const ak = rsa()
    const sel = [{ bank: 'sha256', pcrs: [0, 1, 2, 3, 16] }]
    const q = makeQuote(ak, { extraData: NONCE, selection: sel })
    const relabelled = { sha256: { ...q.values.sha256! } }
    relabelled.sha256['7'] = relabelled.sha256['16']!
    delete relabelled.sha256['16']
    const r = await verify(ak, q, { pcrs: relabelled })
    expect(r.valid).toBe(false)
    expect(codes(r)).toEqual(expect.arrayContaining(['ERR_PCR_NOT_IN_SELECTION', 'ERR_PCR_MISSING']))
  })
  it('bank relabel sha256 → sm3_256 (equal length) → ERR_PCR_NOT_IN_SELECTION', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE, selection: [{ bank: 'sha256', pcrs: [0] }] })
    const r = await verify(ak, q, { pcrs: { sm3_256: { 0: q.values.sha256!['0']! } } })
    expect(codes(r)).toEqual(expect.arrayContaining(['ERR_PCR_NOT_IN_SELECTION', 'ERR_PCR_MISSING']))
  })
  it('a tampered value inside the selection → ERR_PCR_DIGEST_MISMATCH', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE })
    const pcrs = { sha256: { ...q.values.sha256!, 7: '00'.repeat(32) } }
    const r = await verify(ak, q, { pcrs })
    expect(codes(r)).toEqual(['ERR_PCR_DIGEST_MISMATCH'])
  })
  it('pcrDigest is computed with the signature hash, not the bank hash (sha1 bank signed with SHA-256)', async () => {
    const ak = rsa()
    const sel = [{ bank: 'sha1', pcrs: [0, 1] }]
    const q = makeQuote(ak, { extraData: NONCE, selection: sel })
    const r = await verify(ak, q, { pcrs: q.values })
    expect(r.valid).toBe(true)
    const wrong = makeQuote(ak, { extraData: NONCE, selection: sel, pcrDigest: pcrDigestOf(sel, q.values, 'sha1') })
    expect(codes(await verify(ak, wrong, { pcrs: q.values }))).toEqual(['ERR_PCR_DIGEST_MISMATCH'])
  })
})

describe('Q-03 CVE-2024-29038: magic', () => {
  for (const magic of [0xff544346, 0x00000000]) {
    it(`magic 0x${magic.toString(16).padStart(8, '0')}, validly signed → ERR_QUOTE_MAGIC`, async () => {
      const ak = rsa()
      const q = makeQuote(ak, { extraData: NONCE, magic })
      const r = await verify(ak, q, { pcrs: q.values })
      expect(r.valid).toBe(false)
      expect(codes(r)).toContain('ERR_QUOTE_MAGIC')
      expect(r.quote).toBeUndefined()
      expect(r.pcrs).toEqual({})
    })
  }
})

describe('Q-04 GHSA-gwfg-w3jr-xh66: attestation type', () => {
  for (const [name, type] of Object.entries(ST).filter(([n]) => n !== 'QUOTE')) {
    it(`type ${name} (0x${type.toString(16)}) with a quote-shaped body → ERR_QUOTE_TYPE`, async () => {
      const ak = rsa()
      const q = makeQuote(ak, { extraData: NONCE, type })
      const r = await verify(ak, q, { pcrs: q.values })
      expect(r.valid).toBe(false)
      expect(codes(r)).toContain('ERR_QUOTE_TYPE')
    })
  }
  it('type QUOTE with a TPMS_CERTIFY_INFO body → parse error (union parsed by type, no trailing bytes)', async () => {
    const ak = rsa()
    const name = concat(Uint8Array.of(0, 0x0b), new Uint8Array(32).fill(7))
    const body = new W().tpm2b(name).tpm2b(name).out()
    const q = makeQuote(ak, { extraData: NONCE, attested: body })
    await expect(verify(ak, q)).rejects.toBeInstanceOf(BootproofError)
  })
})

describe('Q-05 nonce / replay', () => {
  it('(a) genuine quote against a new challenge → ERR_QUOTE_NONCE_MISMATCH', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE })
    const r = await verify(ak, q, { nonce: hash('sha256', Uint8Array.of(1)), pcrs: q.values })
    expect(codes(r)).toEqual(['ERR_QUOTE_NONCE_MISMATCH'])
    expect(r.pcrs).toEqual({})
  })
  it('(b) extraData = nonce + 1 byte → ERR_QUOTE_NONCE_MISMATCH', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: concat(NONCE, Uint8Array.of(0)) })
    expect(codes(await verify(ak, q))).toEqual(['ERR_QUOTE_NONCE_MISMATCH'])
  })
  it('(b) extraData = nonce truncated by 1 → ERR_QUOTE_NONCE_MISMATCH', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE.subarray(0, NONCE.length - 1) })
    expect(codes(await verify(ak, q))).toEqual(['ERR_QUOTE_NONCE_MISMATCH'])
  })
  it('(b) empty extraData with an empty expected nonce → ERR_QUOTE_NONCE_MISSING', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: new Uint8Array(0) })
    expect(codes(await verify(ak, q, { nonce: new Uint8Array(0) }))).toEqual(['ERR_QUOTE_NONCE_MISSING'])
  })
  it('no nonce expected at all → ERR_QUOTE_NONCE_MISSING; allowMissingNonce opts out', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: new Uint8Array(0) })
    expect(codes(await verify(ak, q, { nonce: null }))).toEqual(['ERR_QUOTE_NONCE_MISSING'])
    expect((await verify(ak, q, { nonce: null, options: { allowMissingNonce: true } })).valid).toBe(true)
  })
  it('(d) nonce lengths 1, 32, 48, 64 verify when equal; 64-byte nonce vs 65-byte extraData is rejected at parse (TPM2B_DATA max 66 holds) or mismatches', async () => {
    const ak = rsa()
    for (const n of [1, 32, 48, 64]) {
      const nonce = new Uint8Array(n).fill(0xa5)
      const q = makeQuote(ak, { extraData: nonce })
      expect((await verify(ak, q, { nonce })).valid).toBe(true)
    }
    const q = makeQuote(ak, { extraData: new Uint8Array(65).fill(0xa5) })
    expect(codes(await verify(ak, q, { nonce: new Uint8Array(64).fill(0xa5) }))).toEqual(['ERR_QUOTE_NONCE_MISMATCH'])
    const tooBig = makeQuote(ak, { extraData: new Uint8Array(67) })
    await expect(verify(ak, tooBig)).rejects.toMatchObject({ code: 'ERR_TPM_LIMIT' })
  })
})

describe('Q-06 CVE-2021-3406: AK binding and attributes', () => {
  const cases: [string, number][] = [
    ['(a) not restricted', AK_ATTRS & ~ATTR.restricted],
    ['(b) fixedTPM clear', AK_ATTRS & ~ATTR.fixedTPM],
    ['(b) fixedParent clear', AK_ATTRS & ~ATTR.fixedParent],
    ['(b) sensitiveDataOrigin clear', AK_ATTRS & ~ATTR.sensitiveDataOrigin],
    ['(c) decrypt set', AK_ATTRS | ATTR.decrypt],
    ['sign clear', AK_ATTRS & ~ATTR.sign],
  ]
  for (const [name, attributes] of cases) {
    it(`${name} → ERR_AK_ATTRIBUTES`, async () => {
      const ak = softwareAk('rsassa', { attributes })
      const q = makeQuote(ak, { extraData: NONCE })
      const r = await verify(ak, q, { pcrs: q.values })
      expect(codes(r)).toEqual(['ERR_AK_ATTRIBUTES'])
    })
  }
  it('(d) scheme NULL → ERR_AK_SCHEME', async () => {
    const ak = softwareAk('rsassa', { scheme: ALG.NULL })
    const q = makeQuote(ak, { extraData: NONCE })
    const r = await verify(ak, q)
    expect(codes(r)).toContain('ERR_AK_SCHEME')
    expect(r.valid).toBe(false)
  })
  it('(e) AK public area A with a separately supplied SPKI B → ERR_AK_UNBOUND', async () => {
    const a = softwareAk('rsassa')
    const b = softwareAk('ecdsa-p256')
    const q = makeQuote(a, { extraData: NONCE })
    const r = await verifyQuote({ attest: q.attest, signature: q.signature, ak: { public: a.tpmtPublic, spki: b.spkiDer }, nonce: NONCE })
    expect(codes(r)).toEqual(['ERR_AK_UNBOUND'])
  })
  it('bare SPKI without trustBareKey → ERR_AK_UNBOUND; with it the quote verifies', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE })
    const r = await verify({ akBytes: ak.spkiDer }, q)
    expect(codes(r)).toEqual(['ERR_AK_UNBOUND'])
    expect((await verify({ akBytes: ak.spkiDer }, q, { options: { trustBareKey: true } })).valid).toBe(true)
  })
  it('RSA-1024 AK → ERR_AK_KEY_SIZE', async () => {
    const ak = softwareAk('rsassa', { bits: 1024 })
    const q = makeQuote(ak, { extraData: NONCE })
    expect(codes(await verify(ak, q))).toEqual(['ERR_AK_KEY_SIZE'])
  })
  it('an unrestricted key signing a forged TPMS_ATTEST *with* the magic is still rejected', async () => {
    const ak = softwareAk('rsassa', { attributes: ATTR.sign | ATTR.userWithAuth })
    const q = makeQuote(ak, { extraData: NONCE })
    const r = await verify(ak, q)
    expect(r.valid).toBe(false)
    expect(codes(r)).toEqual(['ERR_AK_ATTRIBUTES'])
  })
})

describe('Q-07 CVE-2021-42299: banks and selection encoding', () => {
  it('(a) quote over sha1:{0-7}, supplied sha256 PCRs → ERR_PCR_NOT_IN_SELECTION', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE, selection: [{ bank: 'sha1', pcrs: [0, 1, 2, 3, 4, 5, 6, 7] }] })
    const r = await verify(ak, q, { pcrs: { ...q.values, ...pcrValuesFor([{ bank: 'sha256', pcrs: [0, 1, 2, 3, 4, 5, 6, 7] }]) } })
    expect(codes(r)).toEqual(['ERR_PCR_NOT_IN_SELECTION'])
  })
  it('(b) two banks in one quote: both authenticated; a fake sha256 bank is caught', async () => {
    const ak = rsa()
    const sel = [{ bank: 'sha1', pcrs: [0, 7] }, { bank: 'sha256', pcrs: [0, 7] }]
    const q = makeQuote(ak, { extraData: NONCE, selection: sel })
    const ok = await verify(ak, q, { pcrs: q.values })
    expect(ok.valid).toBe(true)
    expect(Object.keys(ok.pcrs)).toEqual(['sha1', 'sha256'])
    const fake = { ...q.values, sha256: pcrValuesFor([{ bank: 'sha256', pcrs: [0, 7] }], 'fake').sha256! }
    expect(codes(await verify(ak, q, { pcrs: fake }))).toEqual(['ERR_PCR_DIGEST_MISMATCH'])
  })
  it('bits above PCR 23 → ERR_QUOTE_SELECTION', async () => {
    const ak = rsa()
    const selBytes = buildPcrSelection([{ hash: ALG.SHA256, bitmap: [1, 0, 0, 0x80] }])
    const q = makeQuote(ak, { extraData: NONCE, selectionBytes: selBytes, selection: [{ bank: 'sha256', pcrs: [0, 31] }] })
    expect(codes(await verify(ak, q))).toEqual(['ERR_QUOTE_SELECTION'])
  })
  it('duplicate bank entries → ERR_QUOTE_SELECTION', async () => {
    const ak = rsa()
    const selBytes = buildPcrSelection([{ hash: ALG.SHA256, pcrs: [0] }, { hash: ALG.SHA256, pcrs: [1] }])
    const q = makeQuote(ak, { extraData: NONCE, selectionBytes: selBytes, pcrDigest: new Uint8Array(32) })
    expect(codes(await verify(ak, q))).toEqual(['ERR_QUOTE_SELECTION'])
  })
  it('sizeofSelect 0 selects nothing; sizeofSelect 4 without high bits is fine; sizeofSelect 5 is a parse limit', async () => {
    const ak = rsa()
    const zero = makeQuote(ak, { extraData: NONCE, selectionBytes: buildPcrSelection([{ hash: ALG.SHA256, bitmap: [] }]), selection: [{ bank: 'sha256', pcrs: [] }] })
    const rz = await verify(ak, zero)
    expect(rz.valid).toBe(true)
    expect(rz.quote!.selection[0]!.pcrs).toEqual([])
    const four = makeQuote(ak, { extraData: NONCE, selectionBytes: buildPcrSelection([{ hash: ALG.SHA256, bitmap: [1, 0, 0, 0] }]), selection: [{ bank: 'sha256', pcrs: [0] }] })
    expect((await verify(ak, four, { pcrs: four.values })).valid).toBe(true)
    const five = makeQuote(ak, { extraData: NONCE, selectionBytes: buildPcrSelection([{ hash: ALG.SHA256, bitmap: [1, 0, 0, 0, 0] }]), selection: [{ bank: 'sha256', pcrs: [0] }] })
    await expect(verify(ak, five)).rejects.toMatchObject({ code: 'ERR_TPM_LIMIT' })
  })
  it('multi-quote: one quote per bank, supplied PCRs must be covered by some quote', async () => {
    const ak = rsa()
    const q1 = makeQuote(ak, { extraData: NONCE, selection: [{ bank: 'sha1', pcrs: [0, 1] }] })
    const q2 = makeQuote(ak, { extraData: NONCE, selection: [{ bank: 'sha256', pcrs: [0, 1] }] })
    const pcrs = { ...q1.values, ...q2.values }
    const r = await verifyQuotes({ quotes: [q1, q2], ak: ak.tpmtPublic, nonce: NONCE, pcrs })
    expect(r.errors).toEqual([])
    expect(Object.keys(r.pcrs).sort()).toEqual(['sha1', 'sha256'])
    const extra = { ...pcrs, sha384: pcrValuesFor([{ bank: 'sha384', pcrs: [0] }]).sha384! }
    const bad = await verifyQuotes({ quotes: [q1, q2], ak: ak.tpmtPublic, nonce: NONCE, pcrs: extra })
    expect(bad.errors.map((e) => e.code)).toEqual(['ERR_PCR_NOT_IN_SELECTION'])
    expect((await verifyQuotes({ quotes: [], ak: ak.tpmtPublic, nonce: NONCE })).errors.map((e) => e.code)).toEqual(['ERR_QUOTES_EMPTY'])
  })
})

describe('Q-08 signature scheme bound to the AK', () => {
  it('{RSASSA, SHA1} signature with an RSASSA-SHA256 AK → ERR_QUOTE_SCHEME_MISMATCH', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE, sign: { signHash: 'sha1' } })
    expect(codes(await verify(ak, q, { options: { allowSha1: true } }))).toEqual(['ERR_QUOTE_SCHEME_MISMATCH'])
  })
  it('RSAPSS signature with an RSASSA AK → ERR_QUOTE_SCHEME_MISMATCH', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE, sign: { sigAlg: ALG.RSAPSS } })
    expect(codes(await verify(ak, q))).toEqual(['ERR_QUOTE_SCHEME_MISMATCH'])
  })
  it('ECDSA signature with an RSA AK → ERR_QUOTE_SCHEME_MISMATCH', async () => {
    const ak = rsa()
    const ec = softwareAk('ecdsa-p256')
    const attest = makeQuote(ak, { extraData: NONCE }).attest
    expect(codes(await verify(ak, { attest, signature: ec.sign(attest) }))).toEqual(['ERR_QUOTE_SCHEME_MISMATCH'])
  })
  it('sigAlg HMAC and NULL → ERR_QUOTE_SCHEME_MISMATCH', async () => {
    const ak = rsa()
    const attest = makeQuote(ak, { extraData: NONCE }).attest
    const hmacSig = new W().u16(ALG.HMAC).u16(ALG.SHA256).bytes(new Uint8Array(32)).out()
    const nullSig = new W().u16(ALG.NULL).out()
    expect(codes(await verify(ak, { attest, signature: hmacSig }))).toEqual(['ERR_QUOTE_SCHEME_MISMATCH'])
    expect(codes(await verify(ak, { attest, signature: nullSig }))).toEqual(['ERR_QUOTE_SCHEME_MISMATCH'])
  })
  it('hash field SHA256 but the signature is over SHA1(attest) → ERR_QUOTE_SIGNATURE', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE, sign: { signHash: 'sha1', hashAlgField: ALG.SHA256 } })
    expect(codes(await verify(ak, q))).toEqual(['ERR_QUOTE_SIGNATURE'])
  })
  it('SHA-1 AK scheme is refused by default → ERR_QUOTE_SHA1_REFUSED; allowSha1 accepts', async () => {
    const ak = softwareAk('rsassa', { schemeHash: 'sha1' })
    const q = makeQuote(ak, { extraData: NONCE })
    expect(codes(await verify(ak, q, { pcrs: q.values }))).toEqual(['ERR_QUOTE_SHA1_REFUSED'])
    expect((await verify(ak, q, { pcrs: q.values, options: { allowSha1: true } })).valid).toBe(true)
  })
  it('flipped attest byte (Keylime negative) → ERR_QUOTE_SIGNATURE', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE, clock: 0x1000n })
    const attest = q.attest.slice()
    attest[attest.length - 40]! ^= 1
    expect(codes(await verify(ak, { attest, signature: q.signature }))).toContain('ERR_QUOTE_SIGNATURE')
  })
})

describe('Q-09 RSA-PSS salt lengths', () => {
  const ak = () => softwareAk('rsapss')
  it('salt = hLen (32) verifies', async () => {
    const r = await verify(ak(), makeQuote(ak(), { extraData: NONCE, sign: { saltLength: 32 } }))
    expect(r.valid).toBe(true)
  })
  it('salt = emLen − hLen − 2 (222) verifies', async () => {
    const r = await verify(ak(), makeQuote(ak(), { extraData: NONCE, sign: { saltLength: 222 } }))
    expect(r.valid).toBe(true)
    expect(r.checks.find((c) => c.id === 'signature.verify')!.message).toContain('salt 222')
  })
  for (const salt of [0, 20, 64]) {
    it(`salt = ${salt} → ERR_QUOTE_SIGNATURE`, async () => {
      expect(codes(await verify(ak(), makeQuote(ak(), { extraData: NONCE, sign: { saltLength: salt } })))).toEqual(['ERR_QUOTE_SIGNATURE'])
    })
  }
  it('MGF1/message hash SHA-384 while the AK says SHA-256 → ERR_QUOTE_SCHEME_MISMATCH (hash field) / ERR_QUOTE_SIGNATURE (signed with other hash)', async () => {
    const a = ak()
    expect(codes(await verify(a, makeQuote(a, { extraData: NONCE, sign: { signHash: 'sha384', saltLength: 32 } })))).toEqual(['ERR_QUOTE_SCHEME_MISMATCH'])
    expect(codes(await verify(a, makeQuote(a, { extraData: NONCE, sign: { signHash: 'sha384', hashAlgField: ALG.SHA256, saltLength: 32 } })))).toEqual(['ERR_QUOTE_SIGNATURE'])
  })
})

describe('Q-10 ECDSA ranges and key errors (CVE-2022-21449)', () => {
  const N256 = unhex('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')
  const ak = () => softwareAk('ecdsa-p256')
  const range = async (r?: Uint8Array, s?: Uint8Array) => codes(await verify(ak(), makeQuote(ak(), { extraData: NONCE, sign: { ...(r ? { r } : {}), ...(s ? { s } : {}) } })))
  it('r and s of size 0 → ERR_QUOTE_ECDSA_RANGE', async () => {
    expect(await range(new Uint8Array(0), new Uint8Array(0))).toEqual(['ERR_QUOTE_ECDSA_RANGE'])
  })
  it('r = s = 32 zero bytes → ERR_QUOTE_ECDSA_RANGE', async () => {
    expect(await range(new Uint8Array(32), new Uint8Array(32))).toEqual(['ERR_QUOTE_ECDSA_RANGE'])
  })
  it('r = n → ERR_QUOTE_ECDSA_RANGE; s = n → ERR_QUOTE_ECDSA_RANGE', async () => {
    expect(await range(N256)).toEqual(['ERR_QUOTE_ECDSA_RANGE'])
    expect(await range(undefined, N256)).toEqual(['ERR_QUOTE_ECDSA_RANGE'])
  })
  it('r > n → ERR_QUOTE_ECDSA_RANGE', async () => {
    expect(await range(new Uint8Array(32).fill(0xff))).toEqual(['ERR_QUOTE_ECDSA_RANGE'])
  })
  it('33-byte r with a 0x00 pad still verifies; 33-byte r without pad → ERR_QUOTE_ECDSA_RANGE', async () => {
    const a = ak()
    const q = makeQuote(a, { extraData: NONCE })
    // Re-encode the genuine signature's r with a leading zero.
    const sig = q.signature
    const rLen = (sig[4]! << 8) | sig[5]!
    const r = sig.subarray(6, 6 + rLen)
    const s = sig.subarray(8 + rLen)
    const padded = new W().u16(ALG.ECDSA).u16(ALG.SHA256).tpm2b(concat(Uint8Array.of(0), r)).tpm2b(s).out()
    expect((await verify(a, { attest: q.attest, signature: padded })).valid).toBe(true)
    expect(await range(concat(Uint8Array.of(1), new Uint8Array(32).fill(1)))).toEqual(['ERR_QUOTE_ECDSA_RANGE'])
  })
  it('high-S twin (r, n − s) is a valid ECDSA signature and is accepted', async () => {
    const a = ak()
    const q = makeQuote(a, { extraData: NONCE })
    const sig = q.signature
    const rLen = (sig[4]! << 8) | sig[5]!
    const r = sig.subarray(6, 6 + rLen)
    const s = BigInt('0x' + hex(sig.subarray(8 + rLen)))
    const n = BigInt('0x' + hex(N256))
    const twin = unhex((n - s).toString(16).padStart(64, '0'))
    const tw = new W().u16(ALG.ECDSA).u16(ALG.SHA256).tpm2b(r).tpm2b(twin).out()
    expect((await verify(a, { attest: q.attest, signature: tw })).valid).toBe(true)
  })
  it('TPM2B r size larger than the buffer → parse error ERR_TPM_TRUNCATED', async () => {
    const a = ak()
    const q = makeQuote(a, { extraData: NONCE })
    const sig = q.signature.slice()
    sig[5] = 70 // r size 70 ≤ TPM2B_ECC_PARAMETER max (80) but beyond the 66 bytes left
    await expect(verify(a, { attest: q.attest, signature: sig })).rejects.toMatchObject({ code: 'ERR_TPM_TRUNCATED' })
  })
  it('curve BN_P256 (0x0010) and 0x0099 → ERR_AK_CURVE', async () => {
    const a = ak()
    const q = makeQuote(a, { extraData: NONCE })
    for (const curveId of [0x0010, 0x0099]) {
      const pub = buildEccPublic(new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), { curveId })
      const r = await verify({ akBytes: pub }, q)
      expect(r.valid).toBe(false)
      expect(codes(r)).toContain('ERR_AK_CURVE')
    }
  })
  it('point not on the curve → ERR_AK_KEY_INVALID (fail closed, go-attestation 5e9eb5d)', async () => {
    const a = ak()
    const q = makeQuote(a, { extraData: NONCE })
    const pub = buildEccPublic(new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), { curveId: 3 })
    const r = await verify({ akBytes: pub }, q)
    expect(r.valid).toBe(false)
    expect(codes(r)).toEqual(['ERR_AK_KEY_INVALID'])
  })
  it('P-384 AK with ECDSA/SHA-384 verifies; range checks use the P-384 order', async () => {
    const a = softwareAk('ecdsa-p384')
    expect((await verify(a, makeQuote(a, { extraData: NONCE }))).valid).toBe(true)
    const n384 = unhex('ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973')
    expect(codes(await verify(a, makeQuote(a, { extraData: NONCE, sign: { s: n384 } })))).toEqual(['ERR_QUOTE_ECDSA_RANGE'])
  })
})

describe('Q-11 structural robustness', () => {
  it('trailing bytes after attested → ERR_TPM_TRAILING_BYTES', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE, trailing: Uint8Array.of(0) })
    await expect(verify(ak, q)).rejects.toMatchObject({ code: 'ERR_TPM_TRAILING_BYTES' })
  })
  it('TPM2B_NAME / TPM2B_DATA / TPM2B_DIGEST sizes beyond the input → ERR_TPM_TRUNCATED or ERR_TPM_LIMIT', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE })
    // qualifiedSigner declared at its maximum (66) inside a 20-byte buffer
    const b = q.attest.slice(0, 20)
    b[6] = 0x00; b[7] = 0x42
    await expect(verify(ak, { attest: b, signature: q.signature })).rejects.toMatchObject({ code: 'ERR_TPM_TRUNCATED' })
    const c = q.attest.slice()
    c[6] = 0xff; c[7] = 0xff
    await expect(verify(ak, { attest: c, signature: q.signature })).rejects.toMatchObject({ code: 'ERR_TPM_LIMIT' })
  })
  it('a TPM2B_ATTEST wrapper (size prefix) is not a TPMS_ATTEST → ERR_QUOTE_MAGIC', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE })
    const wrapped = new W().tpm2b(q.attest).out()
    const r = await verify(ak, { attest: wrapped, signature: ak.sign(wrapped) })
    expect(codes(r)).toContain('ERR_QUOTE_MAGIC')
  })
  it('quote of 64 KiB or more → ERR_TPM_LIMIT', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE, trailing: new Uint8Array(70000) })
    await expect(verify(ak, q)).rejects.toMatchObject({ code: 'ERR_TPM_LIMIT' })
  })
  it('clockInfo.safe = 0 → ERR_QUOTE_CLOCK_UNSAFE; any non-zero byte is YES', async () => {
    const ak = rsa()
    expect(codes(await verify(ak, makeQuote(ak, { extraData: NONCE, safe: 0 })))).toEqual(['ERR_QUOTE_CLOCK_UNSAFE'])
    expect((await verify(ak, makeQuote(ak, { extraData: NONCE, safe: 0 }), { options: { allowUnsafeClock: true } })).valid).toBe(true)
    expect((await verify(ak, makeQuote(ak, { extraData: NONCE, safe: 2 }))).quote!.safe).toBe(true)
  })
  it('qualifiedSigner compared when expected → ERR_QUOTE_QUALIFIED_SIGNER', async () => {
    const ak = rsa()
    const qs = concat(Uint8Array.of(0, 0x0b), new Uint8Array(32).fill(0x22))
    const q = makeQuote(ak, { extraData: NONCE, qualifiedSigner: qs })
    expect((await verify(ak, q, { options: { expectedQualifiedSigner: qs } })).valid).toBe(true)
    expect(codes(await verify(ak, q, { options: { expectedQualifiedSigner: new Uint8Array(34) } }))).toEqual(['ERR_QUOTE_QUALIFIED_SIGNER'])
  })
  it('clock and firmwareVersion are full 64-bit BigInts', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE, clock: 0xfedcba9876543210n, firmwareVersion: 0x8000000000000001n })
    const r = await verify(ak, q)
    expect(r.quote!.clock).toBe(0xfedcba9876543210n)
    expect(r.quote!.firmwareVersion).toBe(0x8000000000000001n)
  })
})

describe('Q-12 reset / restart / clock across quotes', () => {
  const prev = { clock: 1000n, resetCount: 5, restartCount: 1 }
  const run = async (o: { clock?: bigint; resetCount?: number; restartCount?: number }) => {
    const ak = rsa()
    return codes(await verify(ak, makeQuote(ak, { extraData: NONCE, ...o }), { options: { previous: prev } }))
  }
  it('(a) resetCount + 1 → ERR_QUOTE_RESET', async () => {
    expect(await run({ clock: 5n, resetCount: 6, restartCount: 0 })).toEqual(['ERR_QUOTE_RESET'])
  })
  it('(b) restartCount decreases → ERR_QUOTE_CLOCK_ROLLBACK', async () => {
    expect(await run({ clock: 2000n, resetCount: 5, restartCount: 0 })).toEqual(['ERR_QUOTE_CLOCK_ROLLBACK'])
  })
  it('(b) resetCount decreases → ERR_QUOTE_CLOCK_ROLLBACK', async () => {
    expect(await run({ clock: 2000n, resetCount: 4, restartCount: 1 })).toEqual(['ERR_QUOTE_CLOCK_ROLLBACK'])
  })
  it('(c) clock decreases with equal counters → ERR_QUOTE_CLOCK_ROLLBACK', async () => {
    expect(await run({ clock: 999n, resetCount: 5, restartCount: 1 })).toEqual(['ERR_QUOTE_CLOCK_ROLLBACK'])
  })
  it('clock advanced in the same boot → valid', async () => {
    expect(await run({ clock: 1001n, resetCount: 5, restartCount: 1 })).toEqual([])
  })
  it('(d) safe = 0 → ERR_QUOTE_CLOCK_UNSAFE', async () => {
    const ak = rsa()
    expect(codes(await verify(ak, makeQuote(ak, { extraData: NONCE, safe: 0 })))).toEqual(['ERR_QUOTE_CLOCK_UNSAFE'])
  })
  it('multi-quote across a reboot → ERR_QUOTES_INCONSISTENT', async () => {
    const ak = rsa()
    const q1 = makeQuote(ak, { extraData: NONCE, resetCount: 5 })
    const q2 = makeQuote(ak, { extraData: NONCE, resetCount: 6 })
    const r = await verifyQuotes({ quotes: [q1, q2], ak: ak.tpmtPublic, nonce: NONCE })
    expect(r.errors.map((e) => e.code)).toEqual(['ERR_QUOTES_INCONSISTENT'])
  })
})

describe('AK formats', () => {
  it('TPM2B_PUBLIC and TPMT_PUBLIC are both accepted and yield the same Name', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE })
    const a = await verify({ akBytes: ak.tpmtPublic }, q)
    const b = await verify({ akBytes: tpm2bPublic(ak.tpmtPublic) }, q)
    expect(a.valid && b.valid).toBe(true)
    expect(a.ak.name).toBe(b.ak.name)
    expect(a.ak.name).toBe('000b' + hex(hash('sha256', ak.tpmtPublic)))
  })
  it('keyedhash object as AK → ERR_AK_SCHEME', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE })
    const kh = new W().u16(0x0008).u16(ALG.SHA256).u32(AK_ATTRS).tpm2b([]).u16(ALG.HMAC).u16(ALG.SHA256).tpm2b(new Uint8Array(32)).out()
    const r = await verify({ akBytes: kh }, q)
    expect(codes(r)).toContain('ERR_AK_SCHEME')
  })
  it('RSA keyBits field inconsistent with the modulus → ERR_AK_KEY_SIZE', async () => {
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE })
    const jwk = ak.publicKey.export({ format: 'jwk' })
    const pub = buildRsaPublic(new Uint8Array(Buffer.from(jwk.n!, 'base64url')), { keyBits: 4096 })
    expect(codes(await verify({ akBytes: pub }, q))).toEqual(['ERR_AK_KEY_SIZE'])
  })
  it('keeps working with a parsed signature object', async () => {
    const { parseTpmtSignature } = await import('../../src/tpm/signature.js')
    const ak = rsa()
    const q = makeQuote(ak, { extraData: NONCE })
    expect((await verifyQuote({ attest: q.attest, signature: parseTpmtSignature(q.signature), ak: ak.tpmtPublic, nonce: NONCE })).valid).toBe(true)
  })
  it('quoteInfo builder sanity', () => {
    expect(quoteInfo(buildPcrSelection([{ hash: ALG.SHA256, pcrs: [0] }]), new Uint8Array(32)).length).toBe(4 + 2 + 1 + 3 + 2 + 32)
    expect(buildAttest({ attested: new Uint8Array(0) }).length).toBeGreaterThan(6)
  })
})
