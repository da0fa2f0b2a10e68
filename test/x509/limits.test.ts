/**
 * Certificate decoding limits through the public entry points: every real certificate decodes
 * with room to spare under the defaults, hostile shapes are refused with ERR_CERT_LIMIT /
 * ERR_CERT_INVALID before asn1js runs, and the limits are overridable where certificates enter.
 */
import { describe, expect, it } from 'vitest'
import { BootproofError } from '../../src/errors.js'
import { DEFAULT_X509_LIMITS } from '../../src/limits.js'
import { parseCertificate, parseCertificates } from '../../src/x509/certificate.js'
import { verifyCertificateChain } from '../../src/x509/chain.js'
import { decodedCertificate, decodedCertificateFields } from '../../src/x509/decoded_cache.js'
import { scanCertificateDer } from '../../src/x509/der_scan.js'
import { CORPUS } from '../helpers/corpus.js'
import { toPem } from './cert_builder.js'
import { certificateShape, extension, int, octets, seq, set, tlv, utf8 } from './der_builder.js'
import { realCertificates } from './real_certificates.js'

const real = realCertificates()
if (!CORPUS) console.warn('[x509 limits] corpus absent: checking the committed vectors\' certificates only')

const code = (f: () => unknown): string | undefined => {
  try {
    f()
    return undefined
  } catch (e) {
    if (!(e instanceof BootproofError)) throw e
    return `${e.code}${e.field ? `:${e.field}` : ''}`
  }
}

describe('real certificates under the default limits', () => {
  it(`all ${real.length} decode, and the defaults leave 3x (bytes), 5x (values, OID arcs) and 2x (depth) over the largest`, () => {
    expect(real.length).toBeGreaterThanOrEqual(CORPUS ? 100 : 25)
    let bytes = 0
    let nodes = 0
    let depth = 0
    let arcs = 0
    for (const c of real) {
      const info = parseCertificate(c.der)
      expect(info.der, c.source).toEqual(c.der)
      expect(decodedCertificateFields(c.der), c.source).not.toHaveProperty('error')
      const s = scanCertificateDer(c.der, DEFAULT_X509_LIMITS)
      bytes = Math.max(bytes, c.der.length)
      nodes = Math.max(nodes, s.nodes)
      depth = Math.max(depth, s.depth)
      arcs = Math.max(arcs, s.oidArcs)
    }
    expect(bytes * 3).toBeLessThanOrEqual(DEFAULT_X509_LIMITS.maxCertificateBytes)
    expect(nodes * 5).toBeLessThanOrEqual(DEFAULT_X509_LIMITS.maxCertificateDerNodes)
    expect(depth * 2).toBeLessThanOrEqual(DEFAULT_X509_LIMITS.maxCertificateDerDepth)
    expect(arcs * 5).toBeLessThanOrEqual(DEFAULT_X509_LIMITS.maxCertificateOidArcs)
  })
})

// Shapes that decode as certificates once their limit is raised.
const oversize = certificateShape({ extensions: [extension('1.2.3.4', octets(new Uint8Array(DEFAULT_X509_LIMITS.maxCertificateBytes)))] })
const manyRdns = certificateShape({ subjectRdns: 300 })
const manyIntegers = certificateShape({ extensions: [extension('1.2.3.4', seq(...Array.from({ length: 10_000 }, () => int(1))))] })
const deep = ((): Uint8Array => {
  let v = int(1)
  for (let i = 0; i < DEFAULT_X509_LIMITS.maxCertificateDerDepth; i++) v = seq(v)
  return certificateShape({ extensions: [extension('1.2.3.4', v)] })
})()

