/**
 * The pinned Intel SGX Root CA: its SHA-256 as cited, its identity, and that it is the root
 * carried by every public quote and by go-tdx-guest's copy of Intel's published PEM.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { INTEL_SGX_ROOT_CA, INTEL_SGX_ROOT_CA_SHA256, parseTdxQuote } from '../../../src/index.js'
import { toHex } from '../../../src/bytes/hex.js'
import { parseCertificate } from '../../../src/x509/certificate.js'
import { SAMPLES, vector, vectorText } from './helpers.js'

describe('Intel SGX Root CA (pinned)', () => {
  it('has the cited SHA-256, subject, serial and validity', () => {
    expect(createHash('sha256').update(INTEL_SGX_ROOT_CA).digest('hex')).toBe(INTEL_SGX_ROOT_CA_SHA256)
    expect(INTEL_SGX_ROOT_CA_SHA256).toBe('44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3')
    const c = parseCertificate(INTEL_SGX_ROOT_CA)
    expect(c.subject).toBe('CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US')
    expect(c.issuer).toBe(c.subject)
    expect(c.serialNumber.toUpperCase()).toBe('22650CD65A9D3489F383B49552BF501B392706AC')
    expect(c.notBefore.toISOString()).toBe('2018-05-21T10:45:10.000Z')
    expect(c.notAfter.toISOString()).toBe('2049-12-31T23:59:59.000Z')
    expect(c.publicKey).toMatchObject({ kty: 'EC', crv: 'P-256' })
  })

  it('equals go-tdx-guest verify/trusted_root.pem and the last certificate of every sample quote', () => {
    expect(toHex(parseCertificate(vectorText('go-tdx-guest/trusted_root.pem')).der)).toBe(toHex(INTEL_SGX_ROOT_CA))
    for (const s of SAMPLES) {
      const q = parseTdxQuote(vector(s.name), s.trailing ? { trailing: s.trailing } : {})
      expect(toHex(q.pckChain[2]!), s.name).toBe(toHex(INTEL_SGX_ROOT_CA))
    }
  })
})
