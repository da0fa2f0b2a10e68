/**
 * Real tokens from ../shared/corpus/tokens (README "Tokens"): MAA TPM (x5c), MAA SEV-SNP
 * (jku/kid, key not in the corpus), and veraison's EAR vectors. Verified at an injected time
 * (their `iat`), rejected at the real current time. Skips visibly without the corpus.
 */
import { describe, it, expect } from 'vitest'
import { createHash } from 'node:crypto'
import { verifyMaaToken } from '../../src/token/verify_maa.js'
import { verifyEar } from '../../src/token/verify_ear.js'
import { maaResultToSubmod } from '../../src/token/maa_submod.js'
import { createMaaJwksFetcher } from '../../src/token/jwks_source.js'
import { CORPUS, announceCorpus } from '../helpers/corpus.js'
import { corpusJson, corpusText, fromB64u, b64u } from './helpers.js'

announceCorpus('token corpus tests (test/token/corpus.test.ts)')

const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code)
const TPM = 'microsoft-attestation-client-samples--report_boot.jwt'
const SNP = 'azure-samples-microsoft-azure-attestation--sev-snp-jwt.jwt'

interface Sidecar {
  iss: string
  iat: number
  exp: number
  header: Record<string, unknown>
  x5cChain?: { subject: string; sha256Fingerprint: string }[]
}

