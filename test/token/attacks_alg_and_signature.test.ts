/**
 * Token attacks on the algorithm and the signature (J-01 alg none, J-02 RS/HS key confusion and
 * algorithm pinning, J-08 crit, J-11 psychic signatures), after the baseline MAA token.
 * Tokens are built by hand with software keys (helpers.ts) so that headers and payloads can be
 * malformed in exactly the way each attack needs; one named case per attack variant, each
 * asserting the specific error code.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { verifyMaaToken } from '../../src/token/verify_maa.js'
import { verifyEar } from '../../src/token/verify_ear.js'
import { issueEar } from '../../src/token/issue_ear.js'
import { CERTS_URL, NOW, NOW_SEC, b64u, fromB64u, jwksOf, maaPayload, makeSigner, rsaPublicForms, sign, signRaw, type Signer } from './helpers.js'
import { codes, thrownCode, maa, opts, good, useMaaSigner } from './attack_helpers.js'

useMaaSigner()

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
