/**
 * The `--json` contracts of the CLI (schema/*.schema.json): each command is run in-process on the
 * committed vectors and its stdout validated, whatever the exit code; failures print
 * schema/cli-error.schema.json. Corpus tokens are used when ../shared/corpus is present.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Ajv2020 from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { runCli } from './run.js'
import { CORPUS, REPO_ROOT, announceCorpus } from '../helpers/corpus.js'

announceCorpus('token verify --json schema tests (test/cli/json_schemas.test.ts)')

const SCHEMAS = ['eventlog', 'inspect', 'boot-state', 'replay', 'diff', 'token-verify', 'verify-quote', 'cli-error'] as const
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true })
for (const n of SCHEMAS) ajv.addSchema(JSON.parse(readFileSync(join(REPO_ROOT, 'schema', `${n}.schema.json`), 'utf8')))
const validator = (n: (typeof SCHEMAS)[number]) => ajv.getSchema(`https://bootproof.dev/schema/${n}.schema.json`)!

const V = (rel: string) => join(REPO_ROOT, 'test-vectors', rel)
const SB = V('ovmf/sb-esp')
const LOG = join(SB, 'binary_bios_measurements')
const tmp = mkdtempSync(join(tmpdir(), 'bootproof-json-schemas-'))

/** Run with --json and validate stdout against `schema`; returns the exit code and the parsed output. */
async function check(schema: (typeof SCHEMAS)[number], ...argv: string[]) {
  const r = await runCli(...argv, '--json')
  let json: unknown
  expect(() => (json = JSON.parse(r.out)), `${argv.join(' ')}: stdout is not JSON:\n${r.out}\n${r.err}`).not.toThrow()
  const validate = validator(schema)
  expect(validate(json), `${argv.join(' ')} → ${schema}: ${JSON.stringify(validate.errors?.slice(0, 5), null, 1)}`).toBe(true)
  return { code: r.code, json: json as Record<string, any> }
}

describe('the schemas', () => {
  it('all compile (strict draft 2020-12) and use the bootproof.dev $id pattern', () => {
    for (const n of SCHEMAS) {
      const s = JSON.parse(readFileSync(join(REPO_ROOT, 'schema', `${n}.schema.json`), 'utf8'))
      expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
      expect(s.$id).toBe(`https://bootproof.dev/schema/${n}.schema.json`)
      expect(validator(n)).toBeTypeOf('function')
    }
  })
})

describe('inspect --json / inspect --state --json', () => {
  it('every committed OVMF recording and the synthetic logs that parse', async () => {
    for (const b of ['plain-direct', 'plain-esp', 'sb-esp']) expect((await check('inspect', 'inspect', V(`ovmf/${b}/binary_bios_measurements`))).code).toBe(0)
    let n = 0
    for (const f of readdirSync(V('synthetic')).filter((x) => x.endsWith('.bin'))) {
      const r = await runCli('inspect', V(`synthetic/${f}`), '--json')
      const validate = validator(r.code === 2 ? 'cli-error' : 'inspect')
      expect(validate(JSON.parse(r.out)), `${f}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true)
      n++
    }
    expect(n).toBeGreaterThan(10)
  })
  it('the boot state of the Secure Boot recording, and of logs with findings (exit 1, same shape)', async () => {
    const r = await check('boot-state', 'inspect', '--state', LOG)
    expect(r.code).toBe(0)
    expect(r.json.state.secureBoot.enabled).toMatchObject({ value: true, trusted: true })
    expect(r.json.state.linux.kernelCmdline.value).toBeTypeOf('string')
    const codes = new Set<number>()
    for (const f of ['secureboot-flipped-r02.bin', 'separator-missing-pcr7.bin', 'masquerade-r01.bin', 'startup-locality-3.bin', 'hcrtm-start.bin', 'valid-sha1-sha256.bin', 'windows-os-events-without-sha1.bin']) {
      if (!existsSync(V(`synthetic/${f}`))) continue
      codes.add((await check('boot-state', 'inspect', '--state', V(`synthetic/${f}`))).code)
    }
    expect(codes.has(1)).toBe(true)
  })
  it('a bank with a rejected value fails the schema (lowercase hex, lowercase banks)', async () => {
    const { json } = await check('inspect', 'inspect', LOG)
    const validate = validator('inspect')
    expect(validate({ ...json, events: [{ ...json.events[1], digests: { SHA256: json.events[1].digests.sha256 } }] })).toBe(false)
    expect(validate({ ...json, events: [{ ...json.events[1], digests: { sha256: json.events[1].digests.sha256.toUpperCase() } }] })).toBe(false)
  })
})

describe.skipIf(!CORPUS)('corpus logs (../shared/corpus/logs): inspect --state --json and replay --json', () => {
  it('every log prints its schema, or the error shape', async () => {
    const logs = readdirSync(join(CORPUS!, 'logs'))
    for (const f of logs) for (const argv of [['inspect', '--state'], ['replay']]) {
      const r = await runCli(...argv, join(CORPUS!, 'logs', f), '--json')
      const validate = validator(r.code === 2 ? 'cli-error' : argv[0] === 'inspect' ? 'boot-state' : 'replay')
      expect(validate(JSON.parse(r.out)), `${f} ${argv.join(' ')}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true)
    }
    expect(logs.length).toBeGreaterThan(10)
  }, 120_000)
})

