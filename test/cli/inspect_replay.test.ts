/** CLI contract of `inspect` and `replay` (issue 2): output shapes and exit codes. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/corpus.js'
import { runCli } from './run.js'

const SB = join(REPO_ROOT, 'test-vectors/ovmf/sb-esp')
const LOG = join(SB, 'binary_bios_measurements')
const tmp = mkdtempSync(join(tmpdir(), 'bootproof-cli-'))

describe('bootproof inspect', () => {
  it('prints one line per event with decoded summaries', async () => {
    const r = await runCli('inspect', LOG)
    expect(r.code).toBe(0)
    expect(r.out).toContain('format: tcg-crypto-agile, 48 events, banks: sha1, sha256, sha384')
    expect(r.out).toMatch(/EV_EFI_VARIABLE_DRIVER_CONFIG/)
    expect(r.out.split('\n').filter((l) => /^\s+\d+\s+\d+\s+EV_/.test(l))).toHaveLength(48)
  })

  it('--json gives the parsed log with lowercase hex', async () => {
    const r = await runCli('inspect', LOG, '--json')
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out)
    expect(j.format).toBe('tcg-crypto-agile')
    expect(j.events).toHaveLength(48)
    expect(j.events[1].digests.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(j.algorithms.map((a: { bank: string }) => a.bank)).toEqual(['sha1', 'sha256', 'sha384'])
  })

  it('exits 2 with the error code on unparseable input', async () => {
    const p = join(tmp, 'empty.bin')
    writeFileSync(p, new Uint8Array(0))
    const r = await runCli('inspect', p, '--json')
    expect(r.code).toBe(2)
    expect(r.err).toContain('ERR_EVENTLOG_EMPTY')
    expect(JSON.parse(r.out).error.code).toBe('ERR_EVENTLOG_EMPTY')
  })

  it('exits 2 on usage errors', async () => {
    expect((await runCli('inspect')).code).toBe(2)
    expect((await runCli('inspect', LOG, '--bogus')).code).toBe(2)
    expect((await runCli('frobnicate')).code).toBe(2)
  })
})

describe('bootproof replay', () => {
  it('--json: pcrs by lowercase bank and decimal index, findings with code/severity/pcr/eventIndex', async () => {
    const r = await runCli('replay', LOG, '--json')
    const j = JSON.parse(r.out)
    expect(Object.keys(j.pcrs)).toEqual(['sha1', 'sha256', 'sha384'])
    // 14: shim's MokList measurements
    expect(Object.keys(j.pcrs.sha256)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '14'])
    expect(j.pcrs.sha256['0']).toMatch(/^[0-9a-f]{64}$/)
    expect(Array.isArray(j.findings)).toBe(true)
    expect(r.code).toBe(j.ok ? 0 : 1)
  })

  it('--expect with the PCRs read at boot (0-9) matches and exits 0', async () => {
    const read = JSON.parse((await import('node:fs')).readFileSync(join(SB, 'pcrs.json'), 'utf8'))
    const exp: Record<string, Record<string, string>> = {}
    for (const [bank, regs] of Object.entries(read as Record<string, Record<string, string>>)) {
      exp[bank] = Object.fromEntries(Object.entries(regs).filter(([i]) => Number(i) <= 9))
    }
    const p = join(tmp, 'expect.json')
    writeFileSync(p, JSON.stringify(exp))
    const r = await runCli('replay', LOG, '--json', '--expect', p)
    const j = JSON.parse(r.out)
    expect(j.comparisons).toHaveLength(30)
    expect(j.comparisons.every((c: { status: string }) => c.status === 'match')).toBe(true)
    expect(r.code).toBe(0)
  })

  it('exits 1 and names the PCR and its events on a mismatch (PCR 10 is IMA, not in the firmware log)', async () => {
    const r = await runCli('replay', LOG, '--json', '--expect', join(SB, 'pcrs.json'))
    expect(r.code).toBe(1)
    const j = JSON.parse(r.out)
    const f = j.findings.find((x: { code: string; bank: string }) => x.code === 'PCR_MISMATCH' && x.bank === 'sha256')
    expect(f).toMatchObject({ severity: 'error', pcr: 10, bank: 'sha256', observed: '0'.repeat(64) })
  })

  it('exits 1 when an event was tampered (data edited, digest kept)', async () => {
    const bytes = new Uint8Array((await import('node:fs')).readFileSync(LOG))
    // Find the "Exit Boot Services Invocation" string and change one letter.
    const needle = new TextEncoder().encode('Exit Boot Services Invocation')
    let at = -1
    for (let i = 0; i + needle.length <= bytes.length && at < 0; i++) if (needle.every((b, k) => bytes[i + k] === b)) at = i
    expect(at).toBeGreaterThan(0)
    bytes[at] = 'X'.charCodeAt(0)
    const p = join(tmp, 'tampered.bin')
    writeFileSync(p, bytes)
    const r = await runCli('replay', p, '--json')
    expect(r.code).toBe(1)
    const f = JSON.parse(r.out).findings.find((x: { code: string }) => x.code === 'EVENT_DIGEST_MISMATCH')
    expect(f).toMatchObject({ severity: 'error', pcr: 5 })
    expect(typeof f.eventIndex).toBe('number')
  })

  it('exits 2 on a malformed --expect file', async () => {
    const p = join(tmp, 'bad.json')
    writeFileSync(p, '{"sha256":{"0":"zz"}}')
    const r = await runCli('replay', LOG, '--expect', p)
    expect(r.code).toBe(2)
    expect(r.err).toContain('ERR_PCRS_INVALID')
  })
})

describe('bootproof replay on IMA lists and inspect --state (issue 5 CLI contracts)', () => {
  it('replay <ima-list> --json: PCR 10 in the same shape, matching the PCRs read at boot', async () => {
    const list = join(SB, 'ima_binary_runtime_measurements')
    const r = await runCli('replay', list, '--json', '--ima-banks', 'sha256=recompute,sha384=pad', '--expect', join(SB, 'pcrs.json'))
    const j = JSON.parse(r.out)
    expect(j.format).toBe('ima-binary')
    expect(Object.keys(j.pcrs.sha1)).toEqual(['10'])
    const read = JSON.parse(readFileSync(join(SB, 'pcrs.json'), 'utf8'))
    for (const bank of ['sha1', 'sha256', 'sha384']) expect(j.pcrs[bank]['10']).toBe(read[bank]['10'])
    expect(j.comparisons.every((c: { status: string }) => c.status === 'match')).toBe(true)
    expect(r.code).toBe(0)
  })

  it('inspect --state --json: {"state":{...},"findings":[...]} with the documented fact shape', async () => {
    const r = await runCli('inspect', LOG, '--state', '--json')
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out)
    expect(j.state.secureBoot.enabled).toEqual({ value: true, trusted: true, events: [4] })
    expect(j.state.linux.kernelCmdline).toMatchObject({ value: '/vmlinuz console=ttyS0,115200 quiet panic=-1', trusted: true })
    expect(Array.isArray(j.findings)).toBe(true)
    expect(JSON.stringify(j)).not.toMatch(/"der"/) // certificates by fingerprint, not DER
  })
})
