/** CLI output names CLI flags where the library's messages name library options. */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliWording, pcrLabel } from '../../src/cli/format.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { runCli } from './run.js'

const Q = join(REPO_ROOT, 'test-vectors/quotes/rsassa-sha256')
const QUOTE = ['--ak', join(Q, 'ak.pub'), '--quote', join(Q, 'quote.msg'), '--sig', join(Q, 'quote.sig')]

describe('library option names become CLI flags', () => {
  it('verify-quote without a nonce tells you to pass --no-nonce, not allowMissingNonce', async () => {
    const r = await runCli('verify-quote', ...QUOTE)
    expect(r.code).toBe(1)
    expect(r.out).toContain('FAIL quote.nonce ERR_QUOTE_NONCE_MISSING: no nonce expected: a quote without a fresh verifier nonce can be a replay (pass --no-nonce to opt out)')
    expect(r.out).not.toMatch(/allowMissingNonce/)
  })

  it('--no-nonce: the check says which flag skipped it, in text and in JSON messages', async () => {
    const text = await runCli('verify-quote', ...QUOTE, '--no-nonce')
    expect(text.out).toContain('ok   quote.nonce: nonce not checked (--no-nonce)')
    const json = await runCli('verify-quote', ...QUOTE, '--no-nonce', '--json')
    const check = JSON.parse(json.out).checks.find((c: { id: string }) => c.id === 'quote.nonce')
    expect(check.message).toBe('nonce not checked (--no-nonce)')
  })

  it('rewrites whole library phrases only, never JSON member names', () => {
    expect(cliWording('SHA-1 signatures are refused (pass allowSha1 to accept them)')).toBe('SHA-1 signatures are refused (pass --allow-sha1 to accept them)')
    expect(cliWording('x (set nonceChecked only after verifyQuote matched the nonce)')).toBe('x (give --nonce <hex>, the nonce you issued)')
    expect(cliWording('POLICY 0x70000 allows debugging (bit 19); accepted (allowDebug)')).toBe('POLICY 0x70000 allows debugging (bit 19); accepted (--allow-debug)')
    const json = JSON.stringify({ allowSha1: true, allowMissingNonce: false, nonceChecked: true })
    expect(cliWording(json)).toBe(json)
  })

  it('PCR 4294967295 in library messages reads 0xFFFFFFFF; other numbers stay', () => {
    expect(cliWording('EV_EFI_ACTION on PCR index 4294967295 (> 23); sha256:4294967295; PCR 42949672950; event 4294967295')).toBe(
      'EV_EFI_ACTION on PCR index 0xFFFFFFFF (> 23); sha256:0xFFFFFFFF; PCR 42949672950; event 4294967295',
    )
    expect([pcrLabel(7), pcrLabel(0xffffffff)]).toEqual(['7', '0xFFFFFFFF'])
  })
})
