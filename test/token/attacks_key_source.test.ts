/**
 * Token attacks on where the verification key comes from (J-03 jku / x5u / jwk injection and
 * foreign instances, J-04 x5c not anchored, J-05 kid tricks and JWKS ambiguity).
 * Tokens are built by hand with software keys (helpers.ts) so that headers and payloads can be
 * malformed in exactly the way each attack needs; one named case per attack variant, each
 * asserting the specific error code.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { verifyMaaToken, type VerifyMaaOptions } from '../../src/token/verify_maa.js'
import { verifyEar } from '../../src/token/verify_ear.js'
import { issueEar } from '../../src/token/issue_ear.js'
import { createMaaJwksFetcher } from '../../src/token/jwks_source.js'
import { CORPUS } from '../helpers/corpus.js'
import {
  CERTS_URL, INSTANCE, MAA_EKU, NOW, b64u, corpusText, fromB64u, jwksOf, maaPayload, makeCert, makeSigner, sha1Kid, sign, signRaw, type Signer,
  type TestCert,
} from './helpers.js'
import { codes, maa, opts, good, useMaaSigner } from './attack_helpers.js'

useMaaSigner()

describe('J-03 jku / x5u / jwk injection and foreign instances', () => {
  it('(a) jku = attacker URL, signed by the attacker → ERR_JWT_KEY_SOURCE_FORBIDDEN; nothing fetched', async () => {
    const attacker = await makeSigner('RS256')
    let fetched = 0
    const fetcher = createMaaJwksFetcher({ instanceUrl: INSTANCE, fetch: async () => (fetched++, new Response('{"keys":[]}')) })
    const t = await sign({ kid: 'k0', jku: 'https://attacker.example/certs' }, maaPayload(), attacker)
    const r = await verifyMaaToken(t, opts({ jwks: undefined, jwksFetcher: fetcher }))
    expect(codes(r)).toEqual(['ERR_JWT_KEY_SOURCE_FORBIDDEN'])
    expect(fetched).toBe(0)
  })
  it('(b) genuine-shaped token of instance B (iss and jku B) while A is pinned → FORBIDDEN + ISSUER', async () => {
    const b = 'https://attackerinst.eus.attest.azure.net'
    const t = await sign({ kid: 'k0', jku: `${b}/certs` }, maaPayload({ iss: b }), maa)
    expect(codes(await verifyMaaToken(t, opts()))).toEqual(['ERR_JWT_KEY_SOURCE_FORBIDDEN', 'ERR_JWT_ISSUER'])
  })
  it('(b) same signing chain, other instance, no jku → ERR_JWT_ISSUER', async () => {
    const t = await sign({ kid: 'k0' }, maaPayload({ iss: 'https://attackerinst.eus.attest.azure.net' }), maa)
    expect(codes(await verifyMaaToken(t, opts()))).toEqual(['ERR_JWT_ISSUER'])
  })
  const jkuVariants = [
    'https://myinst.eus.attest.azure.net.evil.com/certs',
    'https://myinst.eus.attest.azure.net@evil/',
    'http://169.254.169.254/metadata/identity',
    'file:///etc/passwd',
    'http://myinst.eus.attest.azure.net/certs',
    'https://myinst.eus.attest.azure.net/certs/',
    'https://MYINST.eus.attest.azure.net/certs',
    'https://myinst.eus.attest.azure.net/certs?x=1',
  ]
  for (const jku of jkuVariants) {
    it(`(c) jku ${jku} → ERR_JWT_KEY_SOURCE_FORBIDDEN`, async () => {
      const t = await sign({ kid: 'k0', jku }, maaPayload(), maa)
      expect(codes(await verifyMaaToken(t, opts()))).toEqual(['ERR_JWT_KEY_SOURCE_FORBIDDEN'])
    })
  }
  it('(d) embedded jwk (attacker key, attacker signature) → ERR_JWT_KEY_SOURCE_FORBIDDEN', async () => {
    const attacker = await makeSigner('RS256')
    const t = await sign({ kid: 'k0', jwk: attacker.publicJwk }, maaPayload(), attacker)
    expect(codes(await verifyMaaToken(t, opts()))).toEqual(['ERR_JWT_KEY_SOURCE_FORBIDDEN'])
  })
  it('(d) embedded jwk equal to the trusted key is still refused in MAA', async () => {
    const t = await sign({ kid: 'k0', jwk: maa.publicJwk }, maaPayload(), maa)
    expect(codes(await verifyMaaToken(t, opts()))).toEqual(['ERR_JWT_KEY_SOURCE_FORBIDDEN'])
  })
  it('x5u header → ERR_JWT_KEY_SOURCE_FORBIDDEN', async () => {
    const t = await sign({ kid: 'k0', x5u: 'https://attacker.example/cert.pem' }, maaPayload(), maa)
    expect(codes(await verifyMaaToken(t, opts()))).toEqual(['ERR_JWT_KEY_SOURCE_FORBIDDEN'])
  })
  it('EAR: embedded attacker jwk is ignored; the caller key decides → ERR_JWT_SIGNATURE', async () => {
    const [attacker, verifier] = [await makeSigner('ES256'), await makeSigner('ES256')]
    const t = await issueEar({ verifierId: { developer: 'x', build: 'y' }, submods: { a: { status: 'affirming' } } }, attacker.privateKey, { issuedAt: NOW })
    const [h, p, s] = t.split('.') as [string, string, string]
    const withJwk = `${b64u(JSON.stringify({ ...JSON.parse(fromB64u(h).toString()), jwk: attacker.publicJwk }))}.${p}.${s}`
    const r = await verifyEar(withJwk, { key: verifier.publicJwk as never, nonce: false, now: NOW })
    expect(codes(r)).toEqual(['ERR_JWT_SIGNATURE'])
  })
})

describe('J-04 x5c not anchored', () => {
  let root: TestCert, pca: TestCert, leaf: TestCert
  const x5cOpts = (over: Partial<VerifyMaaOptions> = {}) => opts({ jwks: undefined, roots: [root.der], ...over })
  const tokenFor = async (chain: TestCert[], signer: Signer, kid?: string) =>
    sign({ x5c: chain.map((c) => c.b64), ...(kid === undefined ? { kid: await sha1Kid(chain[0]!.der) } : kid ? { kid } : {}) }, maaPayload(), signer)

  beforeAll(async () => {
    root = await makeCert({ cn: 'Test Root', ca: true })
    pca = await makeCert({ cn: 'Test PCA', ca: true, issuer: root })
    leaf = await makeCert({ cn: 'Test MAA signer', issuer: pca, eku: [MAA_EKU] })
  })

  it('baseline: leaf → PCA → pinned root, EKU and kid thumbprint → valid', async () => {
    const r = await verifyMaaToken(await tokenFor([leaf, pca], leaf.signer), x5cOpts())
    expect(r.errors).toEqual([])
    expect(r.key?.source).toBe('x5c')
    expect(r.key?.chain).toEqual(['CN=Test MAA signer', 'CN=Test PCA', 'CN=Test Root'])
  })
  it('x5c = [attacker self-signed cert] signed by that key → ERR_JWT_X5C_UNTRUSTED', async () => {
    const self = await makeCert({ cn: 'Microsoft Azure Attestation 2020', eku: [MAA_EKU] })
    expect(codes(await verifyMaaToken(await tokenFor([self], self.signer), x5cOpts()))).toEqual(['ERR_JWT_X5C_UNTRUSTED'])
  })
  it('forged chain: attacker root named like the pinned root + forged leaf with the EKU → ERR_JWT_X5C_UNTRUSTED', async () => {
    const fakeRoot = await makeCert({ cn: 'Test Root', ca: true })
    const fakePca = await makeCert({ cn: 'Test PCA', ca: true, issuer: fakeRoot })
    const fakeLeaf = await makeCert({ cn: 'Test MAA signer', issuer: fakePca, eku: [MAA_EKU] })
    expect(codes(await verifyMaaToken(await tokenFor([fakeLeaf, fakePca, fakeRoot], fakeLeaf.signer), x5cOpts()))).toEqual(['ERR_JWT_X5C_UNTRUSTED'])
  })
  it('intermediate that is not a CA → ERR_JWT_X5C_UNTRUSTED', async () => {
    const notCa = await makeCert({ cn: 'Not a CA', ca: false, keyUsage: 0x86, issuer: root })
    const l = await makeCert({ cn: 'leaf under non-CA', issuer: notCa, eku: [MAA_EKU] })
    expect(codes(await verifyMaaToken(await tokenFor([l, notCa], l.signer), x5cOpts()))).toEqual(['ERR_JWT_X5C_UNTRUSTED'])
  })
  it('expired intermediate → ERR_JWT_X5C_UNTRUSTED', async () => {
    const old = await makeCert({ cn: 'Expired PCA', ca: true, issuer: root, notAfter: new Date('2024-01-01T00:00:00Z') })
    const l = await makeCert({ cn: 'leaf under expired', issuer: old, eku: [MAA_EKU] })
    expect(codes(await verifyMaaToken(await tokenFor([l, old], l.signer), x5cOpts()))).toEqual(['ERR_JWT_X5C_UNTRUSTED'])
  })
  it('leaf without the MAA EKU → ERR_JWT_X5C_UNTRUSTED', async () => {
    const l = await makeCert({ cn: 'no eku', issuer: pca })
    expect(codes(await verifyMaaToken(await tokenFor([l, pca], l.signer), x5cOpts()))).toEqual(['ERR_JWT_X5C_UNTRUSTED'])
  })
  it('valid chain, token signed by another key → ERR_JWT_SIGNATURE', async () => {
    const other = await makeSigner('RS256')
    expect(codes(await verifyMaaToken(await tokenFor([leaf, pca], other), x5cOpts()))).toEqual(['ERR_JWT_SIGNATURE'])
  })
  it('kid that is not the leaf thumbprint → ERR_JWT_KID_MISMATCH', async () => {
    expect(codes(await verifyMaaToken(await tokenFor([leaf, pca], leaf.signer, 'sa6F8EVkSXmjU_TXehzdlMmGna8'), x5cOpts()))).toEqual(['ERR_JWT_KID_MISMATCH'])
  })
  it('x5c entry that is not base64 / not a certificate → ERR_JWT_X5C_UNTRUSTED', async () => {
    for (const bad of ['not base64!', 'AAAA']) {
      const t = await sign({ x5c: [bad] }, maaPayload(), leaf.signer)
      expect(codes(await verifyMaaToken(t, x5cOpts()))).toEqual(['ERR_JWT_X5C_UNTRUSTED'])
    }
  })
  it('x5c present but only a JWKS configured: the chain is ignored, the kid decides → ERR_JWT_KID_UNKNOWN', async () => {
    expect(codes(await verifyMaaToken(await tokenFor([leaf, pca], leaf.signer), opts()))).toEqual(['ERR_JWT_KID_UNKNOWN'])
  })
  it('no fallback: a failed chain is not retried against the JWKS', async () => {
    const self = await makeCert({ cn: 'self', eku: [MAA_EKU] })
    const t = await sign({ x5c: [self.b64], kid: 'k0' }, maaPayload(), maa)
    const r = await verifyMaaToken(t, opts({ roots: [root.der] }))
    expect(codes(r)).toEqual(['ERR_JWT_X5C_UNTRUSTED'])
  })
  it.skipIf(!CORPUS)('the real TPM token pinned to a harness root → ERR_JWT_X5C_UNTRUSTED', async () => {
    const jwt = corpusText('microsoft-attestation-client-samples--report_boot.jwt')
    const r = await verifyMaaToken(jwt, { issuer: 'https://prakharnoauthtest.eus.attest.azure.net', roots: [root.pem], nonce: false, now: new Date(1738120398000) })
    expect(codes(r)).toEqual(['ERR_JWT_X5C_UNTRUSTED'])
  })
})

describe('J-05 kid tricks and JWKS ambiguity', () => {
  it('kid = ../../../../dev/null with HS256 and an empty key → ERR_JWT_ALG_NOT_ALLOWED', async () => {
    const t = await signRaw(JSON.stringify({ alg: 'HS256', kid: '../../../../dev/null' }), JSON.stringify(maaPayload()), { hmacSecret: '' })
    expect(codes(await verifyMaaToken(t, opts()))).toEqual(['ERR_JWT_ALG_NOT_ALLOWED'])
  })
  for (const kid of ['../../../../dev/null', "' OR 1=1 --", 'k0\u0000', 'K0', ' k0', 'unknown']) {
    it(`kid ${JSON.stringify(kid)} → ERR_JWT_KID_UNKNOWN`, async () => {
      const t = await sign({ kid }, maaPayload(), maa)
      expect(codes(await verifyMaaToken(t, opts()))).toEqual(['ERR_JWT_KID_UNKNOWN'])
    })
  }
  it('two JWKS entries sharing the kid → ERR_JWT_KID_AMBIGUOUS', async () => {
    const other = await makeSigner('RS256')
    const t = await sign({ kid: 'dup' }, maaPayload(), maa)
    const r = await verifyMaaToken(t, opts({ jwks: { keys: [{ ...maa.publicJwk, kid: 'dup' }, { ...other.publicJwk, kid: 'dup' }] } }))
    expect(codes(r)).toEqual(['ERR_JWT_KID_AMBIGUOUS'])
  })
  it('kid absent with several candidate keys → ERR_JWT_KID_AMBIGUOUS; with exactly one → valid', async () => {
    const other = await makeSigner('RS256')
    const t = await sign({}, maaPayload(), maa)
    expect(codes(await verifyMaaToken(t, opts({ jwks: jwksOf(maa, other) })))).toEqual(['ERR_JWT_KID_AMBIGUOUS'])
    expect((await verifyMaaToken(t, opts({ jwks: jwksOf(maa) }))).valid).toBe(true)
  })
  it('JWKS key marked use=enc or key_ops without verify is not a candidate → ERR_JWT_KID_UNKNOWN', async () => {
    const t = await good()
    expect(codes(await verifyMaaToken(t, opts({ jwks: { keys: [{ ...maa.publicJwk, kid: 'k0', use: 'enc' }] } })))).toEqual(['ERR_JWT_KID_UNKNOWN'])
    expect(codes(await verifyMaaToken(t, opts({ jwks: { keys: [{ ...maa.publicJwk, kid: 'k0', key_ops: ['encrypt'] }] } })))).toEqual(['ERR_JWT_KID_UNKNOWN'])
  })
  it('unknown kid: the pinned endpoint is refetched at most once per cooldown', async () => {
    let t = 0
    let calls = 0
    let served = { keys: [] as Record<string, unknown>[] }
    const fetcher = createMaaJwksFetcher({
      instanceUrl: INSTANCE,
      clock: () => t,
      cooldownMs: 30_000,
      fetch: async (url, init) => {
        calls++
        expect(url).toBe(CERTS_URL)
        expect(init.redirect).toBe('manual')
        return new Response(JSON.stringify(served))
      },
    })
    const token = await good()
    const o = opts({ jwks: undefined, jwksFetcher: fetcher })
    expect(codes(await verifyMaaToken(token, o))).toEqual(['ERR_JWT_KID_UNKNOWN'])
    expect(calls).toBe(1)
    t = 10_000
    for (let i = 0; i < 5; i++) expect(codes(await verifyMaaToken(token, o))).toEqual(['ERR_JWT_KID_UNKNOWN'])
    expect(calls).toBe(1)
    served = jwksOf(maa) // key rotation on the service
    t = 30_001
    const r = await verifyMaaToken(token, o)
    expect(r.valid).toBe(true)
    expect(r.key?.source).toBe('jwks-fetch')
    expect(calls).toBe(2)
    t = 40_000
    expect((await verifyMaaToken(token, o)).valid).toBe(true) // served from cache
    expect(calls).toBe(2)
    expect(fetcher.fetchCount).toBe(2)
  })
  it('a fetcher bound to another instance is a configuration error (TypeError)', async () => {
    const fetcher = createMaaJwksFetcher({ instanceUrl: 'https://other.eus.attest.azure.net', fetch: async () => new Response('{"keys":[]}') })
    await expect(verifyMaaToken(await good(), opts({ jwks: undefined, jwksFetcher: fetcher }))).rejects.toThrow(TypeError)
  })
})
