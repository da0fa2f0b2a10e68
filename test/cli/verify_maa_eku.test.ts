/**
 * `verify --ak-eku / --cloud gce` (the GCE AK certificate carries EKU 2.23.133.8.1) on the corpus
 * GCE COS 85 attestation, and `verify --maa ...` wiring an Azure Attestation token into the verdict.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { CORPUS, REPO_ROOT, announceCorpus } from '../helpers/corpus.js'
import { INSTANCE, NONCE, NOW, jwksOf, maaPayload, makeSigner, sign } from '../token/helpers.js'
import { runCli } from './run.js'

announceCorpus('CLI verify --cloud gce on the GCE COS 85 attestation (test/cli/verify_maa_eku.test.ts)')

const tmp = mkdtempSync(join(tmpdir(), 'bootproof-gce-'))
const file = (name: string, content: string) => {
  const p = join(tmp, name)
  writeFileSync(p, content)
  return p
}
const pem = (hex: string) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(hex, 'hex').toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`

describe.skipIf(!CORPUS)('verify --cloud gce / --ak-eku (corpus GCE COS 85)', () => {
  let args: string[]
  beforeAll(async () => {
    const att = JSON.parse(readFileSync(join(CORPUS!, 'attestations/google-go-tpm-tools--gce-cos-85-nonce9009.json'), 'utf8'))
    const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64')
    // The corpus record as an evidence bundle: three quotes (one per bank), the attester's PCR
    // values (the quotes cover 0-23, which the firmware log alone cannot reproduce), the AK
    // public area, its certificate and the intermediate.
    const bundle = file('gce.json', JSON.stringify({
      version: 1,
      eventLog: readFileSync(join(CORPUS!, att.eventLog)).toString('base64'),
      quotes: att.quotes.map((q: { attest: string; signature: string }) => ({ attest: b64(q.attest), signature: b64(q.signature) })),
      pcrs: Object.assign({}, ...att.quotes.map((q: { pcrs: unknown }) => q.pcrs)),
      ak: { public: b64(att.akPublic.hex), certificate: pem(att.akCert.hex), intermediates: att.caCerts.filter((c: { role: string }) => c.role !== 'root').map((c: { hex: string }) => pem(c.hex)) },
    }))
    const root = file('gce-root.pem', att.caCerts.filter((c: { role: string }) => c.role === 'root').map((c: { hex: string }) => pem(c.hex)).join(''))
    const policy = join(tmp, 'gce-policy.json')
    expect((await runCli('policy', 'derive', join(CORPUS!, att.eventLog), '--id', 'test/gce-cos-85', '-o', policy)).code).toBe(0)
    // The AK certificate is valid from 2021-08-31T23:11:05Z.
    args = ['verify', '--bundle', bundle, '--nonce', att.nonce, '--ca', root, '--now', '2021-09-02T00:00:00Z', '--policy', policy, '--json']
  })

  it('without a profile the GCE AK certificate is refused (ERR_AK_CERT_PROFILE, exit 1)', async () => {
    const r = await runCli(...args)
    expect(r.code).toBe(1)
    const v = JSON.parse(r.out)
    expect(v.bootproof_findings.find((f: { code: string }) => f.code === 'ERR_AK_CERT_PROFILE')?.message).toContain('2.23.133.8.1')
    expect(v.bootproof_steps.key.status).toBe('failed')
  })
  it('--cloud gce accepts it: chain and quote verify, the verdict is affirming (exit 0)', async () => {
    const r = await runCli(...args, '--cloud', 'gce')
    expect(r.code).toBe(0)
    const v = JSON.parse(r.out)
    expect(v.ear_status).toBe('affirming')
    expect(v.bootproof_steps.key.status).toBe('success')
    expect(v.submods.tpm.ear_trustworthiness_vector['instance-identity']).toBe(2)
  })
  it('--ak-eku 2.23.133.8.1 does the same; --ak-eku 2.23.133.8.3 alone does not', async () => {
    expect(JSON.parse((await runCli(...args, '--ak-eku', '2.23.133.8.1')).out).ear_status).toBe('affirming')
    const r = await runCli(...args, '--ak-eku', '2.23.133.8.3')
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out).bootproof_findings.map((f: { code: string }) => f.code)).toContain('ERR_AK_CERT_PROFILE')
  })
  it('verify-quote takes the profile too (AK public area + certificate with its intermediate)', async () => {
    const att = JSON.parse(readFileSync(join(CORPUS!, 'attestations/google-go-tpm-tools--gce-cos-85-nonce9009.json'), 'utf8'))
    const q = att.quotes[1]
    const bin = (name: string, hex: string) => {
      const p = join(tmp, name)
      writeFileSync(p, Buffer.from(hex, 'hex'))
      return p
    }
    const chain = file('ak-chain.pem', pem(att.akCert.hex) + att.caCerts.filter((c: { role: string }) => c.role !== 'root').map((c: { hex: string }) => pem(c.hex)).join(''))
    const base = ['verify-quote', '--ak', bin('ak.pub', att.akPublic.hex), '--ak', chain, '--quote', bin('q.msg', q.attest), '--sig', bin('q.sig', q.signature), '--nonce', att.nonce, '--ca', args[6]!, '--now', '2021-09-02T00:00:00Z', '--json']
    const no = await runCli(...base)
    expect(no.code).toBe(1)
    expect(JSON.parse(no.out).errors.map((e: { code: string }) => e.code)).toEqual(['ERR_AK_CERT_PROFILE'])
    const r = await runCli(...base, '--cloud', 'gce')
    expect(JSON.parse(r.out).errors).toEqual([])
    expect(r.code).toBe(0)
  })
})

describe('verify --ak-eku / --cloud usage', () => {
  const BUNDLE = join(REPO_ROOT, 'test-vectors/demo/evidence.json')
  it('a malformed OID or an unknown profile exits 2', async () => {
    const a = await runCli('verify', '--bundle', BUNDLE, '--nonce-from-bundle', '--ak-eku', 'tcg-kp-ek', '--json')
    expect(a.code).toBe(2)
    expect(JSON.parse(a.out).error.message).toContain('--ak-eku')
    const b = await runCli('verify', '--bundle', BUNDLE, '--nonce-from-bundle', '--cloud', 'aws')
    expect(b.code).toBe(2)
    expect(b.err).toContain('known: gce')
  })
})

describe('verify --maa (an Azure Attestation token as its own submodule)', () => {
  const SB = join(REPO_ROOT, 'test-vectors/ovmf/sb-esp')
  const BUNDLE = join(REPO_ROOT, 'test-vectors/demo/evidence.json')
  const POLICY = join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json')
  let token: string, jwks: string
  beforeAll(async () => {
    const signer = await makeSigner('RS256')
    token = file('maa.jwt', await sign({ kid: 'k0' }, maaPayload(), signer))
    jwks = file('jwks.json', JSON.stringify(jwksOf(signer)))
  })
  const base = () => ['verify', '--bundle', BUNDLE, '--nonce-from-bundle', '--ak', join(SB, 'quote/ak.pub'), '--ak-enrolled', '--policy', POLICY, '--now', NOW.toISOString(), '--maa', token, '--maa-jwks', jwks, '--json']

  it('a valid token: a token step and a maa submodule in the verdict, nonce checked with --maa-nonce', async () => {
    const r = await runCli(...base(), '--maa-issuer', INSTANCE, '--maa-nonce', NONCE)
    const v = JSON.parse(r.out)
    expect(v.bootproof_steps.token).toMatchObject({ status: 'success', note: 'Azure Attestation token verified' })
    expect(v.submods.maa).toBeDefined()
    expect(v.submods.maa.ear_status).not.toBe('contraindicated')
    expect(r.err).not.toContain('nonce is not checked')
  })
  it('a token from another instance is rejected: ERR_JWT_ISSUER, maa contraindicated, exit 1', async () => {
    const r = await runCli(...base(), '--maa-issuer', 'https://other.eus.attest.azure.net', '--maa-nonce', NONCE)
    expect(r.code).toBe(1)
    const v = JSON.parse(r.out)
    expect(v.bootproof_steps.token.status).toBe('failed')
    expect(v.submods.maa.ear_status).toBe('contraindicated')
    expect(v.bootproof_findings.filter((f: { step: string }) => f.step === 'token').map((f: { code: string }) => f.code)).toContain('ERR_JWT_ISSUER')
  })
  it('a wrong --maa-nonce is a failed token; without --maa-nonce the skipped check is said on stderr', async () => {
    const bad = JSON.parse((await runCli(...base(), '--maa-issuer', INSTANCE, '--maa-nonce', 'b3RoZXI')).out)
    expect(bad.bootproof_findings.map((f: { code: string }) => f.code)).toContain('ERR_JWT_NONCE')
    const r = await runCli(...base(), '--maa-issuer', INSTANCE)
    expect(r.err).toContain("the MAA token's nonce is not checked")
    expect(JSON.parse(r.out).bootproof_steps.token.status).toBe('success')
  })
  it('usage: no issuer, no key source, or MAA flags without --maa exit 2', async () => {
    expect((await runCli(...base())).code).toBe(2)
    expect((await runCli('verify', '--bundle', BUNDLE, '--nonce-from-bundle', '--maa', token, '--maa-issuer', INSTANCE)).code).toBe(2)
    const r = await runCli('verify', '--bundle', BUNDLE, '--nonce-from-bundle', '--maa-issuer', INSTANCE)
    expect(r.code).toBe(2)
    expect(r.err).toContain('--maa-issuer needs --maa')
  })
})
