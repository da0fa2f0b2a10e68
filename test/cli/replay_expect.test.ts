/**
 * `replay --expect` with tpm2_pcrread YAML, `--pcrs` to restrict the comparison and `--ima` to
 * compare PCR 10 with the IMA list, on the committed sb-esp recording (tpm2_pcrread output taken
 * in the guest after the log and IMA list were read: quote/pcrread.txt).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parsePcrreadYaml } from '../../src/cli/pcr_yaml.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { runCli } from './run.js'

const SB = join(REPO_ROOT, 'test-vectors/ovmf/sb-esp')
const LOG = join(SB, 'binary_bios_measurements')
const YAML = join(SB, 'quote/pcrread.txt')
const IMA = join(SB, 'ima_binary_runtime_measurements')
const tmp = mkdtempSync(join(tmpdir(), 'bootproof-replay-'))
const write = (name: string, text: string) => {
  const p = join(tmp, name)
  writeFileSync(p, text)
  return p
}

describe('tpm2_pcrread YAML reader', () => {
  it('reads every bank and index, lowercase, equal to the sysfs JSON of the same boot', () => {
    const v = parsePcrreadYaml(readFileSync(YAML, 'utf8'))
    expect(Object.keys(v)).toEqual(['sha1', 'sha256', 'sha384'])
    expect(Object.keys(v.sha256!)).toHaveLength(24)
    expect(v.sha256!['0']).toBe('27fcccfa7f522e228d13ff449bd8c39507a97d7d96b808e9608ddff9b6b0719a')
    const sysfs = JSON.parse(readFileSync(join(SB, 'pcrs.json'), 'utf8')) as Record<string, Record<string, string>>
    for (const bank of ['sha1', 'sha256', 'sha384']) for (const i of ['0', '4', '7', '9']) expect(v[bank]![i]).toBe(sysfs[bank]![i])
  })
  it.each([
    ['an unknown bank', '  md5:\n    0 : 0x00\n', /unknown bank/],
    ['a wrong digest size', '  sha1:\n    0 : 0x00\n', /1 bytes, sha1 needs 20/],
    ['a repeated index', `  sha1:\n    0 : 0x${'00'.repeat(20)}\n    0 : 0x${'00'.repeat(20)}\n`, /sha1:0 appears twice/],
    ['a value before any bank', `    0 : 0x${'00'.repeat(20)}\n`, /before any bank/],
    ['a value not indented under its bank', `sha1:\n0 : 0x${'00'.repeat(20)}\n`, /not indented/],
    ['a line of another shape', `  sha1:\n    0 : ${'00'.repeat(20)}\n`, /line 2: expected/],
    ['an index above 23', `  sha1:\n    24: 0x${'00'.repeat(20)}\n`, /outside 0-23/],
  ])('refuses %s (ERR_PCRS_INVALID)', (_what, text, msg) => {
    expect(() => parsePcrreadYaml(text)).toThrow(msg)
  })
})

describe('bootproof replay --expect <pcrread.yaml> [--pcrs] [--ima]', () => {
  it('a full PCR dump against the firmware log fails on PCR 10 only (IMA), exit 1', async () => {
    const r = await runCli('replay', LOG, '--expect', YAML, '--json')
    expect(r.code).toBe(1)
    const j = JSON.parse(r.out)
    const bad = j.comparisons.filter((c: { status: string }) => c.status !== 'match')
    expect(bad.map((c: { bank: string; pcr: string }) => `${c.bank}:${c.pcr}`)).toEqual(['sha1:10', 'sha256:10', 'sha384:10'])
  })

  it('--pcrs 0-9,14 compares only those registers: 33 comparisons, all match, exit 0', async () => {
    const r = await runCli('replay', LOG, '--expect', YAML, '--pcrs', '0-9,14', '--json')
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out)
    expect(j.comparisons).toHaveLength(33)
    expect(new Set(j.comparisons.map((c: { pcr: string }) => c.pcr))).toEqual(new Set(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '14']))
    const t = await runCli('replay', LOG, '--expect', YAML, '--pcrs', '0-9,14')
    expect(t.out).toContain('expected values: 33/33 match')
    expect(t.out).toMatch(/result: OK\n$/)
  })

  it('--ima compares PCR 10 with the IMA list replay (with the kernel bank rules): 72/72, exit 0', async () => {
    const r = await runCli('replay', LOG, '--expect', YAML, '--ima', IMA, '--ima-banks', 'sha256=recompute,sha384=pad', '--json')
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out)
    expect(j.comparisons).toHaveLength(72)
    expect(j.comparisons.every((c: { status: string }) => c.status === 'match')).toBe(true)
    const ten = j.comparisons.filter((c: { pcr: string }) => c.pcr === '10')
    expect(ten.map((c: { source?: string }) => c.source)).toEqual(['ima', 'ima', 'ima'])
    expect(j.pcrs.sha256['10']).toBe('0364af4ba5335b0370fd261bfb76f52cc22aea7acbbc08d605b54bb4c236ebd3')
    expect(j.ima).toMatchObject({ format: 'ima-binary', entryCount: 1, integrity: { verified: 1, mismatch: 0 } })
  })

  it('--ima without the bank rules: the sha256/sha384 PCR 10 cannot be checked, exit 1, IMA findings kept apart', async () => {
    const r = await runCli('replay', LOG, '--expect', YAML, '--ima', IMA, '--json')
    expect(r.code).toBe(1)
    const j = JSON.parse(r.out)
    expect(j.ima.findings.map((f: { code: string; bank: string }) => `${f.code} ${f.bank}`)).toEqual(['PCR_BANK_NOT_IN_LOG sha256', 'PCR_BANK_NOT_IN_LOG sha384'])
    expect(j.findings.some((f: { pcr?: number }) => f.pcr === 10)).toBe(false)
  })

  it('a changed PCR 10 value is a mismatch against the IMA replay', async () => {
    const y = readFileSync(YAML, 'utf8').replace('10: 0xB7E55818DB50C24EE38CC6885F26B376B0975300', `10: 0x${'11'.repeat(20)}`)
    const r = await runCli('replay', LOG, '--expect', write('changed.yaml', y), '--pcrs', '10', '--ima', IMA, '--json')
    expect(r.code).toBe(1)
    const cmp = JSON.parse(r.out).comparisons as { bank: string; pcr: string; status: string; source?: string }[]
    expect(cmp.map((c) => `${c.bank}:${c.pcr} ${c.status} ${c.source}`)).toEqual(['sha1:10 mismatch ima', 'sha256:10 bank-not-in-log ima', 'sha384:10 bank-not-in-log ima'])
  })

  it('JSON expectations still work, and YAML and JSON give the same comparisons', async () => {
    const a = JSON.parse((await runCli('replay', LOG, '--expect', join(SB, 'pcrs.json'), '--pcrs', '0-9', '--json')).out)
    const b = JSON.parse((await runCli('replay', LOG, '--expect', YAML, '--pcrs', '0-9', '--json')).out)
    expect(a.comparisons).toHaveLength(30)
    expect(b.comparisons).toEqual(a.comparisons)
  })

  it('usage errors and bad files exit 2', async () => {
    expect((await runCli('replay', LOG, '--pcrs', '0-9')).code).toBe(2) // --pcrs without --expect
    expect((await runCli('replay', LOG, '--expect', YAML, '--pcrs', '0-24')).code).toBe(2)
    expect((await runCli('replay', LOG, '--expect', YAML, '--pcrs', 'all')).code).toBe(2)
    expect((await runCli('replay', IMA, '--ima', IMA)).code).toBe(2) // the input is already an IMA list
    expect((await runCli('replay', LOG, '--ima', LOG)).code).toBe(2) // not an IMA list
    const bad = await runCli('replay', LOG, '--expect', write('bad.yaml', '  sha256:\n    0 : 0x1234\n'), '--json')
    expect(bad.code).toBe(2)
    expect(JSON.parse(bad.out).error.code).toBe('ERR_PCRS_INVALID')
  })
})

describe('verify-quote --pcrs accepts tpm2_pcrread YAML', () => {
  // What `tpm2_pcrread sha256:0-9` prints on that machine: the quote's selection exactly.
  const lines = readFileSync(YAML, 'utf8').split('\n')
  const start = lines.indexOf('  sha256:')
  const selected = write('pcrread-sha256-0-9.yaml', lines.slice(start, start + 11).join('\n') + '\n')
  const args = (pcrs: string) => ['verify-quote', '--ak', join(SB, 'quote/ak.pub'), '--quote', join(SB, 'quote/quote.msg'), '--sig', join(SB, 'quote/quote.sig'), '--pcrs', pcrs, '--nonce', readFileSync(join(SB, 'quote/nonce.hex'), 'utf8').trim(), '--json']
  it('the in-guest quote verifies against tpm2_pcrread output of its selection (exit 0)', async () => {
    const r = await runCli(...args(selected))
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out).pcrs.sha256['9']).toBe('89e875ee4727e597d950efd301f7dd36600f6cbe170c25b7d78935352b410d1a')
  })
  it('a changed value in the YAML fails the pcrDigest check (exit 1)', async () => {
    const changed = write('pcrread-changed.yaml', readFileSync(selected, 'utf8').replace(/ 9 : 0x[0-9A-F]+/, ` 9 : 0x${'AB'.repeat(32)}`))
    const r = await runCli(...args(changed))
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out).errors.map((e: { code: string }) => e.code)).toContain('ERR_PCR_DIGEST_MISMATCH')
  })
})
