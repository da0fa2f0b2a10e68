import { describe, expect, it } from 'vitest'
import { parseCertificate } from '../../src/x509/certificate.js'
import { verifyCertificateChain } from '../../src/x509/chain.js'
import { clearDecodedCertificateCache, decodedCertificate, decodedCertificateFields, DECODED_CERT_CACHE_MAX } from '../../src/x509/decoded_cache.js'
import { toHex } from '../../src/bytes/hex.js'
import { defaultHashProvider } from '../../src/hash/provider.js'
import { issue } from './cert_builder.js'

const sha256 = (b: Uint8Array) => toHex(defaultHashProvider().digest('sha256', b))

describe('decoded certificate cache', () => {
  it('returns the same fields as parseCertificate, keyed by SHA-256', async () => {
    clearDecodedCertificateCache()
    const c = await issue({ subjectCN: 'Example CA 2011', ca: true, keyUsage: 0x06, serial: 4660 })
    const p = parseCertificate(c.der)
    const f = decodedCertificateFields(c.der)
    expect(f).toEqual({
      sha256: sha256(c.der),
      subject: p.subject,
      subjectAttributes: p.subjectAttributes,
      issuer: p.issuer,
      serial: p.serialNumber,
      notBefore: p.notBefore.toISOString(),
      notAfter: p.notAfter.toISOString(),
      commonNames: ['Example CA 2011'],
    })
    // A hit is the same frozen object; a caller's later change to its buffer does not leak in.
    expect(decodedCertificateFields(new Uint8Array(c.der))).toBe(f)
    expect(Object.isFrozen(f)).toBe(true)
    const info = decodedCertificate(c.der)
    expect(decodedCertificate(c.der)).toBe(info)
    expect(info.subject).toBe(p.subject)
    expect(Object.isFrozen(info.subjectAttributes)).toBe(true)
  })

  it('confirms hits by full bytes, not by the key alone', async () => {
    clearDecodedCertificateCache()
    const a = await issue({ subjectCN: 'a' })
    const buf = new Uint8Array(a.der)
    const first = decodedCertificateFields(buf)
    buf[buf.length - 1]! ^= 1 // same buffer, different bytes: a different key and a fresh decode
    const second = decodedCertificateFields(buf)
    expect(second).not.toBe(first)
    expect(second.sha256).not.toBe(first.sha256)
  })

  it('reports undecodable input without throwing, and decodedCertificate throws like parseCertificate', () => {
    clearDecodedCertificateCache()
    const junk = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])
    const f = decodedCertificateFields(junk)
    expect('error' in f && f.error).toMatch(/certificate/)
    expect(() => decodedCertificate(junk)).toThrow(expect.objectContaining({ code: 'ERR_CERT_INVALID' }))
  })

  it('is bounded', async () => {
    clearDecodedCertificateCache()
    const c = await issue({ subjectCN: 'bounded' })
    const first = decodedCertificateFields(c.der)
    for (let i = 0; i <= DECODED_CERT_CACHE_MAX; i++) decodedCertificateFields(new Uint8Array([0x30, 0x01, i & 0xff, i >> 8]))
    expect(decodedCertificateFields(c.der)).not.toBe(first)
    expect(decodedCertificateFields(c.der)).toEqual(first)
  })

  it('chain validation over cached certificates gives the same result twice', async () => {
    clearDecodedCertificateCache()
    const root = await issue({ subjectCN: 'root', ca: true, keyUsage: 0x06 })
    const leaf = await issue({ subjectCN: 'leaf', issuer: root, keyUsage: 0x80 })
    for (let i = 0; i < 2; i++) {
      const r = await verifyCertificateChain(leaf.der, { trustAnchors: [root.der] })
      expect(r.ok).toBe(true)
      expect(r.path.map((c) => c.subject)).toEqual(['CN=leaf', 'CN=root'])
    }
  })
})