describe.skipIf(!CORPUS)('MAA TPM boot token (x5c to the pinned Microsoft root)', () => {
  const jwt = CORPUS ? corpusText(TPM) : ''
  const side = CORPUS ? corpusJson<Sidecar>(`${TPM}.json`) : ({} as Sidecar)
  const header = CORPUS ? (JSON.parse(fromB64u(jwt.split('.')[0]!).toString()) as { x5c: string[] }) : { x5c: [] }
  // The pinned root: Microsoft Root Certificate Authority 2011, identified by the SHA-256
  // fingerprint recorded in the sidecar (a caller would ship this certificate).
  const rootDer = CORPUS ? new Uint8Array(Buffer.from(header.x5c[2]!, 'base64')) : new Uint8Array()
  const at = new Date((CORPUS ? side.iat : 0) * 1000)
  const opts = () => ({ issuer: side.iss, roots: [rootDer], nonce: 'UkVQTEFDRSBXSVRIIFJQIE5PTkNF', now: at })

  it('the pinned root is the Microsoft Root Certificate Authority 2011 of the sidecar', () => {
    const fp = createHash('sha256').update(rootDer).digest('hex')
    expect(fp).toBe(side.x5cChain![2]!.sha256Fingerprint)
    expect(fp).toBe('847df6a78497943f27fc72eb93f9a637320a02b561d0a91b09e87a7807ed7c61')
  })

  it('verifies at its iat with its pinned root, nonce and policy hash', async () => {
    const r = await verifyMaaToken(jwt, { ...opts(), policyHash: 'gyvwpw0gyv_-uJoWgD8o3PsZJcoaBgw3KkOOizeKYNg', attestationType: 'tpm' })
    expect(r.errors).toEqual([])
    expect(r.valid).toBe(true)
    expect(r.key?.source).toBe('x5c')
    expect(r.key?.chain?.[2]).toContain('Microsoft Root Certificate Authority 2011')
    expect(r.claims.kind).toBe('tpm')
    expect(r.claims.version).toBe('1.0')
    expect(r.claims.nonce).toBe('UkVQTEFDRSBXSVRIIFJQIE5PTkNF')
    expect(r.claims.tpmRequestKey).toBeDefined()
    expect((r.claims.policyEvents as { Events: unknown[] }).Events).toHaveLength(50)
    expect(r.claims.issuedAt?.toISOString()).toBe('2025-01-29T03:13:18.000Z')
  })

  it('binds the attested request key (cnf / x-ms-tpm-request-key)', async () => {
    const payload = JSON.parse(fromB64u(jwt.split('.')[1]!).toString()) as { cnf: { jwk: Record<string, string> } }
    const ok = await verifyMaaToken(jwt, { ...opts(), requestKey: payload.cnf.jwk as never })
    expect(ok.valid).toBe(true)
    const other = await verifyMaaToken(jwt, { ...opts(), requestKey: { kty: 'RSA', n: 'sXch', e: 'AQAB' } })
    expect(codes(other)).toEqual(['ERR_JWT_KEY_BINDING', 'ERR_JWT_KEY_BINDING'])
  })

  it('a verified TPM token becomes an appraisal submodule', async () => {
    const sub = maaResultToSubmod(await verifyMaaToken(jwt, opts()))
    expect(sub.tokenValid).toBe(true)
    expect(sub.label).toBe('maa')
    expect(sub.findings.map((f) => f.code)).toEqual(['MAA_BOOT_CLAIMS_ABSENT'])
    expect(sub.appraisal.status).toBe('none')
  })

  it('is rejected at the real current time (token and leaf certificate expired)', async () => {
    const r = await verifyMaaToken(jwt, { ...opts(), now: new Date() })
    expect(r.valid).toBe(false)
    expect(codes(r)).toContain('ERR_JWT_EXPIRED')
    expect(codes(r)).toContain('ERR_JWT_X5C_UNTRUSTED')
  })

  it('is rejected at its iat for another pinned instance', async () => {
    const r = await verifyMaaToken(jwt, { ...opts(), issuer: 'https://other.eus.attest.azure.net' })
    expect(codes(r)).toEqual(['ERR_JWT_ISSUER'])
  })

  it('is rejected with a wrong nonce or policy hash', async () => {
    expect(codes(await verifyMaaToken(jwt, { ...opts(), nonce: new TextEncoder().encode('another nonce') }))).toEqual(['ERR_JWT_NONCE', 'ERR_JWT_NONCE'])
    expect(codes(await verifyMaaToken(jwt, { ...opts(), policyHash: 'VxEJ8tLSf9DYp3SQObUmcskSr3fsBSSsB6cOoB96SrQ' }))).toEqual(['ERR_JWT_POLICY_HASH'])
  })

  it('embedded chain without pinned roots is never trusted', async () => {
    const r = await verifyMaaToken(jwt, { issuer: side.iss, jwks: { keys: [] }, nonce: false, now: at })
    expect(codes(r)).toEqual(['ERR_JWT_KID_UNKNOWN'])
    expect(r.valid).toBe(false)
  })

  describe('tampering', () => {
    const [h, p, s] = jwt.split('.') as [string, string, string]
    it('payload: one claim changed → ERR_JWT_SIGNATURE', async () => {
      const payload = JSON.parse(fromB64u(p).toString()) as Record<string, unknown>
      payload.jti = 'c53dc14af514ca24b96429f53fc730feac308350'
      const r = await verifyMaaToken(`${h}.${b64u(JSON.stringify(payload))}.${s}`, opts())
      expect(codes(r)).toEqual(['ERR_JWT_SIGNATURE'])
    })
    it('header: typ changed → ERR_JWT_SIGNATURE', async () => {
      const header2 = JSON.parse(fromB64u(h).toString()) as Record<string, unknown>
      header2.typ = 'jwt'
      const r = await verifyMaaToken(`${b64u(JSON.stringify(header2))}.${p}.${s}`, opts())
      expect(codes(r)).toEqual(['ERR_JWT_SIGNATURE'])
    })
    it('header: x5c leaf swapped for the PCA → ERR_JWT_X5C_UNTRUSTED (leaf EKU / kid)', async () => {
      const header2 = JSON.parse(fromB64u(h).toString()) as { x5c: string[] }
      header2.x5c = header2.x5c.slice(1)
      const r = await verifyMaaToken(`${b64u(JSON.stringify(header2))}.${p}.${s}`, opts())
      expect(r.valid).toBe(false)
      expect(codes(r)).toEqual(['ERR_JWT_X5C_UNTRUSTED'])
    })
    it('signature: one bit flipped → ERR_JWT_SIGNATURE', async () => {
      const sig = fromB64u(s)
      sig[10] = sig[10]! ^ 0x01
      const r = await verifyMaaToken(`${h}.${p}.${b64u(sig)}`, opts())
      expect(codes(r)).toEqual(['ERR_JWT_SIGNATURE'])
    })
    it('signature: truncated → ERR_JWT_SIGNATURE', async () => {
      const r = await verifyMaaToken(`${h}.${p}.${b64u(fromB64u(s).subarray(0, 255))}`, opts())
      expect(codes(r)).toEqual(['ERR_JWT_SIGNATURE'])
    })
  })
})

