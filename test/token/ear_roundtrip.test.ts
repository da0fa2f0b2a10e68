/** issueEar → verifyEar round trips, both claim spellings, and the MAA → submodule bridge. */
import { describe, it, expect, beforeAll } from 'vitest'
import { generateKeyPair, exportJWK } from 'jose'
import { issueEar } from '../../src/token/issue_ear.js'
import { verifyEar } from '../../src/token/verify_ear.js'
import { EAR_PROFILE_DRAFT, EAR_PROFILE_VERAISON, statusFromVector, tierOf, worstStatus } from '../../src/token/ear_claims.js'
import { maaResultToSubmod } from '../../src/token/maa_submod.js'
import { parseMaaClaims } from '../../src/token/maa_claims.js'
import { fromB64u, NOW, NOW_SEC } from './helpers.js'

const vid = { developer: 'https://bootproof.example', build: 'bootproof 0.1.0' }
let keys: { privateKey: CryptoKey; publicKey: CryptoKey }

beforeAll(async () => {
  keys = (await generateKeyPair('ES256')) as typeof keys
})

describe('issueEar → verifyEar', () => {
  it('draft names: status, vector, policy ids, nonce, raw evidence and exp survive', async () => {
    const nonce = new Uint8Array(16).fill(7)
    const jwt = await issueEar(
      {
        verifierId: vid,
        rawEvidence: new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
        nonce,
        submods: {
          tpm: { status: 'affirming', trustworthinessVector: { 'instance-identity': 2, executables: 3, hardware: 2 }, policyIds: ['bootproof:policy/1', 'bootproof:policy/2'] },
          maa: { status: 'warning', trustworthinessVector: { configuration: 32 } },
        },
      },
      keys.privateKey,
      { issuedAt: NOW, expiresInSec: 300, kid: 'ear-1' },
    )
    const payload = JSON.parse(fromB64u(jwt.split('.')[1]!).toString()) as Record<string, unknown>
    expect(payload.eat_profile).toBe(EAR_PROFILE_DRAFT)
    expect(payload.ear_status).toBe('warning')
    expect(payload.exp).toBe(NOW_SEC + 300)
    expect(Object.keys(payload)).toContain('ear_verifier_id')

    const r = await verifyEar(jwt, { key: keys.publicKey, nonce, now: NOW, verifierId: vid, profiles: [EAR_PROFILE_DRAFT] })
    expect(r.errors).toEqual([])
    expect(r.valid).toBe(true)
    expect(r.status).toBe('warning')
    expect(r.key).toEqual({ source: 'caller-key', kid: 'ear-1' })
    expect(r.ear?.rawEvidence).toBe('3q2-7w')
    expect(r.ear?.submods.tpm).toEqual({ status: 'affirming', trustworthinessVector: { 'instance-identity': 2, executables: 3, hardware: 2 }, policyIds: ['bootproof:policy/1', 'bootproof:policy/2'] })
    expect(r.ear?.expiresAt?.getTime()).toBe((NOW_SEC + 300) * 1000)
    const late = await verifyEar(jwt, { key: keys.publicKey, nonce, now: new Date((NOW_SEC + 400) * 1000) })
    expect(late.errors.map((e) => e.code)).toEqual(['ERR_JWT_EXPIRED'])
  })

  it('veraison names: readable with the same verifier, same meaning', async () => {
    const jwt = await issueEar({ verifierId: vid, submods: { test: { status: 'affirming', trustworthinessVector: { executables: 3 }, policyIds: ['p'] } } }, keys.privateKey, {
      issuedAt: NOW,
      claimNames: 'veraison',
    })
    const payload = JSON.parse(fromB64u(jwt.split('.')[1]!).toString()) as { eat_profile: string; submods: { test: Record<string, unknown> } }
    expect(payload.eat_profile).toBe(EAR_PROFILE_VERAISON)
    expect(payload.submods.test).toEqual({ 'ear.status': 'affirming', 'ear.trustworthiness-vector': { executables: 3 }, 'ear.appraisal-policy-id': 'p' })
    const r = await verifyEar(jwt, { key: await exportJWK(keys.publicKey), nonce: false, now: NOW })
    expect(r.valid).toBe(true)
    expect(r.ear?.submods.test?.policyIds).toEqual(['p'])
  })

  it('a JWKS with kid selects the key', async () => {
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'ear-1' }
    const other = { ...(await exportJWK((await generateKeyPair('ES256')).publicKey)), kid: 'ear-2' }
    const jwt = await issueEar({ verifierId: vid, submods: { a: { status: 'none' } } }, keys.privateKey, { issuedAt: NOW, kid: 'ear-1' })
    expect((await verifyEar(jwt, { key: { keys: [other, jwk] }, nonce: false, now: NOW })).valid).toBe(true)
    const noKid = await issueEar({ verifierId: vid, submods: { a: { status: 'none' } } }, keys.privateKey, { issuedAt: NOW })
    expect((await verifyEar(noKid, { key: { keys: [other, jwk] }, nonce: false, now: NOW })).errors.map((e) => e.code)).toEqual(['ERR_JWT_KID_AMBIGUOUS'])
  })

  it('RSA-PSS and Ed25519 signers', async () => {
    for (const alg of ['PS256', 'EdDSA'] as const) {
      const kp = await generateKeyPair(alg, { crv: 'Ed25519' })
      const jwt = await issueEar({ verifierId: vid, submods: { a: { status: 'affirming' } } }, kp.privateKey, { alg, issuedAt: NOW })
      expect((await verifyEar(jwt, { key: kp.publicKey, nonce: false, now: NOW })).valid).toBe(true)
    }
  })

  it('rejects bad input with TypeError', async () => {
    await expect(issueEar({ verifierId: vid, submods: {} }, keys.privateKey)).rejects.toThrow(TypeError)
    await expect(issueEar({ verifierId: vid, submods: { a: { status: 'none' } } }, keys.privateKey, { alg: 'HS256' })).rejects.toThrow(TypeError)
    await expect(issueEar({ verifierId: vid, nonce: new Uint8Array(4), submods: { a: { status: 'none' } } }, keys.privateKey)).rejects.toThrow(TypeError)
    await expect(issueEar({ verifierId: vid, submods: { a: { status: 'none' } }, extensions: { iat: 1 } }, keys.privateKey)).rejects.toThrow(TypeError)
  })
})

