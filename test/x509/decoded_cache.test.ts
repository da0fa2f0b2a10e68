import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { parseCertificate } from '../../src/x509/certificate.js'
import { verifyCertificateChain } from '../../src/x509/chain.js'
import {
  clearDecodedCertificateCache, decodedCertificate, decodedCertificateCacheSize, decodedCertificateFields, DECODED_CERT_CACHE_MAX, DECODED_CERT_CACHE_MAX_BYTES,
} from '../../src/x509/decoded_cache.js'
import { DEFAULT_X509_LIMITS } from '../../src/limits.js'
import { certificateShape, extension, octets } from './der_builder.js'
import { toHex } from '../../src/bytes/hex.js'
import { defaultHashProvider } from '../../src/hash/provider.js'
import { issue, toPem } from './cert_builder.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
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

  it('is bounded by bytes of DER too, least recently used dropped first', () => {
    clearDecodedCertificateCache()
    // Distinct certificates of ~15 KiB: an opaque extension value numbered i.
    const padded = (i: number) => {
      const pad = new Uint8Array(15 * 1024)
      pad[0] = i & 0xff
      pad[1] = i >> 8
      return certificateShape({ extensions: [extension('1.2.3.4', octets(pad))] })
    }
    const certs = Array.from({ length: 100 }, (_, i) => padded(i))
    expect(certs[0]!.length * certs.length).toBeGreaterThan(DECODED_CERT_CACHE_MAX_BYTES)
    expect(certs.length).toBeLessThan(DECODED_CERT_CACHE_MAX)
    const first = decodedCertificateFields(certs[0]!)
    const second = decodedCertificateFields(certs[1]!)
    expect(first).not.toHaveProperty('error')
    for (const c of certs.slice(2)) {
      decodedCertificateFields(c)
      decodedCertificateFields(certs[0]!) // kept in use: never the least recently used
      const { entries, bytes } = decodedCertificateCacheSize()
      expect(bytes).toBeLessThanOrEqual(DECODED_CERT_CACHE_MAX_BYTES)
      expect(bytes).toBe(entries * certs[0]!.length)
    }
    expect(decodedCertificateCacheSize().entries).toBe(Math.floor(DECODED_CERT_CACHE_MAX_BYTES / certs[0]!.length))
    expect(decodedCertificateFields(certs[0]!)).toBe(first)
    expect(decodedCertificateFields(certs[99]!)).toBe(decodedCertificateFields(certs[99]!))
    const again = decodedCertificateFields(certs[1]!)
    expect(again).not.toBe(second)
    expect(again).toEqual(second)
  })

  it('never keeps an input over maxCertificateBytes', () => {
    clearDecodedCertificateCache()
    const big = certificateShape({ extensions: [extension('1.2.3.4', octets(new Uint8Array(DEFAULT_X509_LIMITS.maxCertificateBytes)))] })
    expect(decodedCertificateFields(big)).toMatchObject({ sha256: sha256(big), error: expect.stringContaining('maxCertificateBytes') })
    expect(decodedCertificateCacheSize()).toEqual({ entries: 0, bytes: 0 })
    expect(() => decodedCertificate(big)).toThrow(expect.objectContaining({ code: 'ERR_CERT_LIMIT', field: 'maxCertificateBytes' }))
  })

  it('holds the pkijs object weakly and rebuilds it from a private copy of the DER (PEM input too)', async () => {
    clearDecodedCertificateCache()
    const c = await issue({ subjectCN: 'pem input' })
    const info = decodedCertificate(new TextEncoder().encode(toPem(c.der)))
    expect(info.der).toEqual(c.der)
    const weak = new WeakRef(info.pkijs)
    expect(new Uint8Array(weak.deref()!.tbsView)).toEqual(new Uint8Array(parseCertificate(c.der).pkijs.tbsView))
    info.der.fill(0) // a caller damaging the copy it was given changes nothing cached
    await new Promise((r) => setTimeout(r, 0))
    gc()
    expect(weak.deref()).toBeUndefined() // nothing in the cache kept it alive
    expect(info.pkijs.subject.typesAndValues[0]!.value.valueBlock.value).toBe('pem input')
    expect(decodedCertificate(new TextEncoder().encode(toPem(c.der)))).toBe(info)
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