describe.skipIf(!CORPUS)('MAA SEV-SNP token (jku/kid; the key is not in the corpus)', () => {
  const jwt = CORPUS ? corpusText(SNP) : ''
  const side = CORPUS ? corpusJson<Sidecar>(`${SNP}.json`) : ({} as Sidecar)
  const at = new Date((CORPUS ? side.iat : 0) * 1000)

  it('claims parse: SEV-SNP fields typed, x-ms-ver, attestation type', async () => {
    const r = await verifyMaaToken(jwt, { issuer: side.iss, jwks: { keys: [] }, nonce: false, now: at })
    expect(r.claims.kind).toBe('sevsnpvm')
    expect(r.claims.sevSnp?.isDebuggable).toBe(false)
    expect(r.claims.sevSnp?.vmpl).toBe(0)
    expect(r.claims.sevSnp?.launchMeasurement).toMatch(/^02c3b0d5/)
    expect(Object.keys(r.claims.sevSnp!.all)).toHaveLength(17)
    expect(r.claims.unknown).toEqual({})
  })

  it('fails closed without its key: caller JWKS lacking the kid → ERR_JWT_KID_UNKNOWN', async () => {
    const r = await verifyMaaToken(jwt, { issuer: side.iss, jwks: { keys: [] }, nonce: false, now: at })
    expect(r.valid).toBe(false)
    expect(codes(r)).toEqual(['ERR_JWT_KID_UNKNOWN'])
  })

  it('fails closed with only roots pinned (no x5c) → ERR_JWT_KEY_UNAVAILABLE', async () => {
    const rootPem = '-----BEGIN CERTIFICATE-----\n' + (JSON.parse(fromB64u(corpusText(TPM).split('.')[0]!).toString()) as { x5c: string[] }).x5c[2] + '\n-----END CERTIFICATE-----'
    const r = await verifyMaaToken(jwt, { issuer: side.iss, roots: [rootPem], nonce: false, now: at })
    expect(codes(r)).toEqual(['ERR_JWT_KEY_UNAVAILABLE'])
  })

  it('the fetcher only asks the pinned /certs URL; a JWKS without the kid fails closed', async () => {
    const urls: string[] = []
    const fetcher = createMaaJwksFetcher({
      instanceUrl: side.iss,
      fetch: async (url) => {
        urls.push(url)
        return new Response(JSON.stringify({ keys: [] }), { status: 200 })
      },
    })
    const r = await verifyMaaToken(jwt, { issuer: side.iss, jwksFetcher: fetcher, nonce: false, now: at })
    expect(codes(r)).toEqual(['ERR_JWT_KID_UNKNOWN'])
    expect(urls).toEqual([side.header.jku])
  })

  it('with a pinned issuer of another instance: the jku is not followed', async () => {
    const r = await verifyMaaToken(jwt, { issuer: 'https://myinst.eus.attest.azure.net', jwks: { keys: [] }, nonce: false, now: at })
    expect(codes(r)).toEqual(['ERR_JWT_KEY_SOURCE_FORBIDDEN', 'ERR_JWT_ISSUER'])
  })

  it('is rejected at the real current time', async () => {
    const r = await verifyMaaToken(jwt, { issuer: side.iss, jwks: { keys: [] }, nonce: false })
    expect(codes(r)).toEqual(expect.arrayContaining(['ERR_JWT_EXPIRED', 'ERR_JWT_KID_UNKNOWN']))
  })
})

