/**
 * CRL matching and revocation. Real Intel CRLs (Root CA, PCK Platform CA) are read and checked
 * against the real chain; a revoked certificate needs a CRL signed by its issuer, which only a
 * test CA can produce: the revocation cases below use a chain and CRLs made by a test CA
 * (test/x509/cert_builder.ts) and run the same functions verifyTdxQuote runs.
 */
import * as asn1js from 'asn1js'
import { CertificateRevocationList, CryptoEngine, RevokedCertificate, Time } from 'pkijs'
import { webcrypto } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkCrls, normalizeSerial, parseCrl, revokedCertificates } from '../../../src/cvm/tdx/crl.js'
import { INTEL_SGX_ROOT_CA, isBootproofError, parseTdxQuote } from '../../../src/index.js'
import { toCertificateInfo } from '../../../src/x509/chain.js'
import { issue, type Issued } from '../../x509/cert_builder.js'
import { vector } from './helpers.js'

const crypto = webcrypto as unknown as Crypto
const engine = new CryptoEngine({ name: 'test', crypto })
const NOW = new Date('2025-07-01T00:00:00Z')

async function makeCrl(issuer: Issued, serials: number[], thisUpdate: Date, nextUpdate: Date, signer: Issued = issuer): Promise<Uint8Array> {
  const crl = new CertificateRevocationList()
  crl.version = 1
  crl.issuer = issuer.cert.subject
  crl.thisUpdate = new Time({ type: 0, value: thisUpdate })
  crl.nextUpdate = new Time({ type: 0, value: nextUpdate })
  crl.revokedCertificates = serials.map((s) => new RevokedCertificate({ userCertificate: new asn1js.Integer({ value: s }), revocationDate: new Time({ type: 0, value: thisUpdate }) }))
  await crl.sign(signer.keys.privateKey, 'SHA-256', engine)
  return new Uint8Array(crl.toSchema(true).toBER(false))
}

async function testPki(): Promise<{ root: Issued; ca: Issued; leaf: Issued; other: Issued }> {
  const root = await issue({ subjectCN: 'Test SGX Root CA', ca: true, pathLen: 1, keyUsage: 0x06 })
  const ca = await issue({ subjectCN: 'Test PCK Platform CA', issuer: root, ca: true, pathLen: 0, keyUsage: 0x06, serial: 7 })
  const leaf = await issue({ subjectCN: 'Test PCK Certificate', issuer: ca, keyUsage: 0x80, serial: 0x4242 })
  const other = await issue({ subjectCN: 'Test PCK Platform CA', ca: true, keyUsage: 0x06 }) // same name, other key
  return { root, ca, leaf, other }
}

describe('TDX CRLs: real Intel CRLs', () => {
  it('the Root CA CRL and the PCK Platform CA CRL of dcap-qvl verify against the pinned root and the quote\'s PCK CA', async () => {
    const j = JSON.parse(new TextDecoder().decode(vector('dcap-qvl/tdx_quote_collateral.json'))) as { root_ca_crl: string; pck_crl: string }
    const crls = [parseCrl(Uint8Array.from(Buffer.from(j.root_ca_crl, 'hex'))), parseCrl(Uint8Array.from(Buffer.from(j.pck_crl, 'hex')))]
    expect(crls[1]!.issuer).toContain('CN=Intel SGX PCK Platform CA')
    expect(crls[1]!.revoked.size).toBe(44)
    const q = parseTdxQuote(vector('dcap-qvl/tdx_quote'))
    const [leaf, ca] = q.pckChain.map((d) => toCertificateInfo(d))
    const uses = await checkCrls(crls, [toCertificateInfo(INTEL_SGX_ROOT_CA), ca!], NOW, crypto)
    expect(uses.map((u) => u.problem)).toEqual([undefined, undefined])
    expect(revokedCertificates(crls, uses, [leaf!, ca!])).toEqual([])
  })

  it('reads PEM as well as DER; other PEM labels and truncated DER are thrown', () => {
    const der = vector('go-tdx-guest/rootcrl.der')
    const pem = `-----BEGIN X509 CRL-----\n${Buffer.from(der).toString('base64')}\n-----END X509 CRL-----\n`
    expect(parseCrl(pem).issuer).toBe(parseCrl(der).issuer)
    const code = (f: () => unknown): string | undefined => {
      try {
        f()
      } catch (e) {
        return isBootproofError(e) ? e.code : 'not a BootproofError'
      }
      return undefined
    }
    expect(code(() => parseCrl(pem.replace(/X509 CRL/g, 'CERTIFICATE')))).toBe('ERR_PEM_INVALID')
    for (let n = 0; n < der.length; n += 7) expect(code(() => parseCrl(der.subarray(0, n)))).toMatch(/^ERR_(TDX_CRL_MALFORMED|PEM_INVALID)$/)
  })

  it('normalizes serials (a DER INTEGER carries 00 before a high bit)', () => {
    expect(normalizeSerial('00BBA6')).toBe('bba6')
    expect(normalizeSerial('00')).toBe('00')
  })
})

