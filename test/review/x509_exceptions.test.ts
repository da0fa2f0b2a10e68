/**
 * Malformed DER inside certificates must surface as BootproofError (stable code) or as a typed
 * failure, never as a library exception: asn1js throws a plain Error ("Wrong input string for
 * conversion") for a GeneralizedTime that is not digits, which reached the CLI as ERR_INTERNAL.
 * Inputs are the committed real certificates (swtpm AK/EK/CA, and the corpus attestations'
 * certificates when the corpus is present), mutated in their validity times, lengths and tags.
 * RFC 5280 §4.1.2.5: UTCTime YYMMDDHHMMSSZ, GeneralizedTime YYYYMMDDHHMMSSZ.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BootproofError, verifyAttestation } from '../../src/index.js'
import { parseCertificate } from '../../src/x509/certificate.js'
import { verifyCertificateChain } from '../../src/x509/chain.js'
import { decodedCertificateFields, decodedCertificate } from '../../src/x509/decoded_cache.js'
import { pemDecode } from '../../src/x509/pem.js'
import { spkiToKeyMaterial } from '../../src/x509/spki.js'
import { parseAk, resolveAk } from '../../src/tpm/ak.js'
import { keyFromX5c } from '../../src/token/x5c.js'
import { CORPUS, REPO_ROOT } from '../helpers/corpus.js'
import { runCli } from '../cli/run.js'

const Q = join(REPO_ROOT, 'test-vectors/quotes')
const pem = (p: string) => readFileSync(p, 'utf8')
const der = (p: string) => pemDecode(pem(p), ['CERTIFICATE'])[0]!

const REAL: [string, Uint8Array][] = [
  ['swtpm AK', der(join(Q, 'rsassa-sha256/ak-cert.pem'))],
  ['swtpm EK RSA', der(join(Q, 'certs/ek-rsa.pem'))],
  ['swtpm EK ECC', der(join(Q, 'certs/ek-ecc.pem'))],
  ['swtpm issuer CA', der(join(Q, 'certs/swtpm-localca-issuer.pem'))],
]
if (CORPUS) {
  for (const f of readdirSync(join(CORPUS, 'attestations'))) {
    const text = readFileSync(join(CORPUS, 'attestations', f), 'utf8').replace(/\\n/g, '\n')
    const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []
    blocks.forEach((b, i) => REAL.push([`${f} #${i}`, pemDecode(b, ['CERTIFICATE'])[0]!]))
  }
}

/** Offsets of the two validity times (tag 0x17/0x18 followed by their short length). */
function timeOffsets(d: Uint8Array): number[] {
  const out: number[] = []
  for (let i = 0; i + 1 < d.length && out.length < 2; i++) {
    if ((d[i] === 0x17 && d[i + 1] === 13) || (d[i] === 0x18 && d[i + 1] === 15)) out.push(i)
  }
  return out
}

/** Replace the content of the time at `at` by `text` of the same length (tag optionally changed). */
function withTime(d: Uint8Array, at: number, text: string, tag = d[at]!): Uint8Array {
  const out = d.slice()
  out[at] = tag
  expect(text.length).toBe(d[at + 1])
  out.set(new TextEncoder().encode(text), at + 2)
  return out
}

function mutations(d: Uint8Array): [string, Uint8Array][] {
  const [nb, na] = timeOffsets(d) as [number, number]
  const nbLen = d[nb + 1]!
  const naLen = d[na + 1]!
  const fill = (n: number, c: string) => c.repeat(n)
  const huge = d.slice()
  // Outer SEQUENCE length 0x82 xx xx → 0x84 ff ff ff ff would need 2 more bytes; instead claim
  // the maximum a 2-byte length can say.
  huge[2] = 0xff
  huge[3] = 0xff
  return [
    ['notBefore of letters, as GeneralizedTime (the asn1js plain Error)', withTime(d, nb, fill(nbLen, 'Z'), nbLen === 15 ? 0x18 : 0x17)],
    ['notAfter of letters', withTime(d, na, fill(naLen, 'Z'))],
    ['notBefore month 13', withTime(d, nb, nbLen === 13 ? '991399000000Z' : '19991399000000Z')],
    ['notAfter without Z', withTime(d, na, fill(naLen, '1'))],
    ['UTCTime content under the GeneralizedTime tag', withTime(d, nb, pem.length ? String.fromCharCode(...d.subarray(nb + 2, nb + 2 + nbLen)) : '', nbLen === 13 ? 0x18 : 0x17)],
    ['notBefore with a fraction', nbLen === 15 ? withTime(d, nb, '20230101000.5Z'.padEnd(15, 'Z').slice(0, 15)) : withTime(d, nb, '2301010000.5Z')],
    ['time tagged OCTET STRING', withTime(d, nb, String.fromCharCode(...d.subarray(nb + 2, nb + 2 + nbLen)), 0x04)],
    ['truncated in the validity', d.subarray(0, nb + 5)],
    ['truncated by one byte', d.subarray(0, d.length - 1)],
    ['outer length 0xffff (huge)', huge],
    ['tbsCertificate tagged SET', Object.assign(d.slice(), { [4]: 0x31 })],
  ]
}

