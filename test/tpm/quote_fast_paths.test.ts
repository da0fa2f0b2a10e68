/**
 * The quote path's per-call shortcuts must not change any outcome: the AK evaluation cache
 * (exact bytes, private copies, results never shared), the one-pass PCR value reader (same
 * values and errors as readQuotePcrValues, hex text reused only when canonical; a PCR values
 * object passed again is read again as soon as any key or value differs), and the byte-wise
 * ECDSA range check (same answers as the big-integer comparison, CVE-2022-21449 / Q-10).
 */
import { describe, expect, it } from 'vitest'
import { verifyQuote } from '../../src/tpm/verify_quote.js'
import { readQuotePcrs } from '../../src/tpm/quote_pcr_values.js'
import { readQuotePcrValues } from '../../src/pcr_values.js'
import { ecdsaToP1363 } from '../../src/tpm/verify_signature.js'
import { CURVE_PARAMS } from '../../src/tpm/constants.js'
import { defaultHashProvider, type HashProvider } from '../../src/hash/provider.js'
import { AK_ATTRS, ATTR, NONCE, makeQuote, pcrValuesFor, softwareAk, tpm2bPublic, unhex } from '../fixtures/tpm/builders.js'

function bytesOf(v: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len)
  for (let i = len - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn)
  return out
}

describe('AK evaluation cache', () => {
  it('a caller mutating its AK buffer after a call gets the new key evaluated, not the cached one', async () => {
    const ak = softwareAk('rsassa')
    const q = makeQuote(ak, { extraData: NONCE })
    const pub = tpm2bPublic(ak.tpmtPublic)
    const first = await verifyQuote({ attest: q.attest, signature: q.signature, ak: pub, nonce: NONCE, pcrs: q.values })
    expect(first.valid).toBe(true)
    // Clear `restricted` in the caller's buffer (objectAttributes, after TPM2B size, type, nameAlg).
    const attrs = new DataView(pub.buffer, pub.byteOffset + 6, 4)
    attrs.setUint32(0, AK_ATTRS & ~ATTR.restricted)
    const second = await verifyQuote({ attest: q.attest, signature: q.signature, ak: pub, nonce: NONCE, pcrs: q.values })
    expect(second.valid).toBe(false)
    expect(second.errors.map((e) => e.code)).toContain('ERR_AK_ATTRIBUTES')
    attrs.setUint32(0, AK_ATTRS)
    const third = await verifyQuote({ attest: q.attest, signature: q.signature, ak: { public: pub }, nonce: NONCE, pcrs: q.values })
    expect(third.valid).toBe(true)
  })

  it('an AK array passed on several calls, then changed in place, is evaluated again', async () => {
    const ak = softwareAk('ecdsa-p256')
    const q = makeQuote(ak, { extraData: NONCE })
    const pub = tpm2bPublic(ak.tpmtPublic)
    const input = { attest: q.attest, signature: q.signature, ak: pub, nonce: NONCE, pcrs: q.values }
    for (let i = 0; i < 3; i++) expect((await verifyQuote(input)).valid).toBe(true)
    const attrs = new DataView(pub.buffer, pub.byteOffset + 6, 4)
    attrs.setUint32(0, AK_ATTRS & ~ATTR.restricted)
    expect((await verifyQuote(input)).errors.map((e) => e.code)).toContain('ERR_AK_ATTRIBUTES')
    attrs.setUint32(0, AK_ATTRS)
    expect((await verifyQuote(input)).valid).toBe(true)
    const strict = await verifyQuote({ ...input, options: { allowedCurves: ['P-384'] } })
    expect(strict.errors.map((e) => e.code)).toEqual(['ERR_AK_CURVE'])
  })

  it('results of a cached AK are separate objects: mutating one result does not reach the next', async () => {
    const ak = softwareAk('ecdsa-p256')
    const q = makeQuote(ak, { extraData: NONCE })
    const input = { attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs: q.values }
    const a = await verifyQuote(input)
    const akCheck = a.checks.find((c) => c.id === 'ak.attributes')!
    akCheck.ok = false
    akCheck.message = 'changed'
    a.ak.name = 'changed'
    const b = await verifyQuote(input)
    expect(b.valid).toBe(true)
    expect(b.checks.find((c) => c.id === 'ak.attributes')).toMatchObject({ ok: true })
    expect(b.ak.name).not.toBe('changed')
    expect(b.ak.name).toMatch(/^000b[0-9a-f]{64}$/)
  })

  it('options the evaluation reads are part of the key (minRsaBits after a default call)', async () => {
    const ak = softwareAk('rsassa')
    const q = makeQuote(ak, { extraData: NONCE })
    const input = { attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs: q.values }
    expect((await verifyQuote(input)).valid).toBe(true)
    const strict = await verifyQuote({ ...input, options: { minRsaBits: 3072 } })
    expect(strict.errors.map((e) => e.code)).toEqual(['ERR_AK_KEY_SIZE'])
    expect((await verifyQuote(input)).valid).toBe(true)
  })
})

