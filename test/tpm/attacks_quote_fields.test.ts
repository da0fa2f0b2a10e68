/**
 * Quote attacks on the TPMS_ATTEST fields (Q-03 magic, Q-04 type, Q-05 nonce, Q-11 structure,
 * Q-12 reset / restart / clock). One named case per attack variant, each asserting the specific
 * failing check code. Quotes are built and signed by the suite's software AKs.
 */
import { describe, it, expect } from 'vitest'
import { verifyQuotes } from '../../src/tpm/verify_quotes.js'
import { BootproofError } from '../../src/errors.js'
import { ST, NONCE, W, concat, hash, makeQuote } from '../fixtures/tpm/builders.js'
import { codes, rsa, verify } from './quote_attack_helpers.js'

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
