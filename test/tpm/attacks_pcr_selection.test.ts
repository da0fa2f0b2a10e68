/**
 * Quote attacks on the PCR selection: PCR values outside the signed selection,
 * relabelled values and banks, selection encoding. One named case per attack variant, each asserting
 * the specific failing check code. Quotes are built and signed by the suite's software AKs.
 */
import { describe, it, expect } from 'vitest'
import { verifyQuotes } from '../../src/tpm/verify_quotes.js'
import { ALG, NONCE, buildPcrSelection, hash, makeQuote, pcrDigestOf, pcrValuesFor, unhex } from '../fixtures/tpm/builders.js'
import { codes, rsa, verify } from './quote_attack_helpers.js'

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
