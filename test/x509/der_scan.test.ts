/**
 * The DER pre-scan on its own: what it counts (TLVs, depth, encapsulated content), the DER rules
 * it enforces (X.690 §10.1 definite lengths, §10.2 primitive strings, §8.9.1 constructed
 * SEQUENCE) and the limits, each failure with its own code and field.
 */
import { describe, expect, it } from 'vitest'
import { BootproofError } from '../../src/errors.js'
import { DEFAULT_X509_LIMITS, resolveX509Limits } from '../../src/limits.js'
import { scanCertificateDer } from '../../src/x509/der_scan.js'
import { certificateShape, concat, extension, int, lengthOctets, octets, oid, seq, set, tlv, utf8 } from './der_builder.js'

const scan = (der: Uint8Array, limits: Partial<typeof DEFAULT_X509_LIMITS> = {}) => scanCertificateDer(der, resolveX509Limits(limits))

function codeOf(f: () => unknown): { code: string; field?: string | undefined } {
  try {
    f()
  } catch (e) {
    if (!(e instanceof BootproofError)) throw e
    return { code: e.code, field: e.field }
  }
  throw new Error('did not throw')
}

/** `depth` SEQUENCEs around one INTEGER, written outside-in in one pass (no copy per level). */
function nest(depth: number): Uint8Array {
  const headers: Uint8Array[] = []
  let len = 3
  for (let i = 0; i < depth; i++) {
    const h = concat(Uint8Array.of(0x30), lengthOctets(len))
    headers.push(h)
    len += h.length
  }
  return concat(...headers.reverse(), int(1))
}

describe('counting', () => {
  it('counts every TLV and the deepest level', () => {
    // SEQUENCE { INTEGER, SEQUENCE { INTEGER, INTEGER } }: 5 values, depth 3.
    expect(scan(seq(int(1), seq(int(2), int(3))))).toEqual({ nodes: 5, depth: 3, oidArcs: 0 })
  })

  it('counts the TLV an OCTET STRING holds (an extension value) and a BIT STRING with no unused bits', () => {
    expect(scan(seq(octets(seq(int(1), int(2)))))).toMatchObject({ nodes: 5, depth: 4 })
    expect(scan(seq(tlv(0x03, Uint8Array.of(0), seq(int(1)))))).toMatchObject({ nodes: 4, depth: 4 })
    // Unused bits: the content is a bit string, not DER.
    expect(scan(seq(tlv(0x03, Uint8Array.of(1), seq(int(1)))))).toMatchObject({ nodes: 2, depth: 2 })
  })

  it('OCTET STRING content that is not exactly one TLV is opaque', () => {
    expect(scan(seq(octets(int(1), int(2))))).toMatchObject({ nodes: 2, depth: 2 })
    expect(scan(seq(octets(Uint8Array.of(0xde, 0xad, 0xbe, 0xef))))).toMatchObject({ nodes: 2, depth: 2 })
  })

  it('malformed DER inside encapsulated content stops that inner walk only', () => {
    // The OCTET STRING holds one SEQUENCE whose content is an indefinite length and a
    // constructed INTEGER: opaque octets to DER, so the certificate scan goes on past it.
    const inner = tlv(0x30, Uint8Array.of(0x30, 0x80, 0x00, 0x00))
    expect(scan(seq(octets(inner), int(5)))).toMatchObject({ nodes: 4, depth: 3 })
    expect(scan(seq(octets(seq(tlv(0x22, int(1)))), int(5))).nodes).toBe(4)
    // Nested encapsulation: the error closes the innermost encapsulated value only.
    expect(scan(seq(octets(seq(octets(tlv(0x30, Uint8Array.of(0x05, 0x80))), int(7)))))).toMatchObject({ nodes: 6, depth: 5 })
  })

  it('counts OBJECT IDENTIFIER sub-identifiers, inside extension values too', () => {
    // 2.5.4.3 is 3 sub-identifiers (55 04 03); 1.2.840.113549 is 3 (2a 86 48 86 f7 0d).
    expect(scan(seq(oid('2.5.4.3'), octets(oid('1.2.840.113549'))))).toEqual({ nodes: 4, depth: 3, oidArcs: 6 })
  })

  it('a real-shaped certificate scans within the default limits', () => {
    const r = scan(certificateShape({ subjectRdns: 3 }))
    expect(r.nodes).toBeGreaterThan(30)
    expect(r.depth).toBeLessThanOrEqual(8)
  })
})