describe('AR4SI tiers', () => {
  it('tierOf follows the int8 ranges', () => {
    expect([0, 1, -1, 2, 31, -2, -32, 32, 95, -33, -96, 96, 127, -97, -128].map(tierOf)).toEqual([
      'none', 'none', 'none', 'affirming', 'affirming', 'affirming', 'affirming', 'warning', 'warning', 'warning', 'warning', 'contraindicated', 'contraindicated', 'contraindicated', 'contraindicated',
    ])
    expect(worstStatus(['none', 'affirming', 'warning'])).toBe('warning')
    expect(statusFromVector({ a: 2, b: 99 })).toBe('contraindicated')
  })
})

describe('MAA claims → appraisal submodule', () => {
  const base = { iss: 'https://x.attest.azure.net', iat: NOW_SEC, exp: NOW_SEC + 60, 'x-ms-ver': '1.0' }
  it('boot claims with DHA and policy spellings, folded and findings emitted', () => {
    const claims = parseMaaClaims({
      ...base,
      'x-ms-policy': { SecureBootEnabled: false, BootDebuggingEnabled: true, TestSigningEnabled: 'false', SafeMode: true, VSMEnabled: true, aikValidated: true, DEPPolicy: 1, BootManagerSVN: '65539', PlatformAttested: false },
      cnf: { jwk: {} },
    })
    expect(claims.kind).toBe('tpm')
    expect(claims.boot.secureBootEnabled).toEqual({ value: false, rawName: 'SecureBootEnabled' })
    expect(claims.boot.bootDebuggingDisabled).toEqual({ value: false, rawName: 'BootDebuggingEnabled', negated: true })
    expect(claims.boot.testSigningDisabled?.value).toBe(true)
    expect(claims.boot.notSafeMode?.value).toBe(false)
    expect(claims.boot.vbsEnabled?.rawName).toBe('VSMEnabled')
    expect(claims.boot.bootMgrSvn?.value).toBe(65539)
    const sub = maaResultToSubmod({ valid: true, errors: [], claims })
    expect(sub.findings.map((f) => f.code)).toEqual(['MAA_SECURE_BOOT_DISABLED', 'MAA_BOOT_DEBUGGING_ENABLED', 'MAA_SAFE_MODE'])
    expect(sub.appraisal.trustworthinessVector).toEqual({ 'instance-identity': 2, configuration: 96 })
    expect(sub.appraisal.status).toBe('contraindicated')
  })
  it('a healthy TPM token is affirming', () => {
    const claims = parseMaaClaims({ ...base, 'x-ms-policy': { secureBootEnabled: true, bootDebuggingDisabled: true, aikValidated: true, notSafeMode: true } })
    const sub = maaResultToSubmod({ valid: true, errors: [], claims }, { label: 'azure', policyId: 'maa-policy' })
    expect(sub).toMatchObject({ label: 'azure', findings: [], appraisal: { status: 'affirming', policyIds: ['maa-policy'] } })
  })
  it('an invalid token contributes only crypto_failed', () => {
    const claims = parseMaaClaims({ ...base, 'x-ms-policy': { secureBootEnabled: true } })
    const sub = maaResultToSubmod({ valid: false, errors: [{ code: 'ERR_JWT_SIGNATURE', message: 'bad' }], claims })
    expect(sub.appraisal.status).toBe('contraindicated')
    expect(sub.appraisal.trustworthinessVector?.configuration).toBe(99)
    expect(sub.findings).toEqual([{ code: 'ERR_JWT_SIGNATURE', severity: 'error', message: 'bad' }])
  })
  it('Azure VM guest token: azurevm claims, nested SEV-SNP isolation TEE, unknown claims kept', () => {
    const claims = parseMaaClaims({
      ...base,
      'x-ms-attestation-type': 'azurevm',
      secureboot: true,
      'x-ms-azurevm-vmid': 'abc',
      'x-ms-azurevm-is-windows': true,
      'x-ms-isolation-tee': { 'x-ms-attestation-type': 'sevsnpvm', 'x-ms-compliance-status': 'azure-compliant-cvm', 'x-ms-sevsnpvm-is-debuggable': true, 'x-ms-sevsnpvm-vmpl': 0 },
      'x-vendor-thing': [1, 2],
      ver: '1.0',
    })
    expect(claims.kind).toBe('azurevm')
    expect(claims.azureVm).toEqual({ secureboot: true, vmid: 'abc', 'is-windows': true })
    expect(claims.isolationTee).toMatchObject({ attestationType: 'sevsnpvm', complianceStatus: 'azure-compliant-cvm', isDebuggable: true, vmpl: 0 })
    expect(claims.unknown).toEqual({ 'x-vendor-thing': [1, 2] })
    const sub = maaResultToSubmod({ valid: true, errors: [], claims })
    expect(sub.findings.map((f) => f.code)).toEqual(['MAA_SNP_DEBUGGABLE'])
    expect(sub.appraisal.trustworthinessVector?.['runtime-opaque']).toBe(96)
  })
  it('VBS enclave claims and deprecated aliases', () => {
    const claims = parseMaaClaims({ ...base, tee: 'vbs', policy_hash: 'h', 'x-ms-policy': { vsmReportPresent: true, enclaveSvn: 3, enclaveAuthorId: 'QUJD' } })
    expect(claims.attestationType).toBe('vbs')
    expect(claims.policyHash).toBe('h')
    expect(claims.vbs).toEqual({ vbsReportPresent: true, enclaveSvn: 3, enclaveAuthorId: 'QUJD' })
  })
})

