/**
 * The quote path's per-call shortcuts keep every outcome of the plain reading: PCR values checked
 * per bank and decoded once into a buffer shared by all verifications (errors still in key
 * order, unselected values still checked, interleaved verifications never see each other's
 * bytes), the AK cache confirming a hit byte for byte, the selection parsed without building
 * field names, and selections described and judged as before.
 */
import { describe, expect, it } from 'vitest'
import { verifyQuote } from '../../src/tpm/verify_quote.js'
import { checkPcrs, readQuotePcrs } from '../../src/tpm/quote_pcr_values.js'
import { defaultHashProvider } from '../../src/hash/provider.js'
import { readQuotePcrValues } from '../../src/pcr_values.js'
import { parsePcrSelectionList, selectionProblems } from '../../src/tpm/pcr_selection.js'
import { ATTR, NONCE, buildPcrSelection, makeQuote, pcrValuesFor, softwareAk, tpm2bPublic, unhex } from '../fixtures/tpm/builders.js'

const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code)
const lower = (n: number, seed: number) => Array.from({ length: n }, (_, i) => ((seed * 31 + i * 7) & 255).toString(16).padStart(2, '0')).join('')

function outcome(f: () => unknown): unknown {
  try {
    return { ok: f() }
  } catch (e) {
    return { name: (e as Error).constructor.name, code: (e as { code?: string }).code, message: (e as Error).message }
  }
}

describe('PCR value reader with several values per bank', () => {
  const good = lower(32, 1)
  const cases: Record<string, unknown> = {
    'all canonical': { sha256: { 0: good, 1: lower(32, 2), 2: lower(32, 3) } },
    'uppercase and 0x among canonical': { sha1: { 0: lower(20, 4), 1: lower(20, 5).toUpperCase(), 2: '0x' + lower(20, 6) } },
    'bytes among hex': { sha256: { 0: good, 1: unhex(lower(32, 7)), 2: lower(32, 8) } },
    'odd length after valid values': { sha256: { 0: good, 1: good, 2: good.slice(1) } },
    'non-hex before a bad index': { sha256: { 0: good, 1: 'zz' + good.slice(2), '07': good } },
    'bad index before a bad value': { sha256: { 0: good, '07': 'zz' } },
    'a number value': { sha256: { 0: good, 1: 5 } },
    'non-ASCII digit': { sha256: { 0: good, 1: good.slice(2) + 'é0' } },
    'empty and bare 0x values': { sha384: { 0: '', 1: '0x' } },
    'second bank invalid': { sha1: { 0: lower(20, 9) }, SHA256: { 3: good, 4: 'g' + good.slice(1) } },
    'wrong sizes read as given': { sha256: { 0: good.slice(2), 1: good + 'ab' } },
  }
  for (const [name, input] of Object.entries(cases)) {
    it(`${name}: the values or the error of readQuotePcrValues`, () => {
      const want = outcome(() => readQuotePcrValues(input as never))
      const got = outcome(() => readQuotePcrs(input as never).values)
      expect(got).toEqual(want)
    })
  }

  it('an invalid value of a PCR the quote does not select is still an input error', async () => {
    const ak = softwareAk('rsassa')
    const q = makeQuote(ak, { extraData: NONCE })
    const pcrs = { sha256: { ...q.values.sha256!, 9: 'not hex' } }
    await expect(verifyQuote({ attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs })).rejects.toMatchObject({ code: 'ERR_PCRS_INVALID' })
  })

  it('mixed spellings in one bank verify and are reported as lowercase hex', async () => {
    const ak = softwareAk('rsassa')
    const sel = [{ bank: 'sha1', pcrs: [0, 1, 2, 3] }, { bank: 'sha256', pcrs: [0, 1, 2, 3] }]
    const q = makeQuote(ak, { extraData: NONCE, selection: sel })
    const s1 = q.values.sha1!
    const s256 = q.values.sha256!
    const pcrs = { sha1: { 0: s1['0']!.toUpperCase(), 1: '0x' + s1['1'], 2: unhex(s1['2']!), 3: s1['3']! }, SHA256: s256 }
    const r = await verifyQuote({ attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs })
    expect(r.valid).toBe(true)
    expect(r.pcrs).toEqual(q.values)
  })

  it('banks given in another order than the selection, and sparse selections, verify', async () => {
    const ak = softwareAk('ecdsa-p256')
    const sel = [{ bank: 'sha1', pcrs: [0, 2, 7] }, { bank: 'sha256', pcrs: [1, 4] }]
    const q = makeQuote(ak, { extraData: NONCE, selection: sel })
    const pcrs = { sha256: q.values.sha256!, sha1: q.values.sha1! }
    const r = await verifyQuote({ attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs })
    expect(r.valid).toBe(true)
    expect(r.pcrs).toEqual(q.values)
    expect(r.checks.find((c) => c.id === 'quote.selection')!.message).toBe('selection sha1:0,2,7+sha256:1,4')
    const changed = { ...pcrs, sha1: { ...pcrs.sha1, 7: lower(20, 11) } }
    expect(codes(await verifyQuote({ attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs: changed }))).toEqual(['ERR_PCR_DIGEST_MISMATCH'])
  })
})

