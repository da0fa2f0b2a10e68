/**
 * Token attacks J-01 to J-12: one named case per attack variant, each asserting the
 * specific error code. Tokens are built by hand with software keys (helpers.ts) so that headers
 * and payloads can be malformed in exactly the way each attack needs.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { createHmac } from 'node:crypto'
import { verifyMaaToken, type VerifyMaaOptions } from '../../src/token/verify_maa.js'
import { verifyEar } from '../../src/token/verify_ear.js'
import { issueEar } from '../../src/token/issue_ear.js'
import { createMaaJwksFetcher } from '../../src/token/jwks_source.js'
import { isBootproofError } from '../../src/errors.js'
import { CORPUS } from '../helpers/corpus.js'
import {
  CERTS_URL, INSTANCE, MAA_EKU, NONCE, NOW, NOW_SEC, b64u, corpusText, fromB64u, jwksOf, maaPayload, makeCert, makeSigner, rsaPublicForms, sha1Kid, sign, signRaw,
  type Signer, type TestCert,
} from './helpers.js'

const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code)

async function thrownCode(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    if (isBootproofError(e)) return (e as { code: string }).code
    throw e
  }
  throw new Error('expected a throw')
}

let maa: Signer
let jwks: { keys: Record<string, unknown>[] }
const opts = (over: Partial<VerifyMaaOptions> = {}): VerifyMaaOptions => ({ issuer: INSTANCE, jwks, nonce: NONCE, now: NOW, ...over })
const good = (over: Record<string, unknown> = {}, header: Record<string, unknown> = { kid: 'k0', typ: 'JWT', jku: CERTS_URL }) => sign(header, maaPayload(over), maa)

beforeAll(async () => {
  maa = await makeSigner('RS256')
  jwks = jwksOf(maa)
})

describe('baseline', () => {
  it('a harness MAA token (jku = pinned certs URL, kid in the caller JWKS) verifies', async () => {
    const r = await verifyMaaToken(await good(), opts())
    expect(r.errors).toEqual([])
    expect(r.valid).toBe(true)
    expect(r.key).toEqual({ source: 'jwks', kid: 'k0' })
    expect(r.claims.boot.secureBootEnabled).toEqual({ value: true, rawName: 'SecureBootEnabled' })
    expect(r.claims.boot.bootDebuggingDisabled).toEqual({ value: true, rawName: 'BootDebuggingEnabled', negated: true })
  })
})

describe('J-01 alg none', () => {
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    for (const sig of ['', 'c2ln']) {
      it(`"alg":"${alg}" with ${sig ? 'a non-empty' : 'an empty'} signature → ERR_JWT_ALG_NONE`, async () => {
        const t = `${b64u(JSON.stringify({ alg, typ: 'JWT' }))}.${b64u(JSON.stringify(maaPayload()))}.${sig}`
        const r = await verifyMaaToken(t, opts())
        expect(codes(r)).toEqual(['ERR_JWT_ALG_NONE'])
        expect(r.valid).toBe(false)
        const e = await verifyEar(`${b64u(JSON.stringify({ alg }))}.${b64u(JSON.stringify({ eat_profile: 'tag:github.com,2023:veraison/ear', iat: NOW_SEC }))}.${sig}`, { key: maa.publicJwk as never, nonce: false, now: NOW })
        expect(codes(e)).toContain('ERR_JWT_ALG_NONE')
        expect(e.valid).toBe(false)
      })
    }
  }
})

describe('J-02 RS/HS key confusion and algorithm pinning', () => {
  const forms = rsaPublicForms()
  const variants: [string, string | Uint8Array][] = [
    ['PEM text', forms.pem],
    ['DER bytes', forms.der],
    ['JWK JSON', forms.jwkJson],
    ['" \\n"-prefixed PEM', ` \n${forms.pem}`],
  ]
  for (const [name, secret] of variants) {
    it(`HS256 MAC'd with the RSA public key as ${name} → ERR_JWT_ALG_NOT_ALLOWED`, async () => {
      const jwk = forms.keyPair.publicKey.export({ format: 'jwk' }) as Record<string, string>
      const t = await signRaw(JSON.stringify({ alg: 'HS256', kid: 'k0', jku: CERTS_URL }), JSON.stringify(maaPayload()), { hmacSecret: secret })
      const r = await verifyMaaToken(t, opts({ jwks: { keys: [{ ...jwk, kid: 'k0' }] } }))
      expect(codes(r)).toEqual(['ERR_JWT_ALG_NOT_ALLOWED'])
      const e = await verifyEar(t, { key: jwk as never, nonce: false, now: NOW })
      expect(codes(e)).toContain('ERR_JWT_ALG_NOT_ALLOWED')
    })
  }
  it('HS256 can never be put on the allow-list (TypeError)', async () => {
    await expect(verifyMaaToken(await good(), opts({ algorithms: ['HS256'] }))).rejects.toThrow(TypeError)
    await expect(verifyEar(await good(), { key: maa.publicJwk as never, nonce: false, algorithms: ['HS256'] })).rejects.toThrow(TypeError)
  })
  it('ES256 token where RS256 is pinned → ERR_JWT_ALG_NOT_ALLOWED', async () => {
    const ec = await makeSigner('ES256')
    const t = await sign({ kid: 'k0' }, maaPayload(), ec)
    expect(codes(await verifyMaaToken(t, opts({ jwks: jwksOf(ec) })))).toEqual(['ERR_JWT_ALG_NOT_ALLOWED'])
  })
  it('PS256 signed with the RS256 key → ERR_JWT_ALG_NOT_ALLOWED (default list)', async () => {
    const pssView = await makeSigner('PS256')
    const t = await sign({ kid: 'k0' }, maaPayload(), pssView)
    expect(codes(await verifyMaaToken(t, opts()))).toEqual(['ERR_JWT_ALG_NOT_ALLOWED'])
  })
  it('PS256 allowed but the JWKS key is pinned to alg RS256 → ERR_JWT_KID_UNKNOWN', async () => {
    const pss = await makeSigner('PS256')
    const t = await sign({ kid: 'k0' }, maaPayload(), pss)
    const r = await verifyMaaToken(t, opts({ algorithms: ['RS256', 'PS256'], jwks: { keys: [{ ...pss.publicJwk, kid: 'k0', alg: 'RS256' }] } }))
    expect(codes(r)).toEqual(['ERR_JWT_KID_UNKNOWN'])
  })
  it('RSA key of 1024 bits → ERR_JWT_KEY_UNSUITABLE', async () => {
    const small = await makeSigner('RS256', 1024)
    const t = await sign({ kid: 'k0' }, maaPayload(), small)
    expect(codes(await verifyMaaToken(t, opts({ jwks: jwksOf(small) })))).toEqual(['ERR_JWT_KEY_UNSUITABLE'])
  })
})

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

describe('J-06 time claims', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['no exp', { exp: undefined }, ['ERR_JWT_CLAIM_MISSING']],
    ['no iat', { iat: undefined }, ['ERR_JWT_CLAIM_MISSING']],
    ['exp in the past', { exp: NOW_SEC - 3600, iat: NOW_SEC - 7200, nbf: NOW_SEC - 7200 }, ['ERR_JWT_EXPIRED']],
    ['nbf in the future', { nbf: NOW_SEC + 3600 }, ['ERR_JWT_NOT_YET_VALID']],
    ['iat in the future', { iat: NOW_SEC + 3600, nbf: undefined }, ['ERR_JWT_NOT_YET_VALID']],
    ['exp as a string', { exp: String(NOW_SEC + 3600) }, ['ERR_JWT_TIME_CLAIM_INVALID']],
    ['exp fractional', { exp: NOW_SEC + 3600.5 }, ['ERR_JWT_TIME_CLAIM_INVALID']],
    ['exp negative', { exp: -1 }, ['ERR_JWT_TIME_CLAIM_INVALID']],
    ['exp = null', { exp: null }, ['ERR_JWT_TIME_CLAIM_INVALID']],
    ['exp before iat', { exp: NOW_SEC + 10, iat: NOW_SEC + 20 }, ['ERR_JWT_TIME_CLAIM_INVALID']],
    ['older than the maximum age', { iat: NOW_SEC - 2 * 86400, nbf: NOW_SEC - 2 * 86400 }, ['ERR_JWT_TOO_OLD']],
  ]
  for (const [name, over, want] of cases) {
    it(`${name} → ${want.join(', ')}`, async () => {
      const p = maaPayload(over)
      for (const k of Object.keys(over)) if (over[k] === undefined) delete p[k]
      const r = await verifyMaaToken(await sign({ kid: 'k0' }, p, maa), opts())
      expect(codes(r)).toEqual(want)
    })
  }
  for (const lit of ['1e400', '-1e400', '1E+400']) {
    it(`exp: ${lit} (JSON.parse gives ±Infinity) → ERR_JWT_TIME_CLAIM_INVALID`, async () => {
      const text = JSON.stringify(maaPayload({ exp: 0 })).replace('"exp":0', `"exp":${lit}`)
      const r = await verifyMaaToken(await signRaw(JSON.stringify({ alg: 'RS256', kid: 'k0' }), text, maa), opts())
      expect(codes(r)).toEqual(['ERR_JWT_TIME_CLAIM_INVALID'])
    })
  }
  it('nbf / exp within the clock tolerance pass; a larger maxAgeSec admits an older token', async () => {
    const r = await verifyMaaToken(await sign({ kid: 'k0' }, maaPayload({ nbf: NOW_SEC + 30, exp: NOW_SEC - 30 + 3600 }), maa), opts())
    expect(r.valid).toBe(true)
    const old = await sign({ kid: 'k0' }, maaPayload({ iat: NOW_SEC - 2 * 86400, nbf: NOW_SEC - 2 * 86400 }), maa)
    expect((await verifyMaaToken(old, opts({ maxAgeSec: 3 * 86400 }))).valid).toBe(true)
    expect(codes(await verifyMaaToken(await sign({ kid: 'k0' }, maaPayload({ exp: NOW_SEC + 30 }), maa), opts({ now: new Date((NOW_SEC + 91) * 1000) })))).toEqual(['ERR_JWT_EXPIRED'])
  })
  it('the clock is injectable as a function', async () => {
    const r = await verifyMaaToken(await good(), opts({ now: () => NOW }))
    expect(r.valid).toBe(true)
  })
})

describe('J-07 issuer, audience and binding checks', () => {
  it('iss of another instance → ERR_JWT_ISSUER; iss missing → ERR_JWT_CLAIM_MISSING; trailing slash → ERR_JWT_ISSUER', async () => {
    expect(codes(await verifyMaaToken(await good({ iss: 'https://other.eus.attest.azure.net' }, { kid: 'k0' }), opts()))).toEqual(['ERR_JWT_ISSUER'])
    const p = maaPayload()
    delete p.iss
    expect(codes(await verifyMaaToken(await sign({ kid: 'k0' }, p, maa), opts()))).toEqual(['ERR_JWT_CLAIM_MISSING'])
    expect(codes(await verifyMaaToken(await good({ iss: `${INSTANCE}/` }), opts()))).toEqual(['ERR_JWT_ISSUER'])
  })
  it('audience pinned: missing or different aud → ERR_JWT_AUDIENCE; array containing it → valid', async () => {
    expect(codes(await verifyMaaToken(await good(), opts({ audience: 'rp-1' })))).toEqual(['ERR_JWT_AUDIENCE'])
    expect(codes(await verifyMaaToken(await good({ aud: 'rp-2' }), opts({ audience: 'rp-1' })))).toEqual(['ERR_JWT_AUDIENCE'])
    expect((await verifyMaaToken(await good({ aud: ['rp-2', 'rp-1'] }), opts({ audience: 'rp-1' }))).valid).toBe(true)
  })
  it('token without the nonce → ERR_JWT_NONCE; different nonce / rp_data → ERR_JWT_NONCE', async () => {
    expect(codes(await verifyMaaToken(await good({ nonce: undefined, rp_data: undefined }), opts()))).toEqual(['ERR_JWT_NONCE'])
    expect(codes(await verifyMaaToken(await good({ nonce: 'b3RoZXI', rp_data: 'b3RoZXI' }), opts()))).toEqual(['ERR_JWT_NONCE', 'ERR_JWT_NONCE'])
    expect(codes(await verifyMaaToken(await good({ rp_data: 'b3RoZXI' }), opts()))).toEqual(['ERR_JWT_NONCE'])
    expect((await verifyMaaToken(await good(), opts({ nonce: fromB64u(NONCE) }))).valid).toBe(true)
  })
  it('nonce option omitted altogether is a caller error (TypeError)', async () => {
    await expect(verifyMaaToken(await good(), { issuer: INSTANCE, jwks } as unknown as VerifyMaaOptions)).rejects.toThrow(TypeError)
  })
  it('attested key ≠ session key → ERR_JWT_KEY_BINDING', async () => {
    const session = await makeSigner('RS256')
    const t = await good({ cnf: { jwk: maa.publicJwk }, 'x-ms-tpm-request-key': { jwk: maa.publicJwk } })
    expect(codes(await verifyMaaToken(t, opts({ requestKey: session.publicJwk as never })))).toEqual(['ERR_JWT_KEY_BINDING', 'ERR_JWT_KEY_BINDING'])
    expect((await verifyMaaToken(t, opts({ requestKey: maa.publicJwk as never }))).valid).toBe(true)
  })
  it('wrong x-ms-attestation-type → ERR_JWT_ATTESTATION_TYPE', async () => {
    expect(codes(await verifyMaaToken(await good({ 'x-ms-attestation-type': 'sgx' }), opts({ attestationType: 'sevsnpvm' })))).toEqual(['ERR_JWT_ATTESTATION_TYPE'])
    expect(codes(await verifyMaaToken(await good({ 'x-ms-attestation-type': 'sevsnpvm' }), opts({ attestationType: 'tpm' })))).toEqual(['ERR_JWT_ATTESTATION_TYPE'])
    expect((await verifyMaaToken(await good(), opts({ attestationType: 'tpm' }))).valid).toBe(true)
  })
  it('policy hash changed on the right instance → ERR_JWT_POLICY_HASH', async () => {
    expect(codes(await verifyMaaToken(await good({ 'x-ms-policy-hash': 'AAAA' }), opts({ policyHash: 'gyvwpw0gyv_-uJoWgD8o3PsZJcoaBgw3KkOOizeKYNg' })))).toEqual(['ERR_JWT_POLICY_HASH'])
  })
  it('issuer option must be an https origin (TypeError)', async () => {
    for (const issuer of ['http://myinst.eus.attest.azure.net', 'https://myinst.eus.attest.azure.net/', 'https://u@myinst.eus.attest.azure.net', 'myinst']) {
      await expect(verifyMaaToken(await good(), opts({ issuer }))).rejects.toThrow(TypeError)
    }
  })
})

describe('J-08 crit', () => {
  const variants: [string, Record<string, unknown>][] = [
    ['crit ["x-unknown"] with x-unknown', { crit: ['x-unknown'], 'x-unknown': 1 }],
    ['crit []', { crit: [] }],
    ['crit ["b64"] with b64 false', { crit: ['b64'], b64: false }],
    ['crit ["exp"] (registered name)', { crit: ['exp'] }],
  ]
  for (const [name, h] of variants) {
    it(`${name} → ERR_JWT_CRIT_UNSUPPORTED`, async () => {
      const t = await sign({ kid: 'k0', ...h }, maaPayload(), maa)
      expect(codes(await verifyMaaToken(t, opts()))).toEqual(['ERR_JWT_CRIT_UNSUPPORTED'])
      const e = await verifyEar(t, { key: maa.publicJwk as never, nonce: false, now: NOW })
      expect(codes(e)).toContain('ERR_JWT_CRIT_UNSUPPORTED')
    })
  }
  it('crit that is not an array → thrown ERR_JWT_MALFORMED', async () => {
    expect(await thrownCode(verifyMaaToken(await sign({ kid: 'k0', crit: 'x' }, maaPayload(), maa), opts()))).toBe('ERR_JWT_MALFORMED')
  })
})

describe('J-09 duplicate JSON member names (thrown ERR_JWT_DUPLICATE_KEY)', () => {
  it('payload {"secureBootEnabled":false,"secureBootEnabled":true}, validly signed', async () => {
    const text = JSON.stringify(maaPayload({ 'x-ms-policy': { secureBootEnabled: false } })).replace('"secureBootEnabled":false', '"secureBootEnabled":false,"secureBootEnabled":true')
    const t = await signRaw(JSON.stringify({ alg: 'RS256', kid: 'k0' }), text, maa)
    expect(await thrownCode(verifyMaaToken(t, opts()))).toBe('ERR_JWT_DUPLICATE_KEY')
  })
  it('duplicated iss in the payload', async () => {
    const text = JSON.stringify(maaPayload()).replace('{', '{"iss":"https://attacker.example",')
    expect(await thrownCode(verifyMaaToken(await signRaw(JSON.stringify({ alg: 'RS256', kid: 'k0' }), text, maa), opts()))).toBe('ERR_JWT_DUPLICATE_KEY')
  })
  it('duplicated alg in the header', async () => {
    const t = await signRaw('{"alg":"none","kid":"k0","alg":"RS256"}', JSON.stringify(maaPayload()), maa)
    expect(await thrownCode(verifyMaaToken(t, opts()))).toBe('ERR_JWT_DUPLICATE_KEY')
  })
  it('duplicate spelled with an escape ("iss" and "\\u0069ss")', async () => {
    const text = JSON.stringify(maaPayload()).replace('{', '{"\\u0069ss":"https://attacker.example",')
    expect(await thrownCode(verifyMaaToken(await signRaw(JSON.stringify({ alg: 'RS256', kid: 'k0' }), text, maa), opts()))).toBe('ERR_JWT_DUPLICATE_KEY')
  })
  it('nested duplicate inside an EAR submodule', async () => {
    const ec = await makeSigner('ES256')
    const text = '{"eat_profile":"tag:github.com,2023:veraison/ear","iat":1740787200,"ear.verifier-id":{"developer":"a","build":"b"},"submods":{"x":{"ear.status":"contraindicated","ear.status":"affirming"}}}'
    const t = await signRaw(JSON.stringify({ alg: 'ES256' }), text, ec)
    expect(await thrownCode(verifyEar(t, { key: ec.publicJwk as never, nonce: false, now: NOW }))).toBe('ERR_JWT_DUPLICATE_KEY')
  })
})

describe('J-10 oversized and pathological tokens', () => {
  it('50 MiB token → thrown ERR_JWT_TOO_LARGE before decoding', async () => {
    const huge = 'a'.repeat(50 * 1024 * 1024)
    expect(await thrownCode(verifyMaaToken(`${huge}.${huge.slice(0, 10)}.x`, opts()))).toBe('ERR_JWT_TOO_LARGE')
  })
  it('1 MiB header → thrown ERR_JWT_TOO_LARGE', async () => {
    const t = await signRaw(JSON.stringify({ alg: 'RS256', kid: 'k0', pad: 'x'.repeat(1 << 20) }), JSON.stringify(maaPayload()), maa)
    expect(await thrownCode(verifyMaaToken(t, opts()))).toBe('ERR_JWT_TOO_LARGE')
  })
  it('the cap is configurable (a 2 MiB cap admits a 1.5 MiB token)', async () => {
    const t = await good({ pad: 'x'.repeat(1_100_000) })
    expect(await thrownCode(verifyMaaToken(t, opts()))).toBe('ERR_JWT_TOO_LARGE')
    expect((await verifyMaaToken(t, opts({ maxTokenBytes: 2 << 20 }))).valid).toBe(true)
  })
  it('payload with 100 000-deep nested arrays → thrown ERR_JWT_MALFORMED (no RangeError)', async () => {
    const text = JSON.stringify(maaPayload()).replace('{', `{"deep":${'['.repeat(100_000)}${']'.repeat(100_000)},`)
    expect(await thrownCode(verifyMaaToken(await signRaw(JSON.stringify({ alg: 'RS256', kid: 'k0' }), text, maa), opts()))).toBe('ERR_JWT_MALFORMED')
  })
  it('10 000-key caller JWKS → TypeError; fetched → ERR_JWT_JWKS_FETCH', async () => {
    const big = { keys: Array.from({ length: 10_000 }, (_, i) => ({ ...maa.publicJwk, kid: `k${i}` })) }
    await expect(verifyMaaToken(await good(), opts({ jwks: big }))).rejects.toThrow(TypeError)
    const fetcher = createMaaJwksFetcher({ instanceUrl: INSTANCE, fetch: async () => new Response(JSON.stringify(big)), maxBytes: 50 << 20 })
    expect(codes(await verifyMaaToken(await good(), opts({ jwks: undefined, jwksFetcher: fetcher })))).toEqual(['ERR_JWT_JWKS_FETCH'])
  })
  it('oversized JWKS response → ERR_JWT_JWKS_FETCH', async () => {
    const fetcher = createMaaJwksFetcher({ instanceUrl: INSTANCE, maxBytes: 1000, fetch: async () => new Response(JSON.stringify({ keys: [], pad: 'x'.repeat(5000) })) })
    expect(codes(await verifyMaaToken(await good(), opts({ jwks: undefined, jwksFetcher: fetcher })))).toEqual(['ERR_JWT_JWKS_FETCH'])
  })
  it('slow JWKS endpoint → ERR_JWT_JWKS_FETCH after the timeout', async () => {
    const fetcher = createMaaJwksFetcher({
      instanceUrl: INSTANCE,
      timeoutMs: 50,
      fetch: (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(new Error('timed out')))
        }),
    })
    const r = await verifyMaaToken(await good(), opts({ jwks: undefined, jwksFetcher: fetcher }))
    expect(codes(r)).toEqual(['ERR_JWT_JWKS_FETCH'])
  })
  it('redirect / error status from the JWKS endpoint → ERR_JWT_JWKS_FETCH', async () => {
    for (const status of [301, 302, 404, 500]) {
      const fetcher = createMaaJwksFetcher({ instanceUrl: INSTANCE, fetch: async () => new Response(null, { status, headers: status < 400 ? { location: 'https://evil.example/certs' } : {} }) })
      expect(codes(await verifyMaaToken(await good(), opts({ jwks: undefined, jwksFetcher: fetcher })))).toEqual(['ERR_JWT_JWKS_FETCH'])
    }
  })
  it('malformed compact serialisations → thrown ERR_JWT_MALFORMED', async () => {
    const t = await good()
    const [h, p, s] = t.split('.') as [string, string, string]
    for (const bad of ['', 'a.b', `${h}.${p}`, `${h}.${p}.${s}.x`, `${h}=.${p}.${s}`, `${h}.${p}.${s}+`, `${b64u('[1]')}.${p}.${s}`, `${h}.${b64u('"str"')}.${s}`, `${b64u('{"alg":"RS256"')}.${p}.${s}`, `${h}.${b64u(new Uint8Array([0xff, 0xfe]))}.${s}`, `${b64u('{"alg":1}')}.${p}.${s}`]) {
      expect(await thrownCode(verifyMaaToken(bad, opts()))).toBe('ERR_JWT_MALFORMED')
    }
  })
})

describe('J-11 psychic signatures (CVE-2022-21449)', () => {
  let ec: Signer
  let token: string
  beforeAll(async () => {
    ec = await makeSigner('ES256')
    token = await issueEar({ verifierId: { developer: 'x', build: 'y' }, submods: { a: { status: 'affirming' } } }, ec.privateKey, { issuedAt: NOW })
  })
  it('ES256 with a 64-byte all-zero signature → ERR_JWT_SIGNATURE', async () => {
    const [h, p] = token.split('.')
    expect(codes(await verifyEar(`${h}.${p}.${b64u(new Uint8Array(64))}`, { key: ec.publicJwk as never, nonce: false, now: NOW }))).toEqual(['ERR_JWT_SIGNATURE'])
  })
  it('ES256 with r = s = n → ERR_JWT_SIGNATURE', async () => {
    const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex')
    const [h, p] = token.split('.')
    expect(codes(await verifyEar(`${h}.${p}.${b64u(Buffer.concat([n, n]))}`, { key: ec.publicJwk as never, nonce: false, now: NOW }))).toEqual(['ERR_JWT_SIGNATURE'])
  })
  it('ES256 signature in DER instead of raw r||s → ERR_JWT_SIGNATURE', async () => {
    const [h, p, s] = token.split('.') as [string, string, string]
    const raw = fromB64u(s)
    const der = Buffer.concat([Buffer.from([0x30, 0x44, 0x02, 0x20]), raw.subarray(0, 32), Buffer.from([0x02, 0x20]), raw.subarray(32)])
    expect(codes(await verifyEar(`${h}.${p}.${b64u(der)}`, { key: ec.publicJwk as never, nonce: false, now: NOW }))).toEqual(['ERR_JWT_SIGNATURE'])
  })
  it('MAA with ES256 allowed: all-zero signature → ERR_JWT_SIGNATURE', async () => {
    const t = await sign({ kid: 'k0' }, maaPayload(), ec)
    const [h, p] = t.split('.')
    expect(codes(await verifyMaaToken(`${h}.${p}.${b64u(new Uint8Array(64))}`, opts({ algorithms: ['ES256'], jwks: jwksOf(ec) })))).toEqual(['ERR_JWT_SIGNATURE'])
  })
})

describe('J-12 EAR profile, status and nonce confusion', () => {
  let ec: Signer
  const vid = { developer: 'https://bootproof.example', build: 'bootproof 0.1.0' }
  beforeAll(async () => {
    ec = await makeSigner('ES256')
  })
  const raw = async (payload: Record<string, unknown>) => sign({}, { eat_profile: 'tag:ietf.org,2026:rats/ear#03', iat: NOW_SEC, ear_verifier_id: vid, ...payload }, ec)
  const check = (t: string, over: Record<string, unknown> = {}) => verifyEar(t, { key: ec.publicJwk as never, nonce: false, now: NOW, ...over })

  it('eat_profile not accepted → ERR_EAR_PROFILE', async () => {
    const t = await raw({ eat_profile: 'tag:example.com,2024:other', submods: { a: { ear_status: 'affirming' } } })
    expect(codes(await check(t))).toEqual(['ERR_EAR_PROFILE'])
  })
  it('pinned profile: a legacy veraison profile is refused when only the draft is pinned', async () => {
    const t = await raw({ eat_profile: 'tag:github.com,2023:veraison/ear', submods: { a: { ear_status: 'affirming' } } })
    expect(codes(await check(t, { profiles: ['tag:ietf.org,2026:rats/ear#03'] }))).toEqual(['ERR_EAR_PROFILE'])
  })
  it('submods {a: affirming, b: contraindicated} → valid token, overall contraindicated', async () => {
    const r = await check(await raw({ submods: { a: { ear_status: 'affirming' }, b: { ear_status: 'contraindicated' } } }))
    expect(r.valid).toBe(true)
    expect(r.status).toBe('contraindicated')
  })
  for (const bad of ['Affirming', 'AFFIRMING', 'affirming ', 2, true, null, ['affirming']]) {
    it(`status ${JSON.stringify(bad)} → ERR_EAR_STATUS`, async () => {
      expect(codes(await check(await raw({ submods: { a: { ear_status: bad } } })))).toEqual(['ERR_EAR_STATUS'])
    })
  }
  it('submodule without a status → ERR_EAR_STATUS', async () => {
    expect(codes(await check(await raw({ submods: { a: {} } })))).toEqual(['ERR_EAR_STATUS'])
  })
  it('empty / missing / non-object submods → ERR_EAR_SUBMODS', async () => {
    expect(codes(await check(await raw({ submods: {} })))).toEqual(['ERR_EAR_SUBMODS'])
    expect(codes(await check(await raw({})))).toEqual(['ERR_EAR_SUBMODS'])
    expect(codes(await check(await raw({ submods: [] })))).toEqual(['ERR_EAR_SUBMODS'])
  })
  it('missing eat_nonce when a nonce is expected → ERR_JWT_NONCE; mismatched → ERR_JWT_NONCE', async () => {
    const nonce = 'MDEyMzQ1Njc4OWFiY2RlZg'
    expect(codes(await check(await raw({ submods: { a: { ear_status: 'affirming' } } }), { nonce }))).toEqual(['ERR_JWT_NONCE'])
    expect(codes(await check(await raw({ eat_nonce: 'ZGlmZmVyZW50LW5vbmNl', submods: { a: { ear_status: 'affirming' } } }), { nonce }))).toEqual(['ERR_JWT_NONCE'])
    expect((await check(await raw({ eat_nonce: nonce, submods: { a: { ear_status: 'affirming' } } }), { nonce })).valid).toBe(true)
    expect(codes(await check(await raw({ eat_nonce: nonce, submods: { a: { ear_status: 'affirming', eat_nonce: 'ZGlmZmVyZW50LW5vbmNl' } } }), { nonce }))).toEqual(['ERR_JWT_NONCE'])
  })
  it('eat_nonce too short → ERR_JWT_NONCE', async () => {
    expect(codes(await check(await raw({ eat_nonce: 'abc', submods: { a: { ear_status: 'affirming' } } })))).toEqual(['ERR_JWT_NONCE'])
  })
  it('unknown or missing ear_verifier_id → ERR_EAR_VERIFIER_ID', async () => {
    const t = await raw({ submods: { a: { ear_status: 'affirming' } } })
    expect(codes(await check(t, { verifierId: { developer: 'https://veraison-project.org' } }))).toEqual(['ERR_EAR_VERIFIER_ID'])
    expect(codes(await check(t, { verifierId: { developer: vid.developer, build: 'other' } }))).toEqual(['ERR_EAR_VERIFIER_ID'])
    expect((await check(t, { verifierId: { developer: vid.developer } })).valid).toBe(true)
    expect(codes(await check(await raw({ ear_verifier_id: undefined, submods: { a: { ear_status: 'affirming' } } })))).toEqual(['ERR_EAR_VERIFIER_ID'])
    expect(codes(await check(await raw({ ear_verifier_id: { developer: 'x' }, submods: { a: { ear_status: 'affirming' } } })))).toEqual(['ERR_EAR_VERIFIER_ID'])
  })
  it('vector values in warning / contraindicated ranges under "affirming" → ERR_EAR_STATUS_INCONSISTENT', async () => {
    for (const v of [32, 96, 99, -33, -100]) {
      const t = await raw({ submods: { a: { ear_status: 'affirming', ear_trustworthiness_vector: { executables: v } } } })
      expect(codes(await check(t))).toEqual(['ERR_EAR_STATUS_INCONSISTENT'])
    }
    const ok = await raw({ submods: { a: { ear_status: 'warning', ear_trustworthiness_vector: { executables: 33, hardware: 2 } } } })
    expect((await check(ok)).valid).toBe(true)
  })
  it('top-level ear_status more trustworthy than the worst submodule → ERR_EAR_STATUS_INCONSISTENT', async () => {
    const t = await raw({ ear_status: 'affirming', submods: { a: { ear_status: 'affirming' }, b: { ear_status: 'warning' } } })
    expect(codes(await check(t))).toEqual(['ERR_EAR_STATUS_INCONSISTENT'])
  })
  it('vector value outside int8 or not an integer → ERR_EAR_TRUST_VECTOR', async () => {
    for (const v of [128, -129, 2.5, '2']) {
      expect(codes(await check(await raw({ submods: { a: { ear_status: 'affirming', ear_trustworthiness_vector: { hardware: v } } } })))).toEqual(['ERR_EAR_TRUST_VECTOR'])
    }
  })
  it('both spellings of one claim in a submodule → ERR_JWT_CLAIM_INVALID', async () => {
    expect(codes(await check(await raw({ submods: { a: { ear_status: 'affirming', 'ear.status': 'contraindicated' } } })))).toEqual(['ERR_JWT_CLAIM_INVALID'])
  })
  it('unknown claims are ignored but kept', async () => {
    const r = await check(await raw({ 'x-custom': 1, submods: { a: { ear_status: 'affirming', 'x-sub': { y: 1 } } } }))
    expect(r.valid).toBe(true)
    expect(r.ear?.extensions).toEqual({ 'x-custom': 1 })
    expect(r.ear?.submods.a?.extensions).toEqual({ 'x-sub': { y: 1 } })
  })
  it('EAR without iat → ERR_JWT_CLAIM_MISSING; wrong key → ERR_JWT_SIGNATURE', async () => {
    expect(codes(await check(await raw({ iat: undefined, submods: { a: { ear_status: 'affirming' } } })))).toEqual(['ERR_JWT_CLAIM_MISSING'])
    const other = await makeSigner('ES256')
    expect(codes(await verifyEar(await raw({ submods: { a: { ear_status: 'affirming' } } }), { key: other.publicJwk as never, nonce: false, now: NOW }))).toEqual(['ERR_JWT_SIGNATURE'])
  })
  it('an HMAC "EAR" keyed with the verifier public JWK → ERR_JWT_ALG_NOT_ALLOWED', async () => {
    const t = await signRaw('{"alg":"HS256"}', JSON.stringify({ eat_profile: 'tag:ietf.org,2026:rats/ear#03', iat: NOW_SEC, ear_verifier_id: vid, submods: { a: { ear_status: 'affirming' } } }), { hmacSecret: JSON.stringify(ec.publicJwk) })
    expect(codes(await check(t))).toEqual(['ERR_JWT_ALG_NOT_ALLOWED'])
    expect(createHmac).toBeDefined()
  })
})
