/** Certificate decoding, RFC 5280 path validation at an injected time, AK/EK certificate rules (attacks X-01..X-03). */
import { describe, it, expect } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCertificate, parseCertificates } from '../../src/x509/certificate.js'
import { verifyCertificateChain } from '../../src/x509/chain.js'
import { akCertificateProblems } from '../../src/x509/ak_cert.js'
import { tpmDeviceAttributes } from '../../src/x509/ek_cert.js'
import { pemDecodeAll, derFrom } from '../../src/x509/pem.js'
import { spkiToKeyMaterial, keyMaterialEqual } from '../../src/x509/spki.js'
import { parseTpm2bPublic } from '../../src/tpm/public.js'
import { tpmPublicToKeyMaterial } from '../../src/tpm/keys.js'
import { BootproofError } from '../../src/errors.js'
import { issue, toPem } from './cert_builder.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const CERTS = join(ROOT, 'test-vectors/quotes/certs')
const haveCerts = existsSync(join(CERTS, 'ek-rsa.pem'))
if (!haveCerts) console.warn(`[vectors] ${CERTS} not found: skipping swtpm certificate tests`)
const NOW = new Date('2030-01-01T00:00:00Z')
const AIK = '2.23.133.8.3'

;(haveCerts ? describe : describe.skip)('swtpm EK certificates', () => {
  const read = (f: string) => readFileSync(join(CERTS, f))
  const recorded = () => parseCertificate(read('ek-rsa.pem')).notBefore
  it('decodes subject/issuer/serial/validity/EKU/keyUsage and the TPM SAN', () => {
    const ek = parseCertificate(read('ek-rsa.pem'))
    expect(ek.issuer).toBe('CN=swtpm-localca')
    expect(ek.version).toBe(3)
    expect(ek.extKeyUsage).toEqual(['2.23.133.8.1'])
    expect(ek.keyUsage).toEqual(['keyEncipherment'])
    expect(ek.basicConstraints).toMatchObject({ ca: false, critical: true })
    expect(ek.notAfter.getUTCFullYear()).toBe(9999) // 99991231235959Z GeneralizedTime parses
    expect(tpmDeviceAttributes(ek)).toEqual({ manufacturer: 'id:00001014', manufacturerAscii: '\u0010\u0014'.replace(/[^\x20-\x7e]/g, '') || undefined, model: 'swtpm', version: 'id:20191023' })
  })
  it('EK certificate key equals the EK public area (MakeCredential binding)', () => {
    const ek = parseCertificate(read('ek-rsa.pem'))
    const pub = parseTpm2bPublic(new Uint8Array(read('ek-rsa.pub')))
    expect(keyMaterialEqual(ek.publicKey!, tpmPublicToKeyMaterial(pub))).toBe(true)
    const ecc = parseCertificate(read('ek-ecc.pem'))
    expect(ecc.keyUsage).toContain('keyAgreement')
    expect(keyMaterialEqual(ecc.publicKey!, tpmPublicToKeyMaterial(parseTpm2bPublic(new Uint8Array(read('ek-ecc.pub')))))).toBe(true)
  })
  it('RSA and ECC EK certificates chain to the swtpm local root through the issuer', async () => {
    const now = new Date(recorded().getTime() + 3600_000)
    for (const f of ['ek-rsa.pem', 'ek-ecc.pem']) {
      const r = await verifyCertificateChain(read(f), { trustAnchors: [read('swtpm-localca-rootca.pem')], intermediates: [read('swtpm-localca-issuer.pem')], now })
      expect(r.message).toContain('chains')
      expect(r.ok).toBe(true)
      expect(r.path.map((c) => c.subject)).toEqual(['CN=unknown', 'CN=swtpm-localca', 'CN=swtpm-localca-rootca'])
    }
  })
  it('without the intermediate, without anchors, with the intermediate as the only "root" shipped in evidence → untrusted', async () => {
    const now = new Date(recorded().getTime() + 3600_000)
    expect((await verifyCertificateChain(read('ek-rsa.pem'), { trustAnchors: [read('swtpm-localca-rootca.pem')], now })).code).toBe('ERR_CHAIN_UNTRUSTED')
    expect((await verifyCertificateChain(read('ek-rsa.pem'), { trustAnchors: [], intermediates: [read('swtpm-localca-issuer.pem'), read('swtpm-localca-rootca.pem')], now })).code).toBe('ERR_CHAIN_UNTRUSTED')
    expect((await verifyCertificateChain(read('ek-rsa.pem'), { trustAnchors: [read('test-ak-ca.pem')], intermediates: [read('swtpm-localca-issuer.pem'), read('swtpm-localca-rootca.pem')], now })).code).toBe('ERR_CHAIN_UNTRUSTED')
  })
  it('before notBefore → untrusted (injected time)', async () => {
    const r = await verifyCertificateChain(read('ek-rsa.pem'), { trustAnchors: [read('swtpm-localca-rootca.pem')], intermediates: [read('swtpm-localca-issuer.pem')], now: new Date('2000-01-01T00:00:00Z') })
    expect(r.ok).toBe(false)
  })
  it('AK certificates from the test AK CA satisfy the AK profile', () => {
    for (const f of ['ak-rsassa-sha256.pem', 'ak-ecdsa-p256-sha256.pem']) {
      const c = parseCertificate(read(f))
      expect(c.subject).toBe('')
      expect(akCertificateProblems(c)).toEqual([])
      expect(tpmDeviceAttributes(c)?.model).toBe('swtpm')
    }
  })
  it('the EK certificate is not an AK certificate (EKU 2.23.133.8.1 only)', () => {
    expect(akCertificateProblems(parseCertificate(read('ek-rsa.pem'))).map((p) => p.code)).toContain('ERR_AK_CERT_PROFILE')
  })
})

