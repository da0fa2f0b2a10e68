/**
 * Committed swtpm + tpm2-tools vectors (test-vectors/quotes/, recorded by
 * scripts/record/record-quotes.sh and differential-checked with tpm2_checkquote). Each
 * directory holds tpm2_quote -m/-s/-o outputs, ak.pub (TPM2B_PUBLIC), ak.pem (SPKI), ak.name
 * and nonce.hex; some hold an AK certificate issued by the test AK CA.
 */
import { describe, it, expect } from 'vitest'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { verifyQuote } from '../../src/tpm/verify_quote.js'
import { parseTpm2ToolsPcrFile } from '../../src/tpm/pcr_file.js'
import { parseTpm2bPublic, computeName } from '../../src/tpm/public.js'
import { parseTpmsAttest } from '../../src/tpm/attest.js'
import { parseTpmtSignature } from '../../src/tpm/signature.js'
import { toHex } from '../../src/bytes/hex.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const DIR = join(ROOT, 'test-vectors/quotes')
const dirs = existsSync(DIR) ? readdirSync(DIR).filter((d) => existsSync(join(DIR, d, 'quote.msg'))).sort() : []
if (!dirs.length) console.warn(`[vectors] no quote vectors under ${DIR}: skipping swtpm vector tests`)

const read = (d: string, f: string) => new Uint8Array(readFileSync(join(DIR, d, f)))
const nonceOf = (d: string) => Buffer.from(readFileSync(join(DIR, d, 'nonce.hex'), 'utf8').trim(), 'hex')
const recorded = (d: string) => new Date(JSON.parse(readFileSync(join(DIR, d, 'meta.json'), 'utf8')).recorded ?? Date.now())

