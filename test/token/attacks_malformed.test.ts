/**
 * Token attacks with malformed input (J-09 duplicate JSON member names, J-10 oversized and
 * pathological tokens).
 * Tokens are built by hand with software keys (helpers.ts) so that headers and payloads can be
 * malformed in exactly the way each attack needs; one named case per attack variant, each
 * asserting the specific error code.
 */
import { describe, it, expect } from 'vitest'
import { verifyMaaToken } from '../../src/token/verify_maa.js'
import { verifyEar } from '../../src/token/verify_ear.js'
import { createMaaJwksFetcher } from '../../src/token/jwks_source.js'
import { INSTANCE, NOW, b64u, maaPayload, makeSigner, signRaw } from './helpers.js'
import { codes, thrownCode, maa, opts, good, useMaaSigner } from './attack_helpers.js'

useMaaSigner()

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
