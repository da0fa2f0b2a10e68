/**
 * Inputs that are not event logs are named before the parser misreads them (ERR_INPUT_KIND,
 * with the kind and the command that takes it), and no real log is ever taken for one.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { detectNonLogInput } from '../../src/cli/input_kind.js'
import { CORPUS, REPO_ROOT, announceCorpus } from '../helpers/corpus.js'
import { runCli } from './run.js'

const tmp = mkdtempSync(join(tmpdir(), 'bootproof-kind-'))
const LOG = join(REPO_ROOT, 'test-vectors/ovmf/sb-esp/binary_bios_measurements')
const put = (name: string, data: string | Uint8Array) => {
  const p = join(tmp, name)
  writeFileSync(p, data)
  return p
}
const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')

/** `inspect <p> --json`: exit 2, ERR_INPUT_KIND on stderr and as the JSON error with its kind. */
async function refused(p: string, kind: string, ...say: string[]) {
  const r = await runCli('inspect', p, '--json')
  expect(r.code).toBe(2)
  expect(r.err).toContain('bootproof: ERR_INPUT_KIND: ')
  const e = JSON.parse(r.out).error
  expect(e).toMatchObject({ code: 'ERR_INPUT_KIND', kind })
  for (const s of say) expect(e.message).toContain(s)
  expect(e.message).not.toMatch(/maxEventDataBytes/)
}

describe('inspect on inputs that are not event logs (was ERR_EVENTLOG_LIMIT: maxEventDataBytes exceeded)', () => {
  it('package.json: other JSON', () => refused(join(REPO_ROOT, 'package.json'), 'json', 'is a JSON document, not a TCG event log'))
  it('an evidence bundle → verify --bundle', () => refused(join(REPO_ROOT, 'test-vectors/demo/evidence.json'), 'evidence-bundle', 'evidence bundle', 'verify --bundle'))
  it('a policy → policy check', () => refused(put('policy.json', JSON.stringify({ version: 1, id: 'fleet', pcrs: [0] })), 'policy', 'a JSON policy', 'policy check'))
  it('PCR values → replay --expect', () => refused(join(REPO_ROOT, 'test-vectors/ovmf/sb-esp/pcrs.json'), 'pcr-values', 'replay <log> --expect'))
  it('a JWKS → token verify --jwks', () => refused(put('jwks.json', '{"keys":[]}'), 'jwks', 'token verify'))
  it('a JWT → token verify', () => refused(put('t.jwt', `${b64url({ alg: 'ES256' })}.${b64url({ iss: 'x' })}.c2ln\n`), 'jwt', 'a JWT', 'token verify'))
  it('tpm2_eventlog YAML', () => refused(join(REPO_ROOT, 'test-vectors/ovmf/sb-esp/tpm2_eventlog.yaml'), 'yaml-eventlog', 'tpm2_eventlog', 'binary log'))
  it('tpm2_pcrread YAML', () => refused(put('pcrs.yaml', 'sha256:\n  0 : 0x3D458CFE55CC03EA1F443F1562BEEC8DF51C75E14A9FCF9A7234A13F198E7969\n'), 'yaml-pcrread', 'tpm2_pcrread'))
  it('PEM', () => refused(join(REPO_ROOT, 'test-vectors/quotes/rsassa-sha256/ak-cert.pem'), 'pem', 'PEM (certificate)', '--ca'))
  it('a TPM2 quote', () => refused(join(REPO_ROOT, 'test-vectors/quotes/rsassa-sha256/quote.msg'), 'tpm-attest', 'verify-quote --quote'))
  it('JSON that does not parse still is not a log', () => refused(put('bad.json', '{"version": 1,'), 'json', 'looks like JSON'))
  it('InputKindError carries the kind into the JSON error shape', async () => {
    const e = new (await import('../../src/cli/input_kind.js')).InputKindError('x', 'json')
    expect(e.toJSON()).toEqual({ code: 'ERR_INPUT_KIND', message: 'x', kind: 'json' })
  })

  it('a synthetic ACPI TPM2 table: says where the log is, and that this only locates it', () => {
    const t = new Uint8Array(76)
    t.set(new TextEncoder().encode('TPM2'))
    new DataView(t.buffer).setUint32(4, 76, true)
    new DataView(t.buffer).setUint32(52, 0x10000, true) // LAML
    new DataView(t.buffer).setBigUint64(56, 0x7f000000n, true) // LASA
    return refused(put('tpm2.table', t), 'acpi-table', 'ACPI TPM2 table (it locates the log: 0x10000 bytes at physical address 0x7f000000)', 'binary_bios_measurements')
  })

  it('diff checks both sides: a JWT as the second log', async () => {
    const r = await runCli('diff', LOG, put('b.jwt', `${b64url({ alg: 'RS256' })}.${b64url({})}.`), '--json')
    expect(r.code).toBe(2)
    expect(JSON.parse(r.out).error).toMatchObject({ code: 'ERR_INPUT_KIND', kind: 'jwt' })
  })
})

announceCorpus('real ACPI tables and tokens as misdirected inputs, and the no-false-positive sweep')
describe.skipIf(!CORPUS)('real samples (shared corpus)', () => {
  it('the ACPI CCEL tables are recognised, with the log area they point to', async () => {
    const dir = join(CORPUS!, 'acpi')
    const tables = readdirSync(dir).filter((f) => f.endsWith('.bin'))
    expect(tables.length).toBeGreaterThan(0)
    for (const f of tables) await refused(join(dir, f), 'acpi-table', 'an ACPI CCEL table', 'bytes at physical address 0x', 'inspect --ccel')
  })

  it('a real JWT is recognised', async () => {
    const p = join(CORPUS!, 'tokens/veraison-ear--testjwt.jwt')
    if (!existsSync(p)) return console.warn('[SKIPPED] corpus token veraison-ear--testjwt.jwt absent')
    await refused(p, 'jwt', 'token verify')
  })

  it('no event log in the corpus or the test vectors is taken for another kind', () => {
    const files = [
      ...readdirSync(join(CORPUS!, 'logs')).map((f) => join(CORPUS!, 'logs', f)),
      ...readdirSync(join(REPO_ROOT, 'test-vectors/synthetic')).filter((f) => f.endsWith('.bin')).map((f) => join(REPO_ROOT, 'test-vectors/synthetic', f)),
      LOG,
    ].filter((p) => statSync(p).isFile())
    expect(files.length).toBeGreaterThan(50)
    const misread = files.filter((p) => detectNonLogInput(new Uint8Array(readFileSync(p))) !== undefined)
    expect(misread).toEqual([])
  })
})