describe('DER rules → ERR_CERT_INVALID', () => {
  const invalid = (der: Uint8Array) => expect(codeOf(() => scan(der)).code).toBe('ERR_CERT_INVALID')

  it('indefinite length on the outer SEQUENCE (BER, X.690 §10.1)', () => invalid(Uint8Array.of(0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00)))
  it('indefinite length inside the certificate', () => invalid(seq(Uint8Array.of(0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00))))
  it('bytes after the outer SEQUENCE', () => invalid(concat(seq(int(1)), Uint8Array.of(0))))
  it('a value running past its parent', () => invalid(Uint8Array.of(0x30, 0x04, 0x30, 0x05, 0x02, 0x01)))
  it('truncated input', () => invalid(seq(int(1), int(2)).subarray(0, 6)))
  it('constructed OCTET STRING (X.690 §10.2)', () => invalid(seq(tlv(0x24, octets(int(1))))))
  it('primitive SEQUENCE (X.690 §8.9.1)', () => invalid(seq(tlv(0x10, Uint8Array.of(1)))))
  it('length octets longer than 4', () => invalid(seq(Uint8Array.of(0x04, 0x85, 0, 0, 0, 0, 1, 0))))
  it('an outer value that is not a SEQUENCE', () => invalid(tlv(0x31, int(1))))
  it('empty input', () => invalid(new Uint8Array(0)))
})

describe('limits → ERR_CERT_LIMIT with the limit named in `field`', () => {
  it('maxCertificateBytes, checked before the first byte is read', () => {
    const big = certificateShape({ extensions: [extension('1.2.3.4', octets(new Uint8Array(DEFAULT_X509_LIMITS.maxCertificateBytes)))] })
    expect(codeOf(() => scan(big))).toEqual({ code: 'ERR_CERT_LIMIT', field: 'maxCertificateBytes' })
    expect(scan(big, { maxCertificateBytes: big.length }).nodes).toBeLessThan(100)
  })

  it('maxCertificateDerNodes: 10 000 INTEGERs in a SEQUENCE, and the same inside an extension value', () => {
    const ints = seq(...Array.from({ length: 10_000 }, () => int(1)))
    expect(codeOf(() => scan(seq(ints), { maxCertificateBytes: 1 << 20 }))).toEqual({ code: 'ERR_CERT_LIMIT', field: 'maxCertificateDerNodes' })
    const inExtension = certificateShape({ extensions: [extension('1.2.3.4', seq(...Array.from({ length: 1100 }, () => int(1))))] })
    expect(inExtension.length).toBeLessThan(DEFAULT_X509_LIMITS.maxCertificateBytes)
    expect(codeOf(() => scan(inExtension))).toEqual({ code: 'ERR_CERT_LIMIT', field: 'maxCertificateDerNodes' })
    expect(scan(inExtension, { maxCertificateDerNodes: 2000 }).nodes).toBeGreaterThan(1100)
  })

  it('maxCertificateDerDepth: nested SEQUENCEs, directly and inside an extension value', () => {
    const limit = DEFAULT_X509_LIMITS.maxCertificateDerDepth
    expect(scan(nest(limit - 1)).depth).toBe(limit)
    expect(codeOf(() => scan(nest(limit)))).toEqual({ code: 'ERR_CERT_LIMIT', field: 'maxCertificateDerDepth' })
    expect(codeOf(() => scan(certificateShape({ extensions: [extension('1.2.3.4', nest(limit))] })))).toEqual({ code: 'ERR_CERT_LIMIT', field: 'maxCertificateDerDepth' })
    expect(scan(nest(100), { maxCertificateDerDepth: 101 }).depth).toBe(101)
  })

  it('maxCertificateOidArcs: one OID of 12 000 zero arcs in a subject attribute (a 9 MiB decode)', () => {
    const longOid = tlv(0x06, Uint8Array.from([0x55, 0x04, 0x03, ...new Uint8Array(12_000)]))
    const der = certificateShape({ subject: seq(set(seq(longOid, utf8('x')))) })
    expect(codeOf(() => scan(der))).toEqual({ code: 'ERR_CERT_LIMIT', field: 'maxCertificateOidArcs' })
    expect(scan(der, { maxCertificateOidArcs: 20_000 }).oidArcs).toBeGreaterThan(12_000)
  })

  it('10 000 levels of nesting are refused without recursion', () => {
    expect(codeOf(() => scan(nest(10_000), { maxCertificateBytes: 1 << 20 }))).toEqual({ code: 'ERR_CERT_LIMIT', field: 'maxCertificateDerDepth' })
  })

  it('limits must be non-negative safe integers', () => {
    expect(() => resolveX509Limits({ maxCertificateDerNodes: -1 })).toThrow(TypeError)
    expect(() => resolveX509Limits({ maxCertificateBytes: 1.5 })).toThrow(TypeError)
  })
})
