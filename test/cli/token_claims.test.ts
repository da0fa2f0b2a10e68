/** `token verify` prints the verified claims (text: one line each; JSON: "claims"), never those of a token that failed. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { INSTANCE, NONCE, NOW, jwksOf, maaPayload, makeSigner, sign } from '../token/helpers.js'
import { runCli } from './run.js'

const dir = mkdtempSync(join(tmpdir(), 'bootproof-claims-'))
const file = (name: string, content: string) => {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}

describe('bootproof token verify: claims', () => {
  let token: string, jwks: string
  beforeAll(async () => {
    const signer = await makeSigner('RS256')
    token = file('maa.jwt', await sign({ kid: 'k0' }, maaPayload({ 'x-ms-custom': 'marker-7f3a' }), signer))
    jwks = file('jwks.json', JSON.stringify(jwksOf(signer)))
  })
  const ok = () => ['token', 'verify', token, '--jwks', jwks, '--issuer', INSTANCE, '--now', NOW.toISOString(), '--nonce', NONCE]

  it('text: one line per verified claim, values as JSON', async () => {
    const r = await runCli(...ok())
    expect(r.code).toBe(0)
    const lines = r.out.split('\n')
    const at = lines.indexOf('claims:')
    expect(at).toBeGreaterThan(0)
    expect(lines).toContain(`  iss: "${INSTANCE}"`)
    expect(lines).toContain('  x-ms-custom: "marker-7f3a"')
    expect(lines).toContain('  x-ms-policy: {"SecureBootEnabled":true,"BootDebuggingEnabled":false,"notSafeMode":true}')
    expect(lines.slice(at + 1).filter((l) => /^ {2}\S+: /.test(l))).toHaveLength(Object.keys(maaPayload({ 'x-ms-custom': 1 })).length)
  })
  it('JSON: the verified claims under "claims"', async () => {
    const j = JSON.parse((await runCli(...ok(), '--json')).out)
    expect(j.valid).toBe(true)
    expect(j.claims).toMatchObject({ iss: INSTANCE, 'x-ms-custom': 'marker-7f3a', nonce: NONCE })
  })
  it('a token that failed: no claim is printed, in text or JSON (claims null)', async () => {
    const bad = ['token', 'verify', token, '--jwks', jwks, '--issuer', 'https://other.eus.attest.azure.net', '--now', NOW.toISOString()]
    const t = await runCli(...bad)
    expect(t.code).toBe(1)
    expect(t.out).toContain('claims: not shown (the token did not verify)')
    expect(t.out).not.toContain('marker-7f3a')
    // The issuer is a claim too: not named in the headline (the ERR_JWT_ISSUER message quotes
    // it to explain the failure, which is the error, not a claim listing).
    expect(t.out.split('\n')[0]).toBe('INVALID: MAA tpm token')
    expect(t.out).not.toMatch(/^ {2}(iss|nonce|x-ms-custom): /m)
    const j = await runCli(...bad, '--json')
    expect(JSON.parse(j.out)).toMatchObject({ valid: false, claims: null })
    expect(j.out).not.toContain('marker-7f3a')
  })
})