describe('parseCertificate refuses before decoding', () => {
  it('over maxCertificateBytes → ERR_CERT_LIMIT (DER and PEM)', () => {
    expect(code(() => parseCertificate(oversize))).toBe('ERR_CERT_LIMIT:maxCertificateBytes')
    expect(code(() => parseCertificate(toPem(oversize)))).toBe('ERR_CERT_LIMIT:maxCertificateBytes')
    expect(code(() => parseCertificates(toPem(oversize) + toPem(manyRdns)))).toBe('ERR_CERT_LIMIT:maxCertificateBytes')
  })

  it('a subject of 300 RDNs (1 200 values) → ERR_CERT_LIMIT maxCertificateDerNodes', () => {
    expect(manyRdns.length).toBeLessThan(DEFAULT_X509_LIMITS.maxCertificateBytes)
    expect(code(() => parseCertificate(manyRdns))).toBe('ERR_CERT_LIMIT:maxCertificateDerNodes')
  })

  it('10 000 INTEGERs in an extension value → ERR_CERT_LIMIT (bytes first, values once bytes are raised)', () => {
    expect(code(() => parseCertificate(manyIntegers))).toBe('ERR_CERT_LIMIT:maxCertificateBytes')
    expect(code(() => parseCertificate(manyIntegers, { limits: { maxCertificateBytes: 64 * 1024 } }))).toBe('ERR_CERT_LIMIT:maxCertificateDerNodes')
  })

  it('nesting one level past maxCertificateDerDepth inside an extension → ERR_CERT_LIMIT', () => {
    expect(code(() => parseCertificate(deep))).toBe('ERR_CERT_LIMIT:maxCertificateDerDepth')
  })

  it('a subject attribute type of 12 000 zero arcs (a fuzzed EK certificate that peaked at 9 MiB) → ERR_CERT_LIMIT maxCertificateOidArcs', () => {
    const longOid = tlv(0x06, Uint8Array.from([0x55, 0x04, 0x03, ...new Uint8Array(12_000)]))
    const der = certificateShape({ subject: seq(set(seq(longOid, utf8('x')))) })
    expect(code(() => parseCertificate(der))).toBe('ERR_CERT_LIMIT:maxCertificateOidArcs')
    expect(parseCertificate(der, { limits: { maxCertificateOidArcs: 16_384 } }).subjectAttributes[0]!.oid).toMatch(/^2\.5\.4\.3\.0\.0\./)
  })

  it('indefinite length → ERR_CERT_INVALID', () => {
    const c = certificateShape()
    // Outer SEQUENCE re-encoded with the indefinite form and an end-of-contents marker.
    const body = c.subarray(4)
    const indefinite = Uint8Array.from([0x30, 0x80, ...body, 0x00, 0x00])
    expect(c[1]).toBe(0x82)
    expect(code(() => parseCertificate(indefinite))).toBe('ERR_CERT_INVALID')
  })

  it('trailing bytes → ERR_CERT_INVALID', () => {
    expect(code(() => parseCertificate(Uint8Array.from([...certificateShape(), 0])))).toBe('ERR_CERT_INVALID')
  })

  it('each shape decodes when the caller raises the limit it exceeds', () => {
    expect(parseCertificate(oversize, { limits: { maxCertificateBytes: 32 * 1024 } }).version).toBe(3)
    expect(parseCertificate(manyRdns, { limits: { maxCertificateDerNodes: 2048 } }).subjectAttributes).toHaveLength(300)
    expect(parseCertificate(manyIntegers, { limits: { maxCertificateBytes: 64 * 1024, maxCertificateDerNodes: 16_384 } }).extensions).toHaveLength(1)
    expect(parseCertificate(deep, { limits: { maxCertificateDerDepth: 64 } }).extensions).toHaveLength(1)
  })
})

describe('the other entry points', () => {
  it('decodedCertificateFields reports the limit without throwing; decodedCertificate throws it', () => {
    expect(decodedCertificateFields(manyRdns)).toMatchObject({ error: expect.stringContaining('maxCertificateDerNodes') })
    expect(decodedCertificateFields(oversize)).toMatchObject({ error: expect.stringContaining('maxCertificateBytes') })
    expect(code(() => decodedCertificate(manyRdns))).toBe('ERR_CERT_LIMIT:maxCertificateDerNodes')
  })

  it('decodedCertificate with limits decodes outside the cache', () => {
    const a = decodedCertificate(manyRdns, { limits: { maxCertificateDerNodes: 2048 } })
    expect(a.subjectAttributes).toHaveLength(300)
    expect(decodedCertificate(manyRdns, { limits: { maxCertificateDerNodes: 2048 } })).not.toBe(a)
    expect(decodedCertificateFields(manyRdns)).toHaveProperty('error')
  })

  it('verifyCertificateChain throws ERR_CERT_LIMIT for an over-limit input, and honours options.limits', async () => {
    const anchor = certificateShape({ subjectRdns: 2 })
    await expect(verifyCertificateChain(manyRdns, { trustAnchors: [anchor] })).rejects.toMatchObject({ code: 'ERR_CERT_LIMIT', field: 'maxCertificateDerNodes' })
    await expect(verifyCertificateChain(anchor, { trustAnchors: [anchor], intermediates: [oversize] })).rejects.toMatchObject({ code: 'ERR_CERT_LIMIT' })
    // Decoded under the raised limit; the zero signature cannot validate, so the path is untrusted.
    const r = await verifyCertificateChain(manyRdns, { trustAnchors: [anchor], limits: { maxCertificateDerNodes: 2048 } })
    expect(r).toMatchObject({ ok: false, code: 'ERR_CHAIN_UNTRUSTED' })
  })
})