describe('path validation rules (built chains)', () => {
  it('root → intermediate → leaf validates; validity is checked at the injected time', async () => {
    const root = await issue({ subjectCN: 'root', ca: true, keyUsage: 0x06 })
    const mid = await issue({ subjectCN: 'mid', issuer: root, ca: true, keyUsage: 0x06 })
    const leaf = await issue({ subjectCN: 'leaf', issuer: mid, ca: false, keyUsage: 0x80, eku: [AIK] })
    expect((await verifyCertificateChain(leaf.der, { trustAnchors: [root.der], intermediates: [mid.der], now: NOW })).ok).toBe(true)
    expect((await verifyCertificateChain(leaf.der, { trustAnchors: [root.der], intermediates: [mid.der], now: new Date('2041-01-01T00:00:00Z') })).ok).toBe(false)
  })
  it('X-03: intermediate with CA=false → untrusted', async () => {
    const root = await issue({ subjectCN: 'root', ca: true, keyUsage: 0x06 })
    const mid = await issue({ subjectCN: 'mid', issuer: root, ca: false, keyUsage: 0x06 })
    const leaf = await issue({ subjectCN: 'leaf', issuer: mid, ca: false })
    expect((await verifyCertificateChain(leaf.der, { trustAnchors: [root.der], intermediates: [mid.der], now: NOW })).ok).toBe(false)
  })
  it('X-03: intermediate without keyCertSign → untrusted', async () => {
    const root = await issue({ subjectCN: 'root', ca: true, keyUsage: 0x06 })
    const mid = await issue({ subjectCN: 'mid', issuer: root, ca: true, keyUsage: 0x80 })
    const leaf = await issue({ subjectCN: 'leaf', issuer: mid, ca: false })
    expect((await verifyCertificateChain(leaf.der, { trustAnchors: [root.der], intermediates: [mid.der], now: NOW })).ok).toBe(false)
  })
  it('X-03: pathLen exceeded → untrusted (pkijs does not check it; bootproof does)', async () => {
    const root = await issue({ subjectCN: 'root', ca: true, pathLen: 0, keyUsage: 0x06 })
    const mid = await issue({ subjectCN: 'mid', issuer: root, ca: true, keyUsage: 0x06 })
    const leaf = await issue({ subjectCN: 'leaf', issuer: mid, ca: false })
    const r = await verifyCertificateChain(leaf.der, { trustAnchors: [root.der], intermediates: [mid.der], now: NOW })
    expect(r.ok).toBe(false)
    expect(r.message).toContain('allows 0 intermediate')
  })
  it('X-03: expired intermediate → untrusted', async () => {
    const root = await issue({ subjectCN: 'root', ca: true, keyUsage: 0x06 })
    const mid = await issue({ subjectCN: 'mid', issuer: root, ca: true, keyUsage: 0x06, notAfter: new Date('2025-01-01T00:00:00Z') })
    const leaf = await issue({ subjectCN: 'leaf', issuer: mid, ca: false })
    expect((await verifyCertificateChain(leaf.der, { trustAnchors: [root.der], intermediates: [mid.der], now: NOW })).ok).toBe(false)
  })
  it('X-03: unknown critical extension on the leaf → untrusted', async () => {
    const root = await issue({ subjectCN: 'root', ca: true, keyUsage: 0x06 })
    const leaf = await issue({ subjectCN: 'leaf', issuer: root, ca: false, extraCritical: '1.2.3.4.5' })
    const r = await verifyCertificateChain(leaf.der, { trustAnchors: [root.der], now: NOW })
    expect(r.ok).toBe(false)
    expect(r.message).toContain('1.2.3.4.5')
  })
  it('X-03: SHA-1 signed leaf → untrusted unless allowWeakSignatures', async () => {
    const root = await issue({ subjectCN: 'root', ca: true, keyUsage: 0x06 })
    const leaf = await issue({ subjectCN: 'leaf', issuer: root, ca: false, hash: 'SHA-1' })
    const r = await verifyCertificateChain(leaf.der, { trustAnchors: [root.der], now: NOW })
    expect(r.ok).toBe(false)
    expect(r.message).toContain('SHA1')
    expect((await verifyCertificateChain(leaf.der, { trustAnchors: [root.der], now: NOW, allowWeakSignatures: true })).ok).toBe(true)
  })
  it('a self-signed leaf shipped in the evidence is not trusted', async () => {
    const self = await issue({ subjectCN: 'self', ca: false })
    const other = await issue({ subjectCN: 'root', ca: true, keyUsage: 0x06 })
    expect((await verifyCertificateChain(self.der, { trustAnchors: [other.der], now: NOW })).ok).toBe(false)
  })
  it('a forged signature (wrong issuer key, same name) is untrusted', async () => {
    const root = await issue({ subjectCN: 'root', ca: true, keyUsage: 0x06 })
    const impostor = await issue({ subjectCN: 'root', ca: true, keyUsage: 0x06 })
    const leaf = await issue({ subjectCN: 'leaf', issuer: impostor, ca: false })
    expect((await verifyCertificateChain(leaf.der, { trustAnchors: [root.der], now: NOW })).ok).toBe(false)
  })
})

