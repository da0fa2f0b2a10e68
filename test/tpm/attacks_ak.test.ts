/**
 * Quote attacks on the AK (Q-06 binding and attributes) and the AK formats accepted. One named
 * case per attack variant, each asserting the specific failing check code. Quotes are built and
 * signed by the suite's software AKs.
 */
import { describe, it, expect } from 'vitest'
import { verifyQuote } from '../../src/tpm/verify_quote.js'
import {
  ALG, AK_ATTRS, ATTR, NONCE, W, buildAttest, buildPcrSelection, buildRsaPublic, hash, hex, makeQuote, quoteInfo, softwareAk, tpm2bPublic,
} from '../fixtures/tpm/builders.js'
import { codes, rsa, verify } from './quote_attack_helpers.js'

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
