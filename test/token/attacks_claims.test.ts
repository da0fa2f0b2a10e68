/**
 * Token attacks on the claims (J-06 time claims, J-07 issuer, audience and binding checks, J-12 EAR
 * profile, status and nonce confusion).
 * Tokens are built by hand with software keys (helpers.ts) so that headers and payloads can be
 * malformed in exactly the way each attack needs; one named case per attack variant, each
 * asserting the specific error code.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { createHmac } from 'node:crypto'
import { verifyMaaToken, type VerifyMaaOptions } from '../../src/token/verify_maa.js'
import { verifyEar } from '../../src/token/verify_ear.js'
import { INSTANCE, NONCE, NOW, NOW_SEC, fromB64u, maaPayload, makeSigner, sign, signRaw, type Signer } from './helpers.js'
import { codes, maa, jwks, opts, good, useMaaSigner } from './attack_helpers.js'

useMaaSigner()

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
