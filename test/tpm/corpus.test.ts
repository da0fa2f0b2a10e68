/**
 * Conformance over ../shared/corpus/attestations: real TPM 2.0 quotes (GCE Shielded VM, Windows
 * on GCE, Keylime, Azure confidential-VM vTPM) verify against their own AKs, nonces and PCRs.
 * Each input's sha256 is checked against MANIFEST.tsv first. Skips visibly when the corpus is
 * absent.
 */
import { describe, it, expect } from 'vitest'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { verifyQuote } from '../../src/tpm/verify_quote.js'
import { verifyQuotes } from '../../src/tpm/verify_quotes.js'
import type { VerifyQuoteOptions } from '../../src/tpm/verify_quote.js'
import { parseCertificate } from '../../src/x509/certificate.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const CORPUS = resolve(ROOT, '../shared/corpus')
const haveCorpus = existsSync(join(CORPUS, 'MANIFEST.tsv'))
const files = haveCorpus ? readdirSync(join(CORPUS, 'attestations')).filter((f) => f.endsWith('.json')).sort() : []
if (!haveCorpus) console.warn(`[corpus] ${CORPUS} not found: skipping attestation corpus tests`)

const manifest = new Map<string, string>()
if (haveCorpus) {
  for (const line of readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1)) {
    const cols = line.split('\t')
    if (cols[0] && cols[5]) manifest.set(cols[0], cols[5])
  }
}

interface Att {
  tpmVersion: string
  akPublic: { format: string; hex: string }
  akCert?: { hex: string; notBefore: string }
  caCerts?: { role: string; hex: string }[]
  nonce: string
  quotes: { attest: string; signature: string; pcrs: Record<string, Record<string, string>> }[]
  negativeVariants?: { change: string }[]
}

const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'))

function load(f: string): Att {
  return JSON.parse(readFileSync(join(CORPUS, 'attestations', f), 'utf8')) as Att
}

function options(a: Att): VerifyQuoteOptions {
  return {
    allowSha1: true, // the Windows GCE AK scheme is RSASSA/SHA-1: explicitly opted in
    allowMissingNonce: a.nonce === '',
    trustBareKey: a.akPublic.format.startsWith('SubjectPublicKeyInfo'),
  }
}

function akOf(a: Att) {
  return unhex(a.akPublic.hex)
}