describe('verifications that interleave', () => {
  const ak = softwareAk('rsassa')
  const sel = [{ bank: 'sha1', pcrs: [0, 1, 2, 3, 4, 5, 6, 7] }, { bank: 'sha256', pcrs: [0, 1, 2, 3, 4, 5, 6, 7] }]
  const q = makeQuote(ak, { extraData: NONCE, selection: sel })
  const other = pcrValuesFor(sel, 'other')
  // An injected WebCrypto makes the first verification await after reading its values; the second
  // reads other values in the meantime.
  const waiting = (pcrs: object) => verifyQuote({ attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs: pcrs as never, options: { crypto: globalThis.crypto } })
  const direct = (pcrs: object) => verifyQuote({ attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE, pcrs: pcrs as never })

  it('a waiting verification with the right values verifies although another read other values meanwhile', async () => {
    const [a, b] = await Promise.all([waiting(structuredClone(q.values)), direct(other)])
    expect(a.valid).toBe(true)
    expect(a.pcrs).toEqual(q.values)
    expect(codes(b)).toEqual(['ERR_PCR_DIGEST_MISMATCH'])
  })

  it('a waiting verification with wrong values fails although another read the right values meanwhile', async () => {
    const [a, b] = await Promise.all([waiting(other), direct(structuredClone(q.values))])
    expect(codes(a)).toEqual(['ERR_PCR_DIGEST_MISMATCH'])
    expect(a.pcrs).toEqual({})
    expect(b.valid).toBe(true)
  })
})

describe('a read never takes the decoded-values arena back from a read that ran in between', () => {
  it('a getter that reads other values mid-read cannot make a forged sha1 value authenticate (regression)', () => {
    const p = defaultHashProvider()
    const genuine1 = '11'.repeat(20)
    const fake1 = '22'.repeat(20)
    const v256 = '33'.repeat(32)
    // The "quote" signs over sha1:0 = 11…11 ‖ sha256:0 = 33…33 (sha256 digest of the selection).
    const pcrDigest = p.digest('sha256', unhex(genuine1 + v256))
    const sel = (bank: string, hashAlg: number) => ({ bank, hashAlg, sizeofSelect: 3, pcrSelect: new Uint8Array([1, 0, 0]), pcrs: [0] })
    const states = [{ info: { pcrSelect: [sel('sha1', 4), sel('sha256', 11)], pcrDigest } as never, hash: 'sha256' as const }]
    // The supplied sha1 value is forged; reading the sha256 value reads the genuine one elsewhere,
    // which writes it into the arena at the same place.
    const sha256: Record<string, string> = {}
    Object.defineProperty(sha256, '0', { enumerable: true, get: () => (readQuotePcrs({ sha1: { 0: genuine1 } }), v256) })
    const forged = readQuotePcrs({ sha1: { 0: fake1 }, sha256 })
    const checks: { id: string; ok: boolean }[] = []
    const out = checkPcrs(checks as never, states, forged, p, false)
    expect(checks.find((c) => c.id === 'pcrs.digest')?.ok).toBe(false)
    expect(out.sha1?.[0]).toBeUndefined()
    // The same values without the interleaved read: the genuine ones authenticate.
    const genuine = readQuotePcrs({ sha1: { 0: genuine1 }, sha256: { 0: v256 } })
    const checks2: { id: string; ok: boolean }[] = []
    expect(checkPcrs(checks2 as never, states, genuine, p, false).sha1?.[0]).toBe(genuine1)
    expect(checks2.find((c) => c.id === 'pcrs.digest')?.ok).toBe(true)
  })
})

describe('AK cache hits are confirmed byte for byte', () => {
  it('an AK equal to a cached one except in the middle of its bytes is evaluated on its own', async () => {
    const ak = softwareAk('rsassa')
    const q = makeQuote(ak, { extraData: NONCE })
    const pub = tpm2bPublic(ak.tpmtPublic)
    const run = (key: Uint8Array) => verifyQuote({ attest: q.attest, signature: q.signature, ak: key, nonce: NONCE, pcrs: q.values })
    expect((await run(pub)).valid).toBe(true)
    // objectAttributes is bytes 6..9 (after the TPM2B size, type and nameAlg); fixedTPM is bit 1 of its last byte.
    const altered = pub.slice()
    altered[9]! ^= ATTR.fixedTPM
    expect(codes(await run(altered))).toEqual(['ERR_AK_ATTRIBUTES'])
    expect((await run(pub.slice())).valid).toBe(true)
    expect(codes(await run(altered.slice()))).toEqual(['ERR_AK_ATTRIBUTES'])
  })
})