describe('quote PCR value reader', () => {
  const ok: unknown[] = [
    { sha256: { 0: 'AB'.repeat(32), 7: '0x' + 'cd'.repeat(32), 10: new Uint8Array(32) } },
    { SHA1: { '23': 'ef'.repeat(20) }, sha256: {} },
    { sha384: { 0: '' } },
  ]
  const bad: unknown[] = [
    [],
    { md5: { 0: '00' } },
    { sha256: { 0: '00' }, SHA256: { 1: '00' } },
    { sha256: [] },
    { sha256: null },
    { sha256: { '07': '00' } },
    { sha256: { '1000': '00' } },
    { sha256: { '-1': '00' } },
    { sha256: { 0: 'abc' } },
    { sha256: { 0: 'zz' } },
    { sha256: { 0: 'é0' } },
    { sha256: { 0: 5 } },
  ]
  it('reads the same values as readQuotePcrValues', () => {
    for (const input of ok) {
      const want = readQuotePcrValues(input as never)
      const got = readQuotePcrs(input as never).values
      expect(got).toEqual(want)
    }
  })
  it('throws the same errors as readQuotePcrValues', () => {
    for (const input of [...bad, null, 'sha256']) {
      let want: unknown
      let got: unknown
      try {
        readQuotePcrValues(input as never)
      } catch (e) {
        want = e
      }
      try {
        readQuotePcrs(input as never)
      } catch (e) {
        got = e
      }
      expect(want).toBeDefined()
      expect(got).toBeInstanceOf((want as Error).constructor)
      expect((got as Error).message).toBe((want as Error).message)
      expect((got as { code?: string }).code).toBe((want as { code?: string }).code)
    }
  })
  it('keeps the text of canonical lowercase hex only', () => {
    const lower = 'ab'.repeat(32)
    const r = readQuotePcrs({ sha256: { 0: lower, 1: 'AB'.repeat(32), 2: '0x' + lower } })
    const t = r.text.get('sha256')!
    expect(t.get(0)).toBe(lower)
    expect(t.has(1)).toBe(false)
    expect(t.has(2)).toBe(false)
    expect(r.values.get('sha256')!.get(0)).toEqual(new Uint8Array(32).fill(0xab))
  })
  it('verifyQuote reports authenticated PCRs as lowercase hex whatever the input spelling', async () => {
    const ak = softwareAk('rsassa')
    const q = makeQuote(ak, { extraData: NONCE })
    const upper = Object.fromEntries(Object.entries(q.values.sha256!).map(([k, v]) => [k, v.toUpperCase()]))
    const r = await verifyQuote({ attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs: { SHA256: upper } })
    expect(r.valid).toBe(true)
    expect(r.pcrs.sha256).toEqual(Object.fromEntries(Object.entries(q.values.sha256!).map(([k, v]) => [k, v.toLowerCase()])))
  })
})

