/** `bootproof verify-quote` on the committed swtpm vectors and on software-AK quotes. */
import { describe, it, expect } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runVerifyQuote } from '../../src/cli/commands/verify_quote.js'
import type { CliIO } from '../../src/cli/io.js'
import { NONCE, hex, makeQuote, softwareAk } from '../fixtures/tpm/builders.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const V = join(ROOT, 'test-vectors/quotes')

function io() {
  const out: string[] = []
  const err: string[] = []
  const c: CliIO = { out: (s) => out.push(s), err: (s) => err.push(s) }
  return { c, out, err, json: () => JSON.parse(out.join('\n')) }
}

function tmpQuote(opts: Parameters<typeof makeQuote>[1] = {}) {
  const ak = softwareAk('rsassa')
  const q = makeQuote(ak, { extraData: NONCE, ...opts })
  const dir = mkdtempSync(join(tmpdir(), 'bootproof-cli-'))
  writeFileSync(join(dir, 'ak.pub'), ak.tpmtPublic)
  writeFileSync(join(dir, 'quote.msg'), q.attest)
  writeFileSync(join(dir, 'quote.sig'), q.signature)
  writeFileSync(join(dir, 'pcrs.json'), JSON.stringify(q.values))
  return { dir, f: (n: string) => join(dir, n), q }
}

