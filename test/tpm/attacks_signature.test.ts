/**
 * Quote signature attacks (Q-08 scheme bound to the AK, Q-09 RSA-PSS salt lengths, Q-10 ECDSA
 * ranges and key errors), after the baseline that genuine quotes of every AK kind verify. One
 * named case per attack variant, each asserting the specific failing check code.
 */
import { describe, it, expect } from 'vitest'
import { ALG, NONCE, W, buildEccPublic, concat, hex, makeQuote, softwareAk, unhex } from '../fixtures/tpm/builders.js'
import { codes, rsa, verify } from './quote_attack_helpers.js'

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
