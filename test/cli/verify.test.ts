/** CLI contract of `bootproof verify` (issue 4): inputs, JSON verdict, exit codes. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/corpus.js'
import { runCli } from './run.js'

const BUNDLE = join(REPO_ROOT, 'test-vectors/demo/evidence.json')
const SB = join(REPO_ROOT, 'test-vectors/ovmf/sb-esp')
const AK = join(SB, 'quote/ak.pub')
const nonce = JSON.parse(readFileSync(join(SB, 'meta.json'), 'utf8')).in_guest_quote.nonce_hex as string
const tmp = mkdtempSync(join(tmpdir(), 'bootproof-verify-'))

describe('bootproof verify', () => {
  it('--bundle --json prints an EAR-shaped verdict; without a policy it is not affirming (exit 1)', async () => {
    const r = await runCli('verify', '--bundle', BUNDLE, '--nonce-from-bundle', '--ak', AK, '--ak-enrolled', '--json')
    const v = JSON.parse(r.out)
    expect(v.eat_profile).toBe('tag:ietf.org,2026:rats/ear#03')
    expect(v.ear_status).toBe('none')
    expect(v.bootproof_steps.quote.status).toBe('success')
    expect(v.submods.tpm.ear_trustworthiness_vector['instance-identity']).toBe(2)
    expect(r.code).toBe(1)
  })

  it('accepts tpm2-tools files (--log --quote --sig --ak --nonce --pcrs) and prints a report', async () => {
    const r = await runCli('verify', '--log', join(SB, 'binary_bios_measurements'), '--quote', join(SB, 'quote/quote.msg'), '--sig', join(SB, 'quote/quote.sig'), '--ak', join(SB, 'quote/ak.pub'), '--pcrs', join(SB, 'quote/quote.pcrs'), '--nonce', nonce, '--ak-enrolled', '--report', 'md')
    expect(r.out).toMatch(/^# Attestation verdict: \*\*NONE\*\*/)
    expect(r.out).toContain('| TPM, attestation key and quote |')
    expect(r.code).toBe(1)
  })

  it('a wrong nonce gives a contraindicated verdict, exit 1', async () => {
    const r = await runCli('verify', '--bundle', BUNDLE, '--nonce-from-bundle', '--ak', AK, '--ak-enrolled', '--json')
    const ok = JSON.parse(r.out)
    expect(ok.ear_status).not.toBe('contraindicated')
    const b = JSON.parse(readFileSync(BUNDLE, 'utf8'))
    b.nonce = '00'.repeat(32)
    const p = join(tmp, 'wrong-nonce.json')
    writeFileSync(p, JSON.stringify(b))
    const bad = await runCli('verify', '--bundle', p, '--nonce-from-bundle', '--ak', AK, '--ak-enrolled', '--json')
    expect(JSON.parse(bad.out).ear_status).toBe('contraindicated')
    expect(bad.code).toBe(1)
  })

  it('an AK that is neither certified nor enrolled is an unrecognized instance (97, contraindicated)', async () => {
    const v = JSON.parse((await runCli('verify', '--bundle', BUNDLE, '--nonce-from-bundle', '--json')).out)
    expect(v.submods.tpm.ear_trustworthiness_vector['instance-identity']).toBe(97)
    expect(v.ear_status).toBe('contraindicated')
  })

  it('exits 2 on an invalid bundle or usage errors', async () => {
    const p = join(tmp, 'bad.json')
    writeFileSync(p, '{"version":1}')
    const r = await runCli('verify', '--bundle', p, '--nonce-from-bundle', '--json')
    expect(r.code).toBe(2)
    expect(JSON.parse(r.out).error.code).toBe('ERR_BUNDLE_INVALID')
    expect((await runCli('verify')).code).toBe(2)
    expect((await runCli('verify', '--bundle', BUNDLE, '--log', 'x')).code).toBe(2)
    expect((await runCli('verify', '--bundle', BUNDLE, '--nonce-from-bundle', '--report', 'pdf')).code).toBe(2)
    // The bundle is the attester's: the nonce must be the verifier's, and --ak-enrolled needs --ak.
    expect((await runCli('verify', '--bundle', BUNDLE)).err).toContain('--nonce')
    expect((await runCli('verify', '--bundle', BUNDLE, '--nonce-from-bundle', '--ak-enrolled')).code).toBe(2)
  })
})

describe('bootproof verify --ear-key', () => {
  it('signs the verdict as an EAR JWT that verifyEar accepts with the public key', async () => {
    const { generateKeyPairSync } = await import('node:crypto')
    const { verifyEar } = await import('../../src/index.js')
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwkPath = join(tmp, 'ear-key.json')
    writeFileSync(jwkPath, JSON.stringify({ ...privateKey.export({ format: 'jwk' }), alg: 'ES256' }))
    const out = join(tmp, 'verdict.jwt')
    const r = await runCli('verify', '--bundle', BUNDLE, '--nonce-from-bundle', '--ak', AK, '--ak-enrolled', '--policy', join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json'), '--ear-key', jwkPath, '--ear-out', out, '--json')
    expect(r.code).toBe(0)
    const jwt = readFileSync(out, 'utf8').trim()
    const res = await verifyEar(jwt, { key: publicKey.export({ format: 'jwk' }) as never, algorithms: ['ES256'], nonce: false } as never)
    expect(res.valid).toBe(true)
    expect(JSON.stringify(res)).toContain('affirming')
  })
})