describe('replay --json', () => {
  it('a firmware log, alone and with --expect (match and mismatch: exit 0 and 1, one shape)', async () => {
    const plain = await check('replay', 'replay', LOG)
    expect(plain.code).toBe(0)
    expect(Object.keys(plain.json.pcrs)).toEqual(['sha1', 'sha256', 'sha384'])
    const match = await check('replay', 'replay', LOG, '--expect', join(SB, 'quote/pcrread.txt'), '--pcrs', '0-9')
    expect(match.code).toBe(0)
    expect(match.json.comparisons.length).toBeGreaterThan(0)
    const other = await check('replay', 'replay', V('ovmf/plain-esp/binary_bios_measurements'), '--expect', join(SB, 'quote/pcrread.txt'), '--pcrs', '0-9')
    expect(other.code).toBe(1)
    expect(other.json.comparisons.some((c: { status: string }) => c.status === 'mismatch')).toBe(true)
  })
  it('--ima (comparisons marked source ima, the list under ima) and an IMA list alone', async () => {
    const r = await check('replay', 'replay', LOG, '--ima', join(SB, 'ima_ascii_runtime_measurements'), '--expect', join(SB, 'quote/pcrread.txt'))
    expect(r.json.ima.format).toBe('ima-ascii')
    expect(r.json.comparisons.some((c: { source?: string }) => c.source === 'ima')).toBe(true)
    for (const f of ['ima_ascii_runtime_measurements', 'ima_binary_runtime_measurements']) expect((await check('replay', 'replay', join(SB, f))).json.format).toMatch(/^ima-/)
  })
  it('synthetic logs with findings, StartupLocality and unknown algorithms', async () => {
    for (const f of readdirSync(V('synthetic')).filter((x) => x.endsWith('.bin'))) {
      const r = await runCli('replay', V(`synthetic/${f}`), '--json')
      const validate = validator(r.code === 2 ? 'cli-error' : 'replay')
      expect(validate(JSON.parse(r.out)), `${f}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true)
    }
  })
  it.skipIf(!existsSync(join(REPO_ROOT, 'src/cel')))('a CEL log: the same pcrs shape plus nvpcrs', async () => {
    const { createHash } = await import('node:crypto')
    const sha = (s: string) => createHash('sha256').update(s).digest('hex')
    const rec = (word: string, extra: Record<string, unknown>) => '\u001e' + JSON.stringify({ ...extra, digests: [{ hashAlg: 'sha256', digest: sha(word) }], content_type: 'systemd', content: { string: word, eventType: 'phase' } }) + '\n'
    const p = join(tmp, 'tpm2-measure.log')
    writeFileSync(p, rec('enter-initrd', { pcr: 11 }) + rec('leave-initrd', { pcr: 11 }) + rec('hello', { nv_index: 0x01d10200 }))
    const r = await check('replay', 'replay', p)
    expect(r.code).toBe(0)
    expect(r.json.format).toBe('cel-json')
    expect(Object.keys(r.json.pcrs.sha256)).toEqual(['11'])
    expect(r.json.nvpcrs).toEqual({ sha256: { [String(0x01d10200)]: expect.stringMatching(/^[0-9a-f]{64}$/) } })
  })
  it('rejects what breaks the contract', async () => {
    const { json } = await check('replay', 'replay', LOG)
    const validate = validator('replay')
    expect(validate({ ...json, pcrs: { SHA256: json.pcrs.sha256 } })).toBe(false)
    expect(validate({ ...json, pcrs: { sha256: { '0x0': json.pcrs.sha256['0'] } } })).toBe(false)
    expect(validate({ ...json, pcrs: { sha256: { '0': json.pcrs.sha256['0'].toUpperCase() } } })).toBe(false)
    expect(validate({ ...json, findings: [{ code: 'X', severity: 'fatal', message: 'm' }] })).toBe(false)
    expect(validate({ ...json, nvpcrs: {} })).toBe(false)
  })
})

describe('diff --json', () => {
  it('two committed logs (exit 1), a log with itself (exit 0)', async () => {
    const r = await check('diff', 'diff', V('ovmf/plain-esp/binary_bios_measurements'), LOG)
    expect(r.code).toBe(1)
    expect(r.json.components.length).toBeGreaterThan(0)
    expect((await check('diff', 'diff', V('ovmf/plain-direct/binary_bios_measurements'), V('ovmf/plain-esp/binary_bios_measurements'))).code).toBe(1)
    expect((await check('diff', 'diff', LOG, LOG)).code).toBe(0)
    expect((await check('diff', 'diff', LOG, V('synthetic/valid-sha1-sha256.bin'), '--bank', 'sha1')).json.bank).toBe('sha1')
  })
})

describe('verify-quote --json', () => {
  const dirs = readdirSync(V('quotes')).filter((d) => existsSync(V(`quotes/${d}/quote.msg`)))
  it('every committed quote vector (valid), and with a wrong nonce or without PCRs (invalid)', async () => {
    expect(dirs.length).toBeGreaterThan(5)
    for (const d of dirs) {
      const f = (n: string) => V(`quotes/${d}/${n}`)
      const base = ['verify-quote', '--ak', f('ak.pub'), '--quote', f('quote.msg'), '--sig', f('quote.sig')]
      const nonce = readFileSync(f('nonce.hex'), 'utf8').trim()
      const sha1 = /sha1/.test(d) ? ['--allow-sha1'] : []
      const ok = await check('verify-quote', ...base, '--pcrs', f('quote.pcrs'), ...(nonce ? ['--nonce', nonce] : ['--no-nonce']), ...sha1)
      expect(ok.code, d).toBe(0)
      const bad = await check('verify-quote', ...base, '--nonce', '00'.repeat(32), ...sha1)
      expect(bad.code, d).toBe(1)
      // The PEM key alone: a bare key the operator pins.
      await check('verify-quote', 'verify-quote', '--ak', f('ak.pem'), '--quote', f('quote.msg'), '--sig', f('quote.sig'), '--no-nonce', ...sha1)
    }
  })
  it('a signature that is not a quote message', async () => {
    const f = (n: string) => V(`quotes/rsassa-sha256/${n}`)
    const r = await runCli('verify-quote', '--ak', f('ak.pub'), '--quote', f('quote.sig'), '--sig', f('quote.sig'), '--json')
    expect(validator(r.code === 2 ? 'cli-error' : 'verify-quote')(JSON.parse(r.out))).toBe(true)
  })
})

describe('token verify --json', () => {
  const TOKENS = CORPUS ? join(CORPUS, 'tokens') : undefined
  it('a token that does not parse: the token shape, exit 2', async () => {
    const bad = join(tmp, 'bad.jwt')
    writeFileSync(bad, 'not.a.jwt!')
    const jwks = join(tmp, 'jwks.json')
    writeFileSync(jwks, JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] }))
    const r = await check('token-verify', 'token', 'verify', bad, '--jwks', jwks, '--issuer', 'https://x.eus.attest.azure.net')
    expect(r.code).toBe(2)
    expect(r.json).toMatchObject({ valid: false, header: null, claims: null })
  })
  it.skipIf(!TOKENS)('corpus EAR and MAA tokens: valid (exit 0) and invalid (exit 1)', async () => {
    const t = (n: string) => join(TOKENS!, n)
    const ear = await check('token-verify', 'token', 'verify', t('veraison-ear--testjwt.jwt'), '--jwks', t('veraison-ear--pkey.json'), '--now', '2022-10-18T11:09:33Z')
    expect(ear).toMatchObject({ code: 0, json: { valid: true, kind: 'ear', status: 'affirming' } })
    const earLate = await check('token-verify', 'token', 'verify', t('veraison-ear--testjwt.jwt'), '--jwks', t('veraison-ear--pkey.json'), '--max-age', '60')
    expect(earLate).toMatchObject({ code: 1, json: { valid: false, claims: null, status: null } })
    const maa = await check('token-verify', 'token', 'verify', t('microsoft-attestation-client-samples--report_boot.jwt'), '--jwks', t('veraison-ear--pkey.json'), '--issuer', 'https://x.eus.attest.azure.net')
    expect(maa).toMatchObject({ code: 1, json: { valid: false, kind: 'maa', tokenKind: 'tpm', claims: null, key: null } })
    const h = JSON.parse(Buffer.from(readFileSync(t('microsoft-attestation-client-samples--report_boot.jwt'), 'utf8').split('.')[0]!, 'base64url').toString()) as { x5c: string[] }
    const root = join(tmp, 'ms-root.pem')
    writeFileSync(root, `-----BEGIN CERTIFICATE-----\n${h.x5c[2]!.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`)
    const ok = await check('token-verify', 'token', 'verify', t('microsoft-attestation-client-samples--report_boot.jwt'), '--root', root, '--issuer', 'https://prakharnoauthtest.eus.attest.azure.net', '--now', '2025-01-29T03:13:18Z')
    expect(ok).toMatchObject({ code: 0, json: { valid: true, kind: 'maa', key: { source: 'x5c' } } })
  })
  if (!TOKENS) it.skip('corpus tokens: SKIPPED, ../shared/corpus/tokens not found', () => {})
})

describe('{"error": {...}} on failure (exit 2)', () => {
  const missing = join(tmp, 'does-not-exist')
  const dir = V('quotes')
  const notALog = V('demo/evidence.json')
  const q = (n: string) => V(`quotes/rsassa-sha256/${n}`)
  const cases: [string, string[]][] = [
    ['inspect: missing file', ['inspect', missing]],
    ['inspect: a directory', ['inspect', dir]],
    ['inspect --state: a bundle, not a log', ['inspect', '--state', notALog]],
    ['replay: a directory', ['replay', dir]],
    ['replay: truncated log', ['replay', V('synthetic/truncated-mid-digest.bin')]],
    ['replay: bad --expect', ['replay', LOG, '--expect', join(SB, 'quote/quote.pcrs')]],
    ['diff: one path', ['diff', LOG]],
    ['diff: a directory', ['diff', LOG, dir]],
    ['verify-quote: missing --sig', ['verify-quote', '--ak', q('ak.pub'), '--quote', q('quote.msg'), '--sig', missing]],
    ['verify-quote: a directory as AK', ['verify-quote', '--ak', dir, '--quote', q('quote.msg'), '--sig', q('quote.sig')]],
    ['token verify: missing file', ['token', 'verify', missing, '--jwks', missing]],
    ['token verify: usage', ['token', 'verify']],
    ['policy check-log: missing policy', ['policy', 'check-log', LOG, '--policy', missing]],
    ['verify: bundle is a directory', ['verify', '--bundle', dir, '--nonce', '00']],
  ]
  for (const [name, argv] of cases) {
    it(name, async () => {
      const r = await check('cli-error', ...argv)
      expect(r.code).toBe(2)
      expect(r.json.error.code).toMatch(/^ERR_/)
    })
  }
  it('carries path / sysCode / kind where the error has them', async () => {
    expect((await check('cli-error', 'inspect', missing)).json.error).toMatchObject({ code: 'ERR_INPUT_INVALID', path: missing, sysCode: 'ENOENT' })
    expect((await check('cli-error', 'inspect', dir)).json.error).toMatchObject({ code: 'ERR_INPUT_NOT_FILE', path: dir })
    expect((await check('cli-error', 'replay', notALog)).json.error).toMatchObject({ code: 'ERR_INPUT_KIND', kind: 'evidence-bundle' })
  })
  it('rejects a malformed error', () => {
    const v = validator('cli-error')
    expect(v({ error: { code: 'oops', message: 'm' } })).toBe(false)
    expect(v({ error: { code: 'ERR_X' } })).toBe(false)
    expect(v({ error: { code: 'ERR_X', message: 'm' }, extra: 1 })).toBe(false)
  })
})
