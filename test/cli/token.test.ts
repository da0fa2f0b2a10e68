/** `bootproof token verify` contract: JSON shape, exit codes 0 / 1 / 2, key files only. */
import { describe, it, expect, beforeAll } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runToken } from '../../src/cli/commands/token.js'
import type { CliIO } from '../../src/cli/io.js'
import { CORPUS, announceCorpus } from '../helpers/corpus.js'
import { INSTANCE, NONCE, NOW, TOKENS, fromB64u, jwksOf, maaPayload, makeSigner, sign, type Signer } from '../token/helpers.js'

announceCorpus('CLI token corpus tests (test/cli/token.test.ts)')

function io(): CliIO & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', out: (s: string) => void (o.stdout += s + '\n'), err: (s: string) => void (o.stderr += s + '\n') }
  return o
}

const dir = mkdtempSync(join(tmpdir(), 'bootproof-token-'))
const file = (name: string, content: string) => {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}

async function run(argv: string[]) {
  const o = io()
  const code = await runToken(argv, o)
  return { code, ...o, json: () => JSON.parse(o.stdout) as { valid: boolean; errors: { code: string; message: string }[]; header: unknown; claims: Record<string, unknown>; kind?: string; status?: string } }
}

describe('harness tokens', () => {
  let signer: Signer
  let tokenPath: string, jwksPath: string
  beforeAll(async () => {
    signer = await makeSigner('RS256')
    tokenPath = file('maa.jwt', await sign({ kid: 'k0', jku: `${INSTANCE}/certs` }, maaPayload(), signer))
    jwksPath = file('jwks.json', JSON.stringify(jwksOf(signer)))
  })
  const now = NOW.toISOString()

  it('valid → exit 0 and {valid, errors, header, claims}', async () => {
    const r = await run(['verify', tokenPath, '--jwks', jwksPath, '--issuer', INSTANCE, '--now', now, '--nonce', NONCE, '--json'])
    expect(r.code).toBe(0)
    const j = r.json()
    expect(j.valid).toBe(true)
    expect(j.errors).toEqual([])
    expect(j.header).toMatchObject({ alg: 'RS256', kid: 'k0' })
    expect(j.claims.iss).toBe(INSTANCE)
    expect(j.kind).toBe('maa')
  })
  it('invalid → exit 1 with codes (wrong issuer pinned, wrong nonce)', async () => {
    const r = await run(['verify', tokenPath, '--jwks', jwksPath, '--issuer', 'https://other.eus.attest.azure.net', '--now', now, '--nonce', 'b3RoZXI', '--json'])
    expect(r.code).toBe(1)
    expect(r.json().errors.map((e) => e.code)).toEqual(['ERR_JWT_KEY_SOURCE_FORBIDDEN', 'ERR_JWT_ISSUER', 'ERR_JWT_NONCE', 'ERR_JWT_NONCE'])
  })
  it('human output lists the codes and says when the nonce was not checked', async () => {
    const r = await run(['verify', tokenPath, '--jwks', jwksPath, '--issuer', INSTANCE])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^INVALID: MAA tpm token/)
    expect(r.stdout).toContain('ERR_JWT_EXPIRED')
    expect(r.stdout).toContain('nonce not checked')
  })
  it('a single JWK file is accepted as --jwks', async () => {
    const one = file('one.jwk', JSON.stringify({ ...signer.publicJwk, kid: 'k0' }))
    expect((await run(['verify', tokenPath, '--jwks', one, '--issuer', INSTANCE, '--now', now])).code).toBe(0)
  })
  it('unparseable token → exit 2, same JSON shape with header/claims null', async () => {
    const bad = file('bad.jwt', 'not.a.jwt!')
    const r = await run(['verify', bad, '--jwks', jwksPath, '--issuer', INSTANCE, '--json'])
    expect(r.code).toBe(2)
    expect(r.json()).toMatchObject({ valid: false, errors: [{ code: 'ERR_JWT_MALFORMED' }], header: null, claims: null })
    expect(r.stderr).toContain('ERR_JWT_MALFORMED')
  })
  it('duplicate keys → exit 2 ERR_JWT_DUPLICATE_KEY', async () => {
    const [, p, s] = (await sign({ kid: 'k0' }, maaPayload(), signer)).split('.')
    const dup = file('dup.jwt', `${Buffer.from('{"alg":"RS256","alg":"RS256"}').toString('base64url')}.${p}.${s}`)
    const r = await run(['verify', dup, '--jwks', jwksPath, '--issuer', INSTANCE, '--json'])
    expect(r.code).toBe(2)
    expect(r.json().errors[0]!.code).toBe('ERR_JWT_DUPLICATE_KEY')
  })
  it('usage errors → exit 2', async () => {
    expect((await run(['verify', tokenPath, '--issuer', INSTANCE])).code).toBe(2) // no key source
    expect((await run(['verify', tokenPath, '--jwks', jwksPath])).code).toBe(2) // MAA without --issuer
    expect((await run(['verify', tokenPath, '--jwks', jwksPath, '--issuer', 'http://x'])).code).toBe(2)
    expect((await run(['verify', tokenPath, '--jwks', jwksPath, '--issuer', INSTANCE, '--now', 'yesterday'])).code).toBe(2)
    expect((await run(['sign', tokenPath])).code).toBe(2)
    expect((await run([])).code).toBe(2)
    const r = await run(['verify', join(dir, 'missing.jwt'), '--jwks', jwksPath, '--issuer', INSTANCE, '--json'])
    expect(r.code).toBe(2)
    expect(r.json()).toHaveProperty('error.code', 'ERR_INPUT_INVALID')
  })
  it('--help → exit 0', async () => {
    const r = await run(['verify', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('usage: bootproof token verify')
  })
})

describe.skipIf(!CORPUS)('corpus tokens', () => {
  const tpm = () => join(TOKENS!, 'microsoft-attestation-client-samples--report_boot.jwt')
  let rootPem: string
  beforeAll(async () => {
    const { readFileSync } = await import('node:fs')
    const h = JSON.parse(fromB64u(readFileSync(tpm(), 'utf8').split('.')[0]!).toString()) as { x5c: string[] }
    rootPem = file('ms-root-2011.pem', `-----BEGIN CERTIFICATE-----\n${h.x5c[2]!.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`)
  })
  it('MAA TPM token with --root at its iat → exit 0', async () => {
    const r = await run(['verify', tpm(), '--root', rootPem, '--issuer', 'https://prakharnoauthtest.eus.attest.azure.net', '--now', '2025-01-29T03:13:18Z', '--nonce', 'UkVQTEFDRSBXSVRIIFJQIE5PTkNF', '--policy-hash', 'gyvwpw0gyv_-uJoWgD8o3PsZJcoaBgw3KkOOizeKYNg', '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.json()).toMatchObject({ valid: true, errors: [], kind: 'maa' })
  })
  it('MAA TPM token at the real time → exit 1', async () => {
    const r = await run(['verify', tpm(), '--root', rootPem, '--issuer', 'https://prakharnoauthtest.eus.attest.azure.net', '--json'])
    expect(r.code).toBe(1)
    expect(r.json().errors.map((e) => e.code)).toContain('ERR_JWT_EXPIRED')
  })
  it('SEV-SNP token with only roots → exit 1 ERR_JWT_KEY_UNAVAILABLE', async () => {
    const r = await run(['verify', join(TOKENS!, 'azure-samples-microsoft-azure-attestation--sev-snp-jwt.jwt'), '--root', rootPem, '--issuer', 'https://sharedweu.weu.test.attest.azure.net', '--now', '2025-04-08T04:15:00Z', '--json'])
    expect(r.code).toBe(1)
    expect(r.json().errors.map((e) => e.code)).toEqual(['ERR_JWT_KEY_UNAVAILABLE'])
  })
  it('veraison EAR with --jwks pkey.json → exit 0, status affirming (kind detected)', async () => {
    const r = await run(['verify', join(TOKENS!, 'veraison-ear--testjwt.jwt'), '--jwks', join(TOKENS!, 'veraison-ear--pkey.json'), '--now', '2022-10-18T11:09:33Z', '--json'])
    expect(r.code).toBe(0)
    expect(r.json()).toMatchObject({ valid: true, kind: 'ear', status: 'affirming' })
  })
  it('EAR with an MAA-only flag → exit 2', async () => {
    const r = await run(['verify', join(TOKENS!, 'veraison-ear--testjwt.jwt'), '--jwks', join(TOKENS!, 'veraison-ear--pkey.json'), '--issuer', INSTANCE])
    expect(r.code).toBe(2)
  })
})