;(haveCorpus ? describe : describe.skip)('attestation corpus', () => {
  for (const f of files) {
    const a = load(f)
    const tpm2 = a.tpmVersion.startsWith('2.0')
    const when = (cond: boolean) => (cond ? it : it.skip)
    describe(f, () => {
      it('sha256 matches MANIFEST.tsv', () => {
        const want = manifest.get(`attestations/${f}`)
        expect(want).toBeDefined()
        expect(createHash('sha256').update(readFileSync(join(CORPUS, 'attestations', f))).digest('hex')).toBe(want)
      })
      if (!tpm2) console.warn(`[corpus] ${f}: TPM ${a.tpmVersion} quote (TPM_QUOTE_INFO) is out of scope for the TPM 2.0 verifier: skipped`)
      when(tpm2)('verifies every quote against its own PCRs', async () => {
        for (const q of a.quotes) {
          const r = await verifyQuote({ attest: unhex(q.attest), signature: unhex(q.signature), ak: akOf(a), nonce: unhex(a.nonce), pcrs: q.pcrs, options: options(a) })
          expect(r.errors).toEqual([])
          expect(r.valid).toBe(true)
          expect(r.pcrs).toEqual(Object.fromEntries(Object.entries(q.pcrs).map(([b, m]) => [b, Object.fromEntries(Object.entries(m).map(([i, v]) => [i, v.toLowerCase()]))])))
        }
      })
      if (tpm2 && a.quotes.length > 1) it('multi-quote: all quotes together authenticate the union of their PCRs', async () => {
        const pcrs = Object.assign({}, ...a.quotes.map((q) => q.pcrs))
        const r = await verifyQuotes({ quotes: a.quotes.map((q) => ({ attest: unhex(q.attest), signature: unhex(q.signature) })), ak: akOf(a), nonce: unhex(a.nonce), pcrs, options: options(a) })
        expect(r.errors).toEqual([])
        expect(Object.keys(r.pcrs).sort()).toEqual(Object.keys(pcrs).sort())
      })
      when(tpm2)('a changed nonce and a changed PCR are rejected', async () => {
        const q = a.quotes[0]!
        const other = await verifyQuote({ attest: unhex(q.attest), signature: unhex(q.signature), ak: akOf(a), nonce: unhex('a1'.repeat(16)), pcrs: q.pcrs, options: options(a) })
        expect(other.errors.map((e) => e.code)).toEqual(['ERR_QUOTE_NONCE_MISMATCH'])
        const [bank, m] = Object.entries(q.pcrs)[0]!
        const [idx, v] = Object.entries(m)[0]!
        const tampered = { ...q.pcrs, [bank]: { ...m, [idx]: (v[0] === '0' ? '1' : '0') + v.slice(1) } }
        const bad = await verifyQuote({ attest: unhex(q.attest), signature: unhex(q.signature), ak: akOf(a), nonce: unhex(a.nonce), pcrs: tampered, options: options(a) })
        expect(bad.errors.map((e) => e.code)).toEqual(['ERR_PCR_DIGEST_MISMATCH'])
      })
      if (a.negativeVariants) it('negative variants from the source (attest byte 5 flipped; sha1 bank expected)', async () => {
        const q = a.quotes[0]!
        const attest = unhex(q.attest)
        attest[5]! ^= 1
        const r = await verifyQuote({ attest, signature: unhex(q.signature), ak: akOf(a), nonce: unhex(a.nonce), options: options(a) })
        expect(r.valid).toBe(false)
        expect(r.errors.map((e) => e.code)).toContain('ERR_QUOTE_SIGNATURE')
        const sha1 = await verifyQuote({ attest: unhex(q.attest), signature: unhex(q.signature), ak: akOf(a), nonce: unhex(a.nonce), pcrs: q.pcrs, options: { ...options(a), requiredPcrs: { sha1: [16] } } })
        expect(sha1.errors.map((e) => e.code)).toEqual(['ERR_PCR_MISSING'])
      })
      if (tpm2 && a.quotes[0]!.signature.startsWith('00140004')) it('SHA-1 AK quotes are refused without allowSha1', async () => {
        const q = a.quotes[0]!
        const r = await verifyQuote({ attest: unhex(q.attest), signature: unhex(q.signature), ak: akOf(a), nonce: unhex(a.nonce), pcrs: q.pcrs, options: { ...options(a), allowSha1: false } })
        expect(r.errors.map((e) => e.code)).toEqual(['ERR_QUOTE_SHA1_REFUSED'])
      })
      if (a.akCert && a.caCerts) it('AK certificate: chains to the GCE EK root at an injected time and equals the AK public area', async () => {
        if (!a.akCert || !a.caCerts) return
        const roots = a.caCerts.filter((c) => c.role === 'root').map((c) => unhex(c.hex))
        const intermediates = a.caCerts.filter((c) => c.role !== 'root').map((c) => unhex(c.hex))
        const cert = parseCertificate(unhex(a.akCert.hex))
        const now = new Date(cert.notBefore.getTime() + 86400_000)
        const pcrs = Object.assign({}, ...a.quotes.map((q) => q.pcrs))
        const quotes = a.quotes.map((q) => ({ attest: unhex(q.attest), signature: unhex(q.signature) }))
        const ak = { public: akOf(a), certificate: unhex(a.akCert.hex), intermediates }
        // GCE AK certificates carry tcg-kp-EKCertificate, not tcg-kp-AIKCertificate: refused by default…
        const strict = await verifyQuotes({ quotes, ak, nonce: unhex(a.nonce), pcrs, options: { ...options(a), trustAnchors: roots, now } })
        expect(strict.errors.map((e) => e.code)).toEqual(['ERR_AK_CERT_PROFILE'])
        // …and accepted when the caller names that EKU explicitly.
        const r = await verifyQuotes({ quotes, ak, nonce: unhex(a.nonce), pcrs, options: { ...options(a), trustAnchors: roots, now, akCertAllowedEkus: ['2.23.133.8.3', '2.23.133.8.1'] } })
        expect(r.errors).toEqual([])
        expect(r.checks.find((c) => c.id === 'ak.chain')!.ok).toBe(true)
        // The same chain without its root pinned is untrusted.
        const noRoot = await verifyQuotes({ quotes, ak, nonce: unhex(a.nonce), pcrs, options: { ...options(a), trustAnchors: [], now, akCertAllowedEkus: ['2.23.133.8.1'] } })
        expect(noRoot.errors.map((e) => e.code)).toContain('ERR_CHAIN_UNTRUSTED')
        // Expired at the real validity end + 1 day.
        const late = await verifyQuotes({ quotes, ak, nonce: unhex(a.nonce), pcrs, options: { ...options(a), trustAnchors: roots, now: new Date(cert.notAfter.getTime() + 86400_000), akCertAllowedEkus: ['2.23.133.8.1'] } })
        expect(late.errors.map((e) => e.code)).toContain('ERR_CHAIN_UNTRUSTED')
      })
    })
  }
})