describe.skipIf(!CORPUS)('veraison EAR vectors', () => {
  const pkey = CORPUS ? corpusJson('veraison-ear--pkey.json') : {}
  const iat = new Date(1666091373 * 1000)

  it('testJWT verifies with veraison-ear--pkey.json; payload as ear-claims-tv-ok.json', async () => {
    const r = await verifyEar(corpusText('veraison-ear--testjwt.jwt'), { key: pkey as never, nonce: false, now: iat })
    expect(r.errors).toEqual([])
    expect(r.valid).toBe(true)
    expect(r.status).toBe('affirming')
    expect(r.ear?.profile).toBe('tag:github.com,2023:veraison/ear')
    expect(r.ear?.verifierId).toEqual({ developer: 'Acme Inc.', build: 'rrtrap-v1.0.0' })
    expect(r.ear?.rawEvidence).toBe('3q2-7w')
    expect(r.ear?.submods.test?.trustworthinessVector).toEqual({
      'instance-identity': 2, configuration: 2, executables: 3, 'file-system': 2, hardware: 2, 'runtime-opaque': 2, 'storage-opaque': 2, 'sourced-data': 2,
    })
    expect(r.ear?.submods.test?.policyIds).toEqual(['https://veraison.example/policy/1/60a0068d'])
  })

  it('testJWT is rejected at the real current time (too old)', async () => {
    const r = await verifyEar(corpusText('veraison-ear--testjwt.jwt'), { key: pkey as never, nonce: false })
    expect(codes(r)).toEqual(['ERR_JWT_TOO_OLD'])
  })

  it('testJWT pinned to another verifier id → ERR_EAR_VERIFIER_ID; to the draft profile only → ERR_EAR_PROFILE', async () => {
    const t = corpusText('veraison-ear--testjwt.jwt')
    expect(codes(await verifyEar(t, { key: pkey as never, nonce: false, now: iat, verifierId: { developer: 'https://veraison-project.org' } }))).toEqual(['ERR_EAR_VERIFIER_ID'])
    expect(codes(await verifyEar(t, { key: pkey as never, nonce: false, now: iat, profiles: ['tag:ietf.org,2026:rats/ear#03'] }))).toEqual(['ERR_EAR_PROFILE'])
  })

  it('testJWT_JWK verifies only because the caller supplies the same key; the embedded jwk is ignored', async () => {
    const t = corpusText('veraison-ear--testjwt_jwk.jwt')
    const ok = await verifyEar(t, { key: pkey as never, nonce: false, now: iat })
    expect(ok.valid).toBe(true)
    const other = await verifyEar(t, { key: { kty: 'EC', crv: 'P-256', x: 'KRugF02OBR7J0Op3RadryukePhKCQnAVWgajPbNWKjE', y: 'ut2YOceP3yq5jvCF6NbeViBCeB50QEOS3YYrYLyCxrE' }, nonce: false, now: iat })
    expect(codes(other)).toEqual(['ERR_JWT_SIGNATURE'])
  })

  it('testRealmJWT: signed by its own embedded key only → rejected with the pinned key', async () => {
    const t = corpusText('veraison-ear--testrealmjwt.jwt')
    const r = await verifyEar(t, { key: pkey as never, nonce: false, now: new Date(1752059139 * 1000) })
    expect(codes(r)).toEqual(['ERR_JWT_SIGNATURE'])
  })

  it('testRealmJWT: verifies at its iat when the caller explicitly supplies the embedded key; expired now', async () => {
    const t = corpusText('veraison-ear--testrealmjwt.jwt')
    const side = corpusJson<{ header: { jwk: Record<string, string> } }>('veraison-ear--testrealmjwt.jwt.json')
    const key = side.header.jwk
    const atIat = await verifyEar(t, { key: key as never, nonce: false, now: new Date(1752059139 * 1000) })
    expect(atIat.errors).toEqual([])
    expect(atIat.valid).toBe(true)
    expect(atIat.ear?.profile).toBe('tag:github.com,2024:confidential-containers/Trustee')
    expect(atIat.ear?.submods.cpu0?.annotatedEvidence).toHaveProperty('cca')
    expect(atIat.ear?.submods.cpu0?.annotatedEvidence).toHaveProperty('report_data')
    expect(atIat.ear?.submods.cpu0?.policyIds).toEqual(['default'])
    const now = await verifyEar(t, { key: key as never, nonce: false })
    expect(codes(now)).toEqual(expect.arrayContaining(['ERR_JWT_EXPIRED']))
    expect(now.valid).toBe(false)
  })

  it('tampered EAR payload → ERR_JWT_SIGNATURE', async () => {
    const [h, p, s] = corpusText('veraison-ear--testjwt.jwt').split('.') as [string, string, string]
    const payload = JSON.parse(fromB64u(p).toString()) as { submods: { test: Record<string, unknown> } }
    payload.submods.test['ear.status'] = 'affirming'
    ;(payload.submods.test['ear.trustworthiness-vector'] as Record<string, number>).executables = 2
    const r = await verifyEar(`${h}.${b64u(JSON.stringify(payload))}.${s}`, { key: pkey as never, nonce: false, now: iat })
    expect(codes(r)).toEqual(['ERR_JWT_SIGNATURE'])
  })
})