const CERT_CODES = ['ERR_CERT_INVALID', 'ERR_PEM_INVALID']

describe.each(REAL)('mutated %s', (_name, real) => {
  it('the unmutated certificate decodes', () => {
    expect(parseCertificate(real).notAfter.getTime()).toBeGreaterThan(parseCertificate(real).notBefore.getTime())
  })

  for (const [what, bad] of mutations(real)) {
    it(`${what}: ERR_CERT_INVALID from parse, cache, chain and AK parsing`, async () => {
      expect(() => parseCertificate(bad)).toThrowError(expect.objectContaining({ name: 'BootproofError', code: 'ERR_CERT_INVALID' }))
      expect(decodedCertificateFields(bad)).toHaveProperty('error')
      expect(() => decodedCertificate(bad)).toThrowError(expect.objectContaining({ code: 'ERR_CERT_INVALID' }))
      // As the leaf and as an intermediate shipped in the evidence.
      await expect(verifyCertificateChain(bad, { trustAnchors: [real] })).rejects.toSatisfy((e) => e instanceof BootproofError && CERT_CODES.includes(e.code))
      await expect(verifyCertificateChain(real, { trustAnchors: [real], intermediates: [bad] })).rejects.toBeInstanceOf(BootproofError)
      expect(() => parseAk(bad)).toThrowError(BootproofError)
      expect(() => resolveAk({ certificate: bad })).toThrowError(expect.objectContaining({ code: 'ERR_CERT_INVALID' }))
      // x5c: a typed check failure, not a throw.
      const b64 = Buffer.from(bad).toString('base64')
      await expect(keyFromX5c([b64], undefined, 'RS256', { roots: [real], now: new Date(), leafEku: null })).resolves.toMatchObject({ error: { code: 'ERR_JWT_X5C_UNTRUSTED' } })
    })
  }
})

describe('other entry points', () => {
  it('SPKI holding a GeneralizedTime of letters → ERR_KEY_INVALID', () => {
    // SEQUENCE { GeneralizedTime "ZZZZZZZZZZZZZZZ" }
    const spki = Uint8Array.of(0x30, 17, 0x18, 15, ...new TextEncoder().encode('Z'.repeat(15)))
    expect(() => spkiToKeyMaterial(spki)).toThrowError(expect.objectContaining({ code: 'ERR_KEY_INVALID' }))
  })

  it('x5c empty or holding a non-string → ERR_JWT_X5C_UNTRUSTED', async () => {
    const opts = { roots: [REAL[0]![1]], now: new Date(), leafEku: null }
    await expect(keyFromX5c([], undefined, 'RS256', opts)).resolves.toMatchObject({ error: { code: 'ERR_JWT_X5C_UNTRUSTED' } })
    await expect(keyFromX5c([42 as unknown as string], undefined, 'RS256', opts)).resolves.toMatchObject({ error: { code: 'ERR_JWT_X5C_UNTRUSTED' } })
  })
})

describe('through the pipeline and the CLI', () => {
  const dir = join(Q, 'rsassa-sha256')
  const real = der(join(dir, 'ak-cert.pem'))
  const bad = mutations(real)[0]![1]
  const nonce = readFileSync(join(dir, 'nonce.hex'), 'utf8').trim()

  it('verifyAttestation with a mutated AK certificate rejects with ERR_CERT_INVALID', async () => {
    const input = {
      quotes: [{ attest: new Uint8Array(readFileSync(join(dir, 'quote.msg'))), signature: new Uint8Array(readFileSync(join(dir, 'quote.sig'))) }],
      ak: { public: new Uint8Array(readFileSync(join(dir, 'ak.pub'))), certificate: bad },
      nonce: new Uint8Array(Buffer.from(nonce, 'hex')),
    }
    await expect(verifyAttestation(input)).rejects.toMatchObject({ name: 'BootproofError', code: 'ERR_CERT_INVALID' })
  })

  it('verify-quote --ak <mutated cert> exits 2 with ERR_CERT_INVALID, not ERR_INTERNAL', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'bp-x509-'))
    const f = join(tmp, 'ak-cert.der')
    writeFileSync(f, bad)
    const r = await runCli('verify-quote', '--ak', join(dir, 'ak.pub'), '--ak', f, '--quote', join(dir, 'quote.msg'), '--sig', join(dir, 'quote.sig'), '--nonce', nonce, '--json')
    expect(r.code).toBe(2)
    const text = r.out + r.err
    expect(text).toContain('ERR_CERT_INVALID')
    expect(text).not.toContain('ERR_INTERNAL')
    expect(text).not.toMatch(/\n\s+at /)
  })
})