describe('AK certificate profile (X-01) and EK SAN (X-02)', () => {
  const make = (spec: Parameters<typeof issue>[0]) => issue({ subjectCN: 'ak', ca: false, keyUsage: 0x80, ...spec }).then((c) => parseCertificate(c.der))
  it('EKU membership, not position: [clientAuth, AIK] is accepted', async () => {
    expect(akCertificateProblems(await make({ eku: ['1.3.6.1.5.5.7.3.2', AIK] }))).toEqual([])
  })
  it('EKU clientAuth only / no EKU → ERR_AK_CERT_PROFILE', async () => {
    expect(akCertificateProblems(await make({ eku: ['1.3.6.1.5.5.7.3.2'] })).map((p) => p.code)).toEqual(['ERR_AK_CERT_PROFILE'])
    expect(akCertificateProblems(await make({})).map((p) => p.code)).toEqual(['ERR_AK_CERT_PROFILE'])
  })
  it('CA = true → ERR_AK_CERT_PROFILE; keyUsage without digitalSignature → ERR_AK_CERT_PROFILE', async () => {
    expect(akCertificateProblems(await make({ ca: true, eku: [AIK] })).map((p) => p.code)).toEqual(['ERR_AK_CERT_PROFILE'])
    expect(akCertificateProblems(await make({ keyUsage: 0x20, eku: [AIK] })).map((p) => p.code)).toEqual(['ERR_AK_CERT_PROFILE'])
  })
  it('SPKI ≠ AK key → ERR_AK_CERT_MISMATCH', async () => {
    const c = await make({ eku: [AIK] })
    const other = await issue({ subjectCN: 'x' })
    const otherKey = parseCertificate(other.der).publicKey!
    expect(akCertificateProblems(c, otherKey).map((p) => p.code)).toEqual(['ERR_AK_CERT_MISMATCH'])
    expect(akCertificateProblems(c, c.publicKey)).toEqual([])
  })
  it('TPM SAN decodes in both encodings; vendor bytes decoded as ASCII', async () => {
    for (const multiValued of [false, true]) {
      const c = await make({ emptySubject: true, eku: [AIK], tpmSan: { manufacturer: 'id:49465800', model: 'SLB9670', version: 'id:00070055', multiValued } })
      expect(tpmDeviceAttributes(c)).toEqual({ manufacturer: 'id:49465800', manufacturerAscii: 'IFX', model: 'SLB9670', version: 'id:00070055' })
      expect(c.subject).toBe('')
    }
  })
})

describe('PEM / DER / SPKI decoding', () => {
  it('PEM bundles, labels and bad base64', async () => {
    const a = await issue({ subjectCN: 'a' })
    const b = await issue({ subjectCN: 'b' })
    const bundle = 'subject=a\n' + toPem(a.der) + 'junk\n' + toPem(b.der)
    expect(parseCertificates(bundle).map((c) => c.subject)).toEqual(['CN=a', 'CN=b'])
    expect(pemDecodeAll(bundle)).toHaveLength(2)
    expect(() => pemDecodeAll('-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----')).toThrow(expect.objectContaining({ code: 'ERR_PEM_INVALID' }))
    expect(() => derFrom(bundle, 'CERTIFICATE')).toThrow(expect.objectContaining({ code: 'ERR_PEM_INVALID' }))
  })
  it('certificate with trailing bytes or garbage → ERR_CERT_INVALID', async () => {
    const a = await issue({ subjectCN: 'a' })
    expect(() => parseCertificate(Uint8Array.from([...a.der, 0]))).toThrow(expect.objectContaining({ code: 'ERR_CERT_INVALID' }))
    expect(() => parseCertificate(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01))).toThrow(BootproofError)
  })
  it('SPKI: RSA and EC decode; unsupported curve → ERR_KEY_UNSUPPORTED', async () => {
    const { generateKeyPairSync } = await import('node:crypto')
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'der', type: 'spki' })
    expect(() => spkiToKeyMaterial(new Uint8Array(k1))).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNSUPPORTED' }))
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' })
    expect(spkiToKeyMaterial(new Uint8Array(rsa)).kty).toBe('RSA')
  })
})