describe('one PCR values object passed again (its read kept from the second call on)', () => {
  const ak = softwareAk('rsassa')
  const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code)

  it('a value changed after a call is read again (and changed back, verifies again)', async () => {
    const q = makeQuote(ak, { extraData: NONCE })
    const pcrs = structuredClone(q.values)
    const input = { attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs }
    for (let i = 0; i < 2; i++) expect((await verifyQuote(input)).valid).toBe(true)
    const saved = pcrs.sha256!['3']!
    pcrs.sha256!['3'] = 'ee'.repeat(32)
    expect(codes(await verifyQuote(input))).toEqual(['ERR_PCR_DIGEST_MISMATCH'])
    pcrs.sha256!['3'] = saved
    for (let i = 0; i < 2; i++) expect((await verifyQuote(input)).valid).toBe(true)
  })

  it('a value added outside the selection, or one removed, is seen', async () => {
    const q = makeQuote(ak, { extraData: NONCE })
    const pcrs = structuredClone(q.values)
    const input = { attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs }
    for (let i = 0; i < 2; i++) expect((await verifyQuote(input)).valid).toBe(true)
    pcrs.sha256!['9'] = '00'.repeat(32)
    expect(codes(await verifyQuote(input))).toEqual(['ERR_PCR_NOT_IN_SELECTION'])
    delete pcrs.sha256!['9']
    delete pcrs.sha256!['0']
    expect(codes(await verifyQuote(input))).toEqual(['ERR_PCR_MISSING'])
  })

  it('a byte value changed in place after a call is compared with its new bytes', async () => {
    const q = makeQuote(ak, { extraData: NONCE })
    const pcrs = { sha256: Object.fromEntries(Object.entries(q.values.sha256!).map(([k, v]) => [k, unhex(v)])) }
    const input = { attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs }
    for (let i = 0; i < 2; i++) expect((await verifyQuote(input)).valid).toBe(true)
    pcrs.sha256['5']![0]! ^= 1
    expect(codes(await verifyQuote(input))).toEqual(['ERR_PCR_DIGEST_MISMATCH'])
  })

  it('each quote is compared with the values: a quote over other values fails with the same object', async () => {
    const q = makeQuote(ak, { extraData: NONCE })
    const other = makeQuote(ak, { extraData: NONCE, values: pcrValuesFor([{ bank: 'sha256', pcrs: [0, 1, 2, 3, 4, 5, 6, 7] }], 'other') })
    const pcrs = structuredClone(q.values)
    for (let i = 0; i < 2; i++) expect((await verifyQuote({ attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs })).valid).toBe(true)
    const r = await verifyQuote({ attest: other.attest, signature: other.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs })
    expect(codes(r)).toEqual(['ERR_PCR_DIGEST_MISMATCH'])
  })

  it('a quote with a smaller selection sees the values it does not select, and is described by its own selection', async () => {
    const q = makeQuote(ak, { extraData: NONCE })
    const small = makeQuote(ak, { extraData: NONCE, selection: [{ bank: 'sha256', pcrs: [0, 1, 2, 3] }] })
    const pcrs = structuredClone(q.values)
    for (let i = 0; i < 2; i++) expect((await verifyQuote({ attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs })).valid).toBe(true)
    const r = await verifyQuote({ attest: small.attest, signature: small.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs })
    expect(codes(r)).toEqual(['ERR_PCR_NOT_IN_SELECTION'])
    expect(r.checks.find((c) => c.id === 'quote.selection')!.message).toBe('selection sha256:0,1,2,3')
  })

  it('the digest is recomputed under another hash provider', async () => {
    const q = makeQuote(ak, { extraData: NONCE })
    const pcrs = structuredClone(q.values)
    const input = { attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs }
    for (let i = 0; i < 2; i++) expect((await verifyQuote(input)).valid).toBe(true)
    const base = defaultHashProvider()
    const wrong: HashProvider = {
      name: 'wrong',
      digest: (alg, data) => {
        const d = base.digest(alg, data).slice()
        d[0]! ^= 1
        return d
      },
      digest2: (alg, a, b) => base.digest2(alg, a, b),
    }
    const r = await verifyQuote({ ...input, options: { hashProvider: wrong } })
    expect(codes(r)).toContain('ERR_PCR_DIGEST_MISMATCH')
  })

  it('authenticated PCRs are new objects on every call', async () => {
    const q = makeQuote(ak, { extraData: NONCE })
    const pcrs = structuredClone(q.values)
    const input = { attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs }
    await verifyQuote(input)
    const a = await verifyQuote(input)
    a.pcrs.sha256!['0'] = 'changed'
    delete a.pcrs.sha256!['1']
    const b = await verifyQuote(input)
    expect(b.valid).toBe(true)
    expect(b.pcrs).toEqual(q.values)
    expect(Object.keys(b.pcrs.sha256!)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7'])
  })
})

describe('ECDSA r/s range check', () => {
  for (const crv of ['P-256', 'P-384', 'P-521'] as const) {
    it(`${crv}: 0, 1, n-1, n, n+1, 2^(8·size)-1 and over-long encodings`, () => {
      const { size, n } = CURVE_PARAMS[crv]
      const one = Uint8Array.of(1)
      const cases: [Uint8Array, boolean][] = [
        [Uint8Array.of(0), false],
        [new Uint8Array(size), false],
        [one, true],
        [bytesOf(n - 1n, size), true],
        [bytesOf(n - 1n, size + 3), true],
        [bytesOf(n, size), false],
        [bytesOf(n + 1n, size), false],
        [bytesOf((1n << BigInt(8 * size)) - 1n, size), false],
        [bytesOf(1n, size + 1), true],
        [Uint8Array.of(1, ...new Uint8Array(size)), false],
        [new Uint8Array(0), false],
      ]
      for (const [v, want] of cases) {
        expect(ecdsaToP1363(v, one, crv).ok).toBe(want)
        expect(ecdsaToP1363(one, v, crv).ok).toBe(want)
      }
    })
  }
})