;(dirs.length ? describe : describe.skip)('swtpm vectors (test-vectors/quotes)', () => {
  for (const d of dirs) {
    describe(d, () => {
      it('verifies with ak.pub, nonce.hex and the tpm2-tools PCR file', async () => {
        const nonce = new Uint8Array(nonceOf(d))
        const pcrFile = parseTpm2ToolsPcrFile(read(d, 'quote.pcrs'))
        const r = await verifyQuote({
          attest: read(d, 'quote.msg'),
          signature: read(d, 'quote.sig'),
          ak: read(d, 'ak.pub'),
          ...(nonce.length ? { nonce } : {}),
          pcrs: pcrFile.pcrs,
        })
        if (!nonce.length) {
          // Recorded without -q: a verifier must refuse the empty nonce unless told otherwise.
          expect(r.errors.map((e) => e.code)).toEqual(['ERR_QUOTE_NONCE_MISSING'])
          const opted = await verifyQuote({ attest: read(d, 'quote.msg'), signature: read(d, 'quote.sig'), ak: read(d, 'ak.pub'), nonce: new Uint8Array(0), pcrs: pcrFile.pcrs, options: { allowMissingNonce: true } })
          expect(opted.errors).toEqual([])
          return
        }
        expect(r.errors).toEqual([])
        expect(r.valid).toBe(true)
        expect(r.pcrs).toEqual(pcrFile.pcrs)
        // The PCR file agrees with tpm2_pcrread.
        if (existsSync(join(DIR, d, 'pcrs.json'))) {
          const pcrread = JSON.parse(readFileSync(join(DIR, d, 'pcrs.json'), 'utf8'))
          expect(r.pcrs).toEqual(pcrread)
        }
      })
      it('ak.name equals nameAlg ‖ H(TPMT_PUBLIC) of ak.pub', () => {
        const pub = parseTpm2bPublic(read(d, 'ak.pub'))
        expect(toHex(computeName(pub))).toBe(toHex(read(d, 'ak.name')))
        expect(pub.attributes.restricted && pub.attributes.sign && !pub.attributes.decrypt).toBe(true)
      })
      it('verifies with the SPKI PEM as a pinned key, and refuses it unpinned', async () => {
        const nonce = new Uint8Array(nonceOf(d))
        if (!nonce.length) return
        const base = { attest: read(d, 'quote.msg'), signature: read(d, 'quote.sig'), ak: readFileSync(join(DIR, d, 'ak.pem'), 'utf8'), nonce }
        expect((await verifyQuote({ ...base, options: { trustBareKey: true } })).valid).toBe(true)
        expect((await verifyQuote(base)).errors.map((e) => e.code)).toEqual(['ERR_AK_UNBOUND'])
      })
      it('re-marshals: TPMS_ATTEST bytes and TPMT_SIGNATURE parse with no trailing bytes', () => {
        const a = parseTpmsAttest(read(d, 'quote.msg'))
        expect(a.typeName).toBe('quote')
        expect(a.clockInfo.safe).toBe(true)
        expect(typeof a.clockInfo.clock).toBe('bigint')
        parseTpmtSignature(read(d, 'quote.sig'))
      })
      if (existsSync(join(DIR, d, 'ak-cert.pem'))) {
        it('AK certificate chains to the test AK CA and matches ak.pub', async () => {
          const caPem = readFileSync(join(DIR, 'certs/test-ak-ca.pem'), 'utf8')
          const base = { attest: read(d, 'quote.msg'), signature: read(d, 'quote.sig'), nonce: new Uint8Array(nonceOf(d)) }
          const now = new Date(recorded(d).getTime() + 3600_000)
          const r = await verifyQuote({ ...base, ak: { public: read(d, 'ak.pub'), certificate: read(d, 'ak-cert.pem') }, options: { trustAnchors: [caPem], now } })
          expect(r.errors).toEqual([])
          // Certificate alone (no public area) is vouched for by the validated chain.
          const c = await verifyQuote({ ...base, ak: readFileSync(join(DIR, d, 'ak-cert.pem'), 'utf8'), options: { trustAnchors: [caPem], now } })
          expect(c.valid).toBe(true)
          // No anchors → untrusted; wrong time → untrusted.
          expect((await verifyQuote({ ...base, ak: read(d, 'ak-cert.pem'), options: { now } })).errors.map((e) => e.code)).toEqual(['ERR_CHAIN_UNTRUSTED', 'ERR_AK_UNBOUND'])
          expect((await verifyQuote({ ...base, ak: read(d, 'ak-cert.pem'), options: { trustAnchors: [caPem], now: new Date('2020-01-01T00:00:00Z') } })).errors.map((e) => e.code)).toContain('ERR_CHAIN_UNTRUSTED')
        })
        it('AK certificate paired with a different AK public area → ERR_AK_CERT_MISMATCH', async () => {
          const other = dirs.find((x) => x !== d && existsSync(join(DIR, x, 'ak.pub')) && toHex(read(x, 'ak.pub')) !== toHex(read(d, 'ak.pub')))
          if (!other) return
          const caPem = readFileSync(join(DIR, 'certs/test-ak-ca.pem'), 'utf8')
          const r = await verifyQuote({ attest: read(other, 'quote.msg'), signature: read(other, 'quote.sig'), nonce: new Uint8Array(nonceOf(other)), ak: { public: read(other, 'ak.pub'), certificate: read(d, 'ak-cert.pem') }, options: { trustAnchors: [caPem], now: new Date(recorded(d).getTime() + 3600_000), allowMissingNonce: true } })
          expect(r.errors.map((e) => e.code)).toContain('ERR_AK_CERT_MISMATCH')
        })
      }
    })
  }
  it('rsapss vector: swtpm uses salt = hLen', async () => {
    const d = 'rsapss-sha256'
    if (!dirs.includes(d)) return
    const r = await verifyQuote({ attest: read(d, 'quote.msg'), signature: read(d, 'quote.sig'), ak: read(d, 'ak.pub'), nonce: new Uint8Array(nonceOf(d)) })
    expect(r.checks.find((c) => c.id === 'signature.verify')!.message).toMatch(/salt (32|222)/)
  })
  it('relabelled PCR file (CVE-2024-29039 replay on real evidence) is rejected', async () => {
    const d = 'sparse-sha256'
    if (!dirs.includes(d)) return
    const pcrs = parseTpm2ToolsPcrFile(read(d, 'quote.pcrs')).pcrs
    const s = pcrs.sha256!
    const relabelled = { sha256: { ...s, 3: s['16']! } }
    delete (relabelled.sha256 as Record<string, string>)['16']
    const r = await verifyQuote({ attest: read(d, 'quote.msg'), signature: read(d, 'quote.sig'), ak: read(d, 'ak.pub'), nonce: new Uint8Array(nonceOf(d)), pcrs: relabelled })
    expect(r.errors.map((e) => e.code).sort()).toEqual(['ERR_PCR_MISSING', 'ERR_PCR_NOT_IN_SELECTION'])
  })
})
