/**
 * `policy import-pcrlock`, `policy import-keylime` and `policy check-log` (golden-image mode,
 * NOT ATTESTED) on the committed sb-esp recording and its importer fixtures.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { validatePolicy } from '../../src/policy/validate.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { runCli } from './run.js'

const FIX = join(REPO_ROOT, 'test/fixtures/policy')
const SB = join(REPO_ROOT, 'test-vectors/ovmf/sb-esp')
const LOG = join(SB, 'binary_bios_measurements')
const DERIVED = join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json')
const tmp = mkdtempSync(join(tmpdir(), 'bootproof-policy-'))

describe('bootproof policy import-pcrlock / import-keylime', () => {
  it('import-pcrlock <dir> prints a valid policy naming every component, ordered', async () => {
    const r = await runCli('policy', 'import-pcrlock', join(FIX, 'pcrlock.d'), '--id', 'fleet/pcrlock')
    expect(r.code).toBe(0)
    const p = validatePolicy(JSON.parse(r.out))
    expect(p.id).toBe('fleet/pcrlock')
    expect(p.description).toMatch(/10 systemd-pcrlock component\(s\): 240-secureboot-policy, .*, 700-action-efi-exit-boot-services/)
    expect(p.pcrs?.required).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })
  it('import-keylime <refstate> -o <file> writes the policy (PCR 0-9 and 14 required)', async () => {
    const out = join(tmp, 'keylime.json')
    const r = await runCli('policy', 'import-keylime', join(FIX, 'sb-esp.mb_refstate.json'), '-o', out)
    expect(r.code).toBe(0)
    expect(r.err).toContain(`wrote ${out}`)
    const p = validatePolicy(JSON.parse(readFileSync(out, 'utf8')))
    expect(p.pcrs?.required).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14])
    expect(p.id).toBe('imported')
  })
  it('bad inputs exit 2 with the error code', async () => {
    expect((await runCli('policy', 'import-pcrlock', join(FIX, 'sb-esp.mb_refstate.json'))).code).toBe(2) // a file, not a directory
    expect((await runCli('policy', 'import-pcrlock', tmp)).code).toBe(2) // no .pcrlock files
    const bad = join(tmp, 'bad.json')
    writeFileSync(bad, '{"has_secureboot": "yes"')
    const r = await runCli('policy', 'import-keylime', bad, '--json')
    expect(r.code).toBe(2)
    expect(r.err).toContain('ERR_POLICY_DERIVE')
    expect(JSON.parse(r.out).error.code).toBe('ERR_POLICY_DERIVE')
    expect((await runCli('policy', 'import-keylime')).code).toBe(2)
  })
})

describe('bootproof policy check-log (golden image, not attested)', () => {
  it('the recording satisfies its derived policy: exit 0, labelled NOT ATTESTED, never affirming', async () => {
    const r = await runCli('policy', 'check-log', LOG, '--policy', DERIVED)
    expect(r.code).toBe(0)
    expect(r.out.split('\n')[0]).toMatch(/^NOT ATTESTED: /)
    expect(r.out).toMatch(/result: the log satisfies the policy, apart from the missing quote \(NOT ATTESTED\)\n$/)
    expect(r.out).toContain('freshness (nonce')
    expect(r.out.toLowerCase()).not.toContain('affirming')
    // The stand-in quote's own checks are never shown as passed.
    expect(r.out).not.toMatch(/^\s+quote\s+pass/m)
  })
  it('--json: attested false, basis log, satisfied true, no quote checks', async () => {
    const r = await runCli('policy', 'check-log', LOG, '--policy', DERIVED, '--json')
    const j = JSON.parse(r.out)
    expect(j).toMatchObject({ attested: false, basis: 'log', satisfied: true, policyId: 'example/ovmf-sb-esp', log: { format: 'tcg-crypto-agile', eventCount: 48 }, findings: [] })
    expect(Object.keys(j.checks)).not.toContain('quote')
    expect(Object.keys(j.checks)).not.toContain('freshness')
    expect(j.checks.eventRules.status).toBe('pass')
    expect(r.out).not.toContain('affirming')
  })
  it('the imported pcrlock and Keylime policies accept the recording too', async () => {
    for (const [sub, src] of [['import-pcrlock', join(FIX, 'pcrlock.d')], ['import-keylime', join(FIX, 'sb-esp.mb_refstate.json')]] as const) {
      const p = join(tmp, `${sub}.json`)
      expect((await runCli('policy', sub, src, '-o', p)).code).toBe(0)
      const r = await runCli('policy', 'check-log', LOG, '--policy', p, '--json')
      expect(JSON.parse(r.out).findings).toEqual([])
      expect(r.code).toBe(0)
    }
  })
  it("another machine's log does not satisfy it: exit 1 with the differing events", async () => {
    const r = await runCli('policy', 'check-log', join(REPO_ROOT, 'test-vectors/ovmf/plain-esp/binary_bios_measurements'), '--policy', DERIVED, '--json')
    expect(r.code).toBe(1)
    const j = JSON.parse(r.out)
    expect(j.satisfied).toBe(false)
    expect(j.attested).toBe(false)
    expect(j.findings.some((f: { code: string; eventIndex?: number }) => f.code.startsWith('POLICY_') && f.eventIndex !== undefined)).toBe(true)
    const t = await runCli('policy', 'check-log', join(REPO_ROOT, 'test-vectors/ovmf/plain-esp/binary_bios_measurements'), '--policy', DERIVED)
    expect(t.out).toMatch(/result: the log does NOT satisfy the policy \(NOT ATTESTED\)\n$/)
  })
  it('a tampered log (SecureBoot byte flipped, digest kept) fails: its content is not what was measured', async () => {
    const bytes = new Uint8Array(readFileSync(LOG))
    const { parseEventLog } = await import('../../src/eventlog/parse.js')
    const sb = parseEventLog(bytes).events.find((e) => e.pcrIndex === 7 && e.decoded.kind === 'uefi-variable' && (e.decoded as { name?: string }).name === 'SecureBoot')!
    bytes[sb.dataOffset + sb.data.length - 1]! ^= 1
    const p = join(tmp, 'tampered.bin')
    writeFileSync(p, bytes)
    const r = await runCli('policy', 'check-log', p, '--policy', DERIVED, '--json')
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out).findings.map((f: { code: string }) => f.code)).toContain('EVENT_DIGEST_MISMATCH')
  })
  it('quote-only rules (AK roots, TPM manufacturer, AK key test) are listed as not checked', async () => {
    const pol = JSON.parse(readFileSync(DERIVED, 'utf8'))
    pol.platform = { ...(pol.platform ?? {}), tpmManufacturers: ['id:494E5443'] }
    pol.tpm = { allowRocaKeys: false }
    const p = join(tmp, 'with-tpm.json')
    writeFileSync(p, JSON.stringify(pol))
    const j = JSON.parse((await runCli('policy', 'check-log', LOG, '--policy', p, '--json')).out)
    expect(j.notChecked).toEqual([expect.stringMatching(/^freshness/), expect.stringMatching(/^platform\.tpmManufacturers/), expect.stringMatching(/^tpm /)])
    expect(j.satisfied).toBe(true)
  })
  it('a signed PCR 11 rule needs a quote and a .pcrsig: listed as not checked, not failed', async () => {
    const pol = JSON.parse(readFileSync(DERIVED, 'utf8'))
    pol.pcr11Signed = { keys: [readFileSync(join(REPO_ROOT, 'test-vectors/uki/signed/pcrpkey.pem'), 'utf8')] }
    const p = join(tmp, 'with-pcr11.json')
    writeFileSync(p, JSON.stringify(pol))
    const j = JSON.parse((await runCli('policy', 'check-log', LOG, '--policy', p, '--json')).out)
    expect(j.notChecked).toContainEqual(expect.stringMatching(/^pcr11Signed/))
    expect(j.findings.map((f: { code: string }) => f.code)).not.toContain('POLICY_PCR11_SIGNATURE_MISSING')
    expect(j.satisfied).toBe(true)
  })
  it('usage errors exit 2', async () => {
    expect((await runCli('policy', 'check-log', LOG)).code).toBe(2)
    expect((await runCli('policy', 'check-log', '--policy', DERIVED)).code).toBe(2)
    expect((await runCli('policy', 'check-log', LOG, '--policy', join(FIX, 'sb-esp.mb_refstate.json'))).code).toBe(2) // not a policy
  })
})