describe('verify-quote CLI (software AK)', () => {
  it('valid quote with JSON PCRs → exit 0 and the JSON contract', async () => {
    const t = tmpQuote()
    const o = io()
    const code = await runVerifyQuote(['--ak', t.f('ak.pub'), '--quote', t.f('quote.msg'), '--sig', t.f('quote.sig'), '--pcrs', t.f('pcrs.json'), '--nonce', hex(NONCE), '--json'], o.c)
    expect(code).toBe(0)
    const j = o.json()
    expect(j.valid).toBe(true)
    expect(j.errors).toEqual([])
    expect(j.quote.type).toBe('quote')
    expect(typeof j.quote.clock).toBe('string')
    expect(j.quote.selection).toEqual({ sha256: ['0', '1', '2', '3', '4', '5', '6', '7'] })
    expect(Object.keys(j.pcrs.sha256)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7'])
    expect(j.pcrs.sha256['0']).toMatch(/^[0-9a-f]{64}$/)
  })
  it('wrong nonce → exit 1 with ERR_QUOTE_NONCE_MISMATCH', async () => {
    const t = tmpQuote()
    const o = io()
    const code = await runVerifyQuote(['--ak', t.f('ak.pub'), '--quote', t.f('quote.msg'), '--sig', t.f('quote.sig'), '--nonce', '00'.repeat(32), '--json'], o.c)
    expect(code).toBe(1)
    expect(o.json().errors.map((e: { code: string }) => e.code)).toEqual(['ERR_QUOTE_NONCE_MISMATCH'])
    expect(o.json().pcrs).toEqual({})
  })
  it('missing nonce → exit 1 ERR_QUOTE_NONCE_MISSING; --no-nonce opts out', async () => {
    const t = tmpQuote({ extraData: new Uint8Array(0) })
    const o = io()
    expect(await runVerifyQuote(['--ak', t.f('ak.pub'), '--quote', t.f('quote.msg'), '--sig', t.f('quote.sig'), '--json'], o.c)).toBe(1)
    expect(o.json().errors[0].code).toBe('ERR_QUOTE_NONCE_MISSING')
    expect(await runVerifyQuote(['--ak', t.f('ak.pub'), '--quote', t.f('quote.msg'), '--sig', t.f('quote.sig'), '--no-nonce'], io().c)).toBe(0)
  })
  it('usage errors and unparseable input → exit 2', async () => {
    const t = tmpQuote()
    const o = io()
    expect(await runVerifyQuote(['--quote', t.f('quote.msg')], o.c)).toBe(2)
    expect(o.err.join('\n')).toContain('ERR_USAGE')
    expect(await runVerifyQuote(['--ak', t.f('ak.pub'), '--quote', t.f('quote.msg'), '--sig', t.f('quote.sig'), '--nonce', 'xyz'], io().c)).toBe(2)
    writeFileSync(t.f('bad.msg'), Uint8Array.of(0xff, 0x54, 0x43, 0x47, 0x80, 0x18, 0, 40))
    const p = io()
    expect(await runVerifyQuote(['--ak', t.f('ak.pub'), '--quote', t.f('bad.msg'), '--sig', t.f('quote.sig'), '--nonce', hex(NONCE), '--json'], p.c)).toBe(2)
    expect(p.json().error.code).toBe('ERR_TPM_TRUNCATED')
    expect(await runVerifyQuote(['--ak', t.f('missing.pub'), '--quote', t.f('quote.msg'), '--sig', t.f('quote.sig')], io().c)).toBe(2)
  })
  it('human output lists every check', async () => {
    const t = tmpQuote()
    const o = io()
    expect(await runVerifyQuote(['--ak', t.f('ak.pub'), '--quote', t.f('quote.msg'), '--sig', t.f('quote.sig'), '--nonce', hex(NONCE)], o.c)).toBe(0)
    expect(o.out[0]).toBe('quote: VALID')
    expect(o.out.join('\n')).toContain('signature.verify')
  })
})

const haveVectors = existsSync(join(V, 'rsassa-sha256/quote.msg'))
if (!haveVectors) console.warn(`[vectors] ${V} not found: skipping CLI vector tests`)
;(haveVectors ? describe : describe.skip)('verify-quote CLI (swtpm vectors)', () => {
  const nonce = (d: string) => readFileSync(join(V, d, 'nonce.hex'), 'utf8').trim()
  it('tpm2-tools files: ak.pub + quote.msg + quote.sig + quote.pcrs → exit 0', async () => {
    const d = 'rsassa-sha256'
    const o = io()
    const code = await runVerifyQuote(['--ak', join(V, d, 'ak.pub'), '--quote', join(V, d, 'quote.msg'), '--sig', join(V, d, 'quote.sig'), '--pcrs', join(V, d, 'quote.pcrs'), '--nonce', nonce(d), '--json'], o.c)
    expect(code).toBe(0)
    expect(o.json().pcrs).toEqual(JSON.parse(readFileSync(join(V, d, 'pcrs.json'), 'utf8')))
  })
  it('ak.pem (pinned SPKI) → exit 0 with the attributes marked unchecked', async () => {
    const d = 'ecdsa-p256-sha256'
    const o = io()
    expect(await runVerifyQuote(['--ak', join(V, d, 'ak.pem'), '--quote', join(V, d, 'quote.msg'), '--sig', join(V, d, 'quote.sig'), '--nonce', nonce(d), '--json'], o.c)).toBe(0)
    expect(o.json().checks.find((c: { id: string }) => c.id === 'ak.attributes').message).toContain('not checked')
  })
  it('AK certificate with --ca and --now → exit 0; without --ca → exit 1 ERR_CHAIN_UNTRUSTED', async () => {
    const d = 'rsassa-sha256'
    if (!existsSync(join(V, d, 'ak-cert.pem'))) return
    const meta = JSON.parse(readFileSync(join(V, d, 'meta.json'), 'utf8'))
    const now = new Date(new Date(meta.recorded).getTime() + 3600_000).toISOString()
    const base = ['--ak', join(V, d, 'ak.pub'), '--ak', join(V, d, 'ak-cert.pem'), '--quote', join(V, d, 'quote.msg'), '--sig', join(V, d, 'quote.sig'), '--nonce', nonce(d), '--now', now, '--json']
    expect(await runVerifyQuote([...base, '--ca', join(V, 'certs/test-ak-ca.pem')], io().c)).toBe(0)
    const o = io()
    expect(await runVerifyQuote(base, o.c)).toBe(1)
    expect(o.json().errors.map((e: { code: string }) => e.code)).toContain('ERR_CHAIN_UNTRUSTED')
  })
  it('PCR file relabelled to a PCR outside the selection → exit 1', async () => {
    const d = 'sparse-sha256'
    const pcrs = JSON.parse(readFileSync(join(V, d, 'pcrs.json'), 'utf8'))
    pcrs.sha256['3'] = pcrs.sha256['16']
    delete pcrs.sha256['16']
    const dir = mkdtempSync(join(tmpdir(), 'bootproof-cli-'))
    writeFileSync(join(dir, 'p.json'), JSON.stringify(pcrs))
    const o = io()
    expect(await runVerifyQuote(['--ak', join(V, d, 'ak.pub'), '--quote', join(V, d, 'quote.msg'), '--sig', join(V, d, 'quote.sig'), '--pcrs', join(dir, 'p.json'), '--nonce', nonce(d), '--json'], o.c)).toBe(1)
    expect(o.json().errors.map((e: { code: string }) => e.code).sort()).toEqual(['ERR_PCR_MISSING', 'ERR_PCR_NOT_IN_SELECTION'])
  })
})