describe('TPML_PCR_SELECTION read in place', () => {
  const full = Uint8Array.from([0, 0, 0, 2, 0, 0x04, 3, 0xff, 0, 0, 0, 0x0b, 3, 0x81, 0, 0])
  const failure = (b: Uint8Array) => outcome(() => parsePcrSelectionList(b)) as { code?: string; message?: string }

  it('reads both banks of a complete list', () => {
    expect(parsePcrSelectionList(full).map((s) => [s.bank, s.sizeofSelect, s.pcrs])).toEqual([
      ['sha1', 3, [0, 1, 2, 3, 4, 5, 6, 7]],
      ['sha256', 3, [0, 7]],
    ])
  })

  it('a truncated list names the field and offset that ran out', () => {
    const cases: [number, string][] = [
      [3, 'pcrSelect.count: needs 4 bytes but only 3 remain at offset 0'],
      [5, 'pcrSelect[0].hash: needs 2 bytes but only 1 remain at offset 4'],
      [6, 'pcrSelect[0].sizeofSelect: needs 1 bytes but only 0 remain at offset 6'],
      [8, 'pcrSelect[0].pcrSelect: needs 3 bytes but only 1 remain at offset 7'],
      [11, 'pcrSelect[1].hash: needs 2 bytes but only 1 remain at offset 10'],
      [15, 'pcrSelect[1].pcrSelect: needs 3 bytes but only 2 remain at offset 13'],
    ]
    for (const [n, message] of cases) expect(failure(full.subarray(0, n))).toMatchObject({ code: 'ERR_TPM_TRUNCATED', message })
  })

  it('count and sizeofSelect limits name their field and offset', () => {
    expect(failure(Uint8Array.from([0, 0, 0, 17]))).toMatchObject({ code: 'ERR_TPM_LIMIT', message: 'pcrSelect.count exceeded: 17 > 16 at offset 0' })
    expect(failure(Uint8Array.from([0, 0, 0, 2, 0, 4, 3, 0xff, 0, 0, 0, 0x0b, 9]))).toMatchObject({ code: 'ERR_TPM_LIMIT', message: 'pcrSelect[1].sizeofSelect exceeded: 9 > 4 at offset 12' })
  })
})

describe('selection judgement', () => {
  it('selectionProblems reports exactly the unknown, repeated and out-of-range banks', () => {
    const specs = [
      [{ hash: 0x000b, pcrs: [0, 1, 2] }],
      [{ hash: 0x000b, pcrs: [0, 23] }],
      [{ hash: 0x000b, pcrs: [24] }],
      [{ hash: 0x000b, pcrs: [0] }, { hash: 0x0004, pcrs: [1] }],
      [{ hash: 0x000b, pcrs: [0] }, { hash: 0x000b, pcrs: [1] }],
      [{ hash: 0x0099, pcrs: [0] }],
      [{ hash: 0x000b, pcrs: [] }],
      [],
    ]
    for (const spec of specs) {
      const sel = parsePcrSelectionList(buildPcrSelection(spec))
      for (const max of [23, 0, 31]) {
        const want = spec.flatMap((b, i) => [
          ...(spec.slice(0, i).some((x) => x.hash === b.hash) ? ['more than once'] : []),
          ...(b.hash === 0x0099 ? ['not a known hash'] : []),
          ...(b.pcrs.some((p) => p > max) ? [`above PCR ${max}`] : []),
        ])
        const got = selectionProblems(sel, max).map((x) => x.message)
        expect(got.length, JSON.stringify({ spec, max })).toBe(want.length)
        got.forEach((m, k) => expect(m).toContain(want[k]))
      }
    }
  })

  it('describes contiguous, sparse, empty and long selections', async () => {
    const ak = softwareAk('rsassa')
    const described = async (selection: { bank: string; pcrs: number[] }[]) => {
      const q = makeQuote(ak, { extraData: NONCE, selection })
      return (await verifyQuote({ attest: q.attest, signature: q.signature, ak: ak.tpmtPublic, nonce: NONCE })).checks.find((c) => c.id === 'quote.selection')!.message
    }
    const all = Array.from({ length: 24 }, (_, i) => i)
    expect(await described([{ bank: 'sha256', pcrs: all }])).toBe(`selection sha256:${all.join(',')}`)
    expect(await described([{ bank: 'sha256', pcrs: [0] }, { bank: 'sha384', pcrs: [1, 2] }])).toBe('selection sha256:0+sha384:1,2')
    expect(await described([{ bank: 'sha256', pcrs: [] }])).toBe('selection sha256:(none)')
    expect(await described([])).toBe('selection is empty: the quote authenticates no PCR')
  })
})