describe('pipeline verdict → EAR', () => {
  it('issueVerdictEar signs a src/verdict Verdict; verifyEar reads it back', async () => {
    const { issueVerdictEar } = await import('../../src/token/from_verdict.js')
    const verdict = {
      eat_profile: 'tag:ietf.org,2026:rats/ear#03',
      iat: NOW_SEC,
      ear_verifier_id: vid,
      ear_status: 'warning',
      eat_nonce: 'MDEyMzQ1Njc4OWFiY2RlZg',
      submods: {
        tpm: { ear_status: 'warning', ear_trustworthiness_vector: { executables: 33, hardware: 2 }, ear_appraisal_policy_ids: ['p1'], bootproof_findings: [] },
      },
      bootproof_steps: {},
      bootproof_findings: [],
      bootproof_policy_id: 'p1',
    }
    const jwt = await issueVerdictEar(verdict as never, keys.privateKey)
    const r = await verifyEar(jwt, { key: keys.publicKey, nonce: 'MDEyMzQ1Njc4OWFiY2RlZg', now: NOW, profiles: [EAR_PROFILE_DRAFT] })
    expect(r.errors).toEqual([])
    expect(r.status).toBe('warning')
    expect(r.ear?.issuedAt.getTime()).toBe(NOW_SEC * 1000)
    expect(r.ear?.submods.tpm).toMatchObject({ status: 'warning', trustworthinessVector: { executables: 33, hardware: 2 }, policyIds: ['p1'], extensions: { bootproof_findings: [] } })
    expect(r.ear?.extensions).toMatchObject({ bootproof_policy_id: 'p1' })
  })
})