describe('TDX CRLs: revocation (test CA)', () => {
  it('a PCK serial listed in a CRL of its issuer: revoked', async () => {
    const { root, ca, leaf } = await testPki()
    const crl = parseCrl(await makeCrl(ca, [0x10, 0x4242], new Date('2025-06-01Z'), new Date('2025-08-01Z')))
    const [leafInfo, caInfo] = [toCertificateInfo(leaf.der), toCertificateInfo(ca.der)]
    const uses = await checkCrls([crl], [toCertificateInfo(root.der), caInfo], NOW, crypto)
    expect(uses[0]!.problem).toBeUndefined()
    expect(revokedCertificates([crl], uses, [leafInfo, caInfo])).toEqual([expect.stringContaining('"CN=Test PCK Certificate" (serial 4242) is revoked by CRL 0')])
  })

  it('a root CRL that lists the intermediate: revoked; it says nothing about the leaf (another issuer)', async () => {
    const { root, ca, leaf } = await testPki()
    const crl = parseCrl(await makeCrl(root, [7, 0x4242], new Date('2025-06-01Z'), new Date('2025-08-01Z')))
    const [leafInfo, caInfo] = [toCertificateInfo(leaf.der), toCertificateInfo(ca.der)]
    const uses = await checkCrls([crl], [toCertificateInfo(root.der), caInfo], NOW, crypto)
    expect(revokedCertificates([crl], uses, [leafInfo, caInfo])).toEqual([expect.stringContaining('"CN=Test PCK Platform CA" (serial 07)')])
  })

  it('a CRL in the issuer\'s name but signed by another key: unusable, so it revokes nothing', async () => {
    const { root, ca, leaf, other } = await testPki()
    const crl = parseCrl(await makeCrl(ca, [0x4242], new Date('2025-06-01Z'), new Date('2025-08-01Z'), other))
    const uses = await checkCrls([crl], [toCertificateInfo(root.der), toCertificateInfo(ca.der)], NOW, crypto)
    expect(uses[0]!.problem).toContain('is not signed by')
    expect(revokedCertificates([crl], uses, [toCertificateInfo(leaf.der)])).toEqual([])
  })

  it('a CRL outside thisUpdate..nextUpdate, or from an issuer outside the chain: unusable', async () => {
    const { root, ca } = await testPki()
    const issuers = [toCertificateInfo(root.der), toCertificateInfo(ca.der)]
    const expired = parseCrl(await makeCrl(ca, [], new Date('2025-01-01Z'), new Date('2025-02-01Z')))
    const future = parseCrl(await makeCrl(ca, [], new Date('2025-09-01Z'), new Date('2025-10-01Z')))
    const stranger = await issue({ subjectCN: 'Somebody Else CA', ca: true, keyUsage: 0x06 })
    const foreign = parseCrl(await makeCrl(stranger, [], new Date('2025-06-01Z'), new Date('2025-08-01Z')))
    const uses = await checkCrls([expired, future, foreign], issuers, NOW, crypto)
    expect(uses.map((u) => u.problem)).toEqual([expect.stringContaining('expired'), expect.stringContaining('not yet valid'), expect.stringContaining('not a certificate of the chain')])
  })
})
