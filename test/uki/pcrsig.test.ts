/**
 * The `.pcrsig` document (parsePcrSignature), the PolicyPCR digest (policyPcrDigest) and the key
 * fingerprint, on real documents: the ones systemd-measure 252 signed here (its `pol` was computed
 * by a TPM, swtpm), and siderolabs/talos' test signature (an independent implementation).
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { toHex, fromHex } from '../../src/bytes/hex.js'
import { defaultHashProvider } from '../../src/hash/provider.js'
import { parsePcrPublicKey } from '../../src/uki/pcr_public_key.js'
import { parsePcrSignature } from '../../src/uki/pcrsig.js'
import { pcrSelection, policyPcrDigest } from '../../src/uki/policy_pcr.js'
import { BANKS, vector, vectorText } from './uki_fixture.js'

const hash = defaultHashProvider()
const enc = (s: string) => new TextEncoder().encode(s)

describe('parsePcrSignature on real documents', () => {
  it('systemd-measure 252: four banks, four entries each, pcrs [11], the section bytes with their padding', () => {
    const doc = parsePcrSignature(vector('signed/pcrsig.json'))
    expect(doc.banks).toEqual(['sha1', 'sha256', 'sha384', 'sha512'])
    expect(doc.entries).toHaveLength(16)
    for (const e of doc.entries) {
      expect(e.pcrs).toEqual([11])
      expect(e.pol).toHaveLength(32)
      expect(e.sig).toHaveLength(256)
    }
    const padded = new Uint8Array([...vector('signed/pcrsig.json'), 0, 0, 0])
    expect(parsePcrSignature(padded).entries).toHaveLength(16)
  })

  it('talos: three banks, one entry each', () => {
    const doc = parsePcrSignature(vectorText('talos/pcrsig.json'))
    expect(doc.banks).toEqual(['sha256', 'sha384', 'sha512'])
    expect(doc.entries.map((e) => e.pkfp)).toEqual(Array(3).fill('58f58f625bd8a8b6681e4b40688cf99b26419b6b2c5f6e14a2c7c67a3b0b1620'))
  })
})

describe('pkfp: SHA-256 of the PKCS#1 RSAPublicKey, not of the SPKI', () => {
  it('matches the pkfp systemd-measure wrote for .pcrpkey', () => {
    const key = parsePcrPublicKey(vector('signed/pcrpkey.pem'), hash)
    const doc = parsePcrSignature(vector('signed/pcrsig.json'))
    expect(new Set(doc.entries.map((e) => e.pkfp))).toEqual(new Set([key.fingerprint]))
    expect(key.fingerprint).not.toBe(createHash('sha256').update(key.spki).digest('hex'))
  })

  it('matches the talos pkfp for the talos key', () => {
    expect(parsePcrPublicKey(vectorText('talos/pcr-signing-key.pub.pem'), hash).fingerprint).toBe('58f58f625bd8a8b6681e4b40688cf99b26419b6b2c5f6e14a2c7c67a3b0b1620')
  })
})

describe('policyPcrDigest', () => {
  it('TPML_PCR_SELECTION for PCR 11 of sha256: count 1, alg 0x000b, 3 bytes, bit 3 of byte 1', () => {
    expect(toHex(pcrSelection('sha256', [11]))).toBe('00000001000b03000800')
  })

  it('reproduces the pol the TPM computed for every signed phase, in every bank', () => {
    const doc = parsePcrSignature(vector('signed/pcrsig.json'))
    for (const bank of BANKS) {
      const calc = JSON.parse(vectorText(`signed/calculate.${bank}.json`))[bank] as { phase: string; hash: string }[]
      const expected = calc.map((c) => toHex(policyPcrDigest({ bank, pcrs: new Map([[11, fromHex(c.hash)]]) }, hash)))
      expect(doc.entries.filter((e) => e.bank === bank).map((e) => toHex(e.pol))).toEqual(expected)
    }
  })

  it('differs with another start digest, another PCR value or another bank id', () => {
    const v = new Uint8Array(32).fill(1)
    const base = toHex(policyPcrDigest({ bank: 'sha256', pcrs: new Map([[11, v]]) }, hash))
    expect(toHex(policyPcrDigest({ bank: 'sha256', pcrs: new Map([[11, v]]), start: new Uint8Array(32).fill(9) }, hash))).not.toBe(base)
    expect(toHex(policyPcrDigest({ bank: 'sha256', pcrs: new Map([[11, new Uint8Array(32)]]) }, hash))).not.toBe(base)
    expect(toHex(policyPcrDigest({ bank: 'sha256', pcrs: new Map([[12, v]]) }, hash))).not.toBe(base)
  })
})

describe('parsePcrSignature rejects malformed documents with ERR_UKI_PCRSIG_MALFORMED', () => {
  const good = { pcrs: [11], pkfp: 'ab'.repeat(32), pol: 'cd'.repeat(32), sig: 'AAEC' }
  const cases: [string, string][] = [
    ['not JSON', '{"sha256":'],
    ['not UTF-8', '\udcff'],
    ['an array', '[]'],
    ['no entries', '{"sha256":[]}'],
    ['an unknown bank', JSON.stringify({ md5: [good] })],
    ['a bank that is not an array', JSON.stringify({ sha256: good })],
    ['a duplicate member', `{"sha256":[{"pcrs":[11],"pol":"${'cd'.repeat(32)}","pol":"${'ef'.repeat(32)}","sig":"AAEC"}]}`],
    ['an unknown member', JSON.stringify({ sha256: [{ ...good, extra: 1 }] })],
    ['pcrs empty', JSON.stringify({ sha256: [{ ...good, pcrs: [] }] })],
    ['pcrs out of range', JSON.stringify({ sha256: [{ ...good, pcrs: [24] }] })],
    ['pcrs repeated', JSON.stringify({ sha256: [{ ...good, pcrs: [11, 11] }] })],
    ['pcrs not integers', JSON.stringify({ sha256: [{ ...good, pcrs: ['11'] }] })],
    ['pol of 20 bytes', JSON.stringify({ sha256: [{ ...good, pol: 'cd'.repeat(20) }] })],
    ['pol not hex', JSON.stringify({ sha256: [{ ...good, pol: 'zz'.repeat(32) }] })],
    ['pol missing', JSON.stringify({ sha256: [{ pcrs: [11], sig: 'AAEC' }] })],
    ['pkfp short', JSON.stringify({ sha256: [{ ...good, pkfp: 'ab' }] })],
    ['sig not base64', JSON.stringify({ sha256: [{ ...good, sig: 'A*==' }] })],
    ['sig base64url', JSON.stringify({ sha256: [{ ...good, sig: 'AA-_' }] })],
    ['sig empty', JSON.stringify({ sha256: [{ ...good, sig: '' }] })],
    ['sig a number', JSON.stringify({ sha256: [{ ...good, sig: 5 }] })],
  ]
  for (const [what, text] of cases) {
    it(what, () => {
      expect(() => parsePcrSignature(what === 'not UTF-8' ? new Uint8Array([0x7b, 0xff, 0x7d]) : enc(text))).toThrowError(expect.objectContaining({ code: 'ERR_UKI_PCRSIG_MALFORMED' }))
    })
  }

  it('the size and entry limits', () => {
    const doc = JSON.stringify({ sha256: [good, good, good] })
    expect(() => parsePcrSignature(enc(doc), { limits: { maxPcrsigBytes: 50 } })).toThrowError(expect.objectContaining({ code: 'ERR_UKI_PCRSIG_MALFORMED' }))
    expect(() => parsePcrSignature(doc, { limits: { maxPcrsigEntries: 2 } })).toThrowError(expect.objectContaining({ code: 'ERR_UKI_PCRSIG_MALFORMED' }))
    expect(parsePcrSignature(doc).entries).toHaveLength(3)
  })

  it('pkfp may be absent; hex case is normalised', () => {
    const e = parsePcrSignature(JSON.stringify({ sha256: [{ pcrs: [11], pol: 'CD'.repeat(32), sig: 'AAEC' }, { ...good, pkfp: 'AB'.repeat(32) }] })).entries
    expect(e[0]!.pkfp).toBeUndefined()
    expect(e[1]!.pkfp).toBe('ab'.repeat(32))
  })
})
