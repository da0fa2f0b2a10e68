/**
 * The boot state reaches the certificate cache through the decoder's fingerprint: a hit must be
 * exact (full bytes), so a wrong or forged fingerprint never returns another certificate's fields.
 */
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { certificateFields } from '../../src/state/certificate_fields.js'
import { decodedCertificateFields } from '../../src/x509/decoded_cache.js'
import { pemDecode } from '../../src/x509/pem.js'
import { REPO_ROOT } from '../helpers/corpus.js'

const pem = (rel: string) => pemDecode(readFileSync(join(REPO_ROOT, rel), 'utf8'), ['CERTIFICATE'])[0]!
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

describe('certificate fields by fingerprint', () => {
  const a = pem('test-vectors/quotes/certs/ek-rsa.pem')
  const b = pem('test-vectors/quotes/rsassa-sha256/ak-cert.pem')

  it('returns the library cache fields, also on the remembered path', () => {
    const want = decodedCertificateFields(a)
    expect(certificateFields(a, sha(a))).toEqual(want)
    expect(certificateFields(a.slice(), sha(a))).toEqual(want)
    expect('subject' in want && want.subject.length).toBeGreaterThan(0)
  })

  it('a certificate claiming another one\'s fingerprint gets its own fields', () => {
    certificateFields(a, sha(a))
    const got = certificateFields(b, sha(a))
    expect(got).toEqual(decodedCertificateFields(b))
    expect(got.sha256).toBe(sha(b))
    // and the genuine one is still served exactly
    expect(certificateFields(a, sha(a)).sha256).toBe(sha(a))
  })

  it('a buffer changed after it was remembered is looked up again, not served from the memo', () => {
    const c = a.slice()
    certificateFields(c, sha(c))
    c[c.length - 2] = c[c.length - 2]! ^ 0xff
    const got = certificateFields(c, sha(a))
    expect(got.sha256).toBe(sha(c))
  })
})
