/**
 * Importers: a Keylime mb_refstate and a systemd-pcrlock component directory, both written for the
 * sb-esp recording (test/fixtures/policy), appraise the recording as affirming; a change in the
 * reference gives a finding naming the event.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { appraisePolicy, importKeylimeRefstate, importPcrlock, PolicyError, pythonRegexToPolicyPattern, type PcrlockFile } from '../../src/policy/index.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { errors, loadSbEsp, SB, type SbEsp } from './helpers.js'

const FIX = resolve(REPO_ROOT, 'test/fixtures/policy')
let ev: SbEsp
beforeAll(async () => {
  ev = await loadSbEsp()
})

describe('Keylime mb_refstate', () => {
  const refstate = () => JSON.parse(readFileSync(join(FIX, 'sb-esp.mb_refstate.json'), 'utf8')) as Record<string, any>
  // Keylime's example policy uses PCR 0-9 and 14; the recorded quote covers 0-9 only, so this test
  // uses the PCR values read in the guest (pcrs.json, which the log replays to) as the quoted values.
  const sysfs = () => {
    const all = JSON.parse(readFileSync(resolve(REPO_ROOT, SB, 'pcrs.json'), 'utf8')) as Record<string, Record<string, string>>
    return { valid: true, pcrs: { sha256: all.sha256! } }
  }
  it('imports and affirms the recording', () => {
    const policy = importKeylimeRefstate(refstate(), { id: 'keylime/sb-esp' })
    expect(policy.pcrs!.required).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14])
    expect(policy.linux!.kernelCmdline!.patterns).toEqual(['/vmlinuz console=ttyS0,115200 quiet panic=\\-1'])
    const r = appraisePolicy({ policy, log: ev.log, quote: sysfs(), nonceChecked: true })
    expect(errors(r.findings)).toEqual([])
  })
  it('like Keylime, a policy-relevant PCR missing from the quote (PCR 14) is refused', () => {
    const r = appraisePolicy({ policy: importKeylimeRefstate(refstate(), { id: 'k' }), log: ev.log, quote: ev.quote, nonceChecked: true })
    expect(r.findings.find((f) => f.code === 'POLICY_PCR_NOT_QUOTED')).toMatchObject({ pcr: 14 })
  })
  it('another kernel in the refstate: the finding names the kernel events', () => {
    const rs = refstate()
    rs.kernels[0].kernel_authcode_sha256 = `0x${'77'.repeat(32)}`
    const r = appraisePolicy({ policy: importKeylimeRefstate(rs, { id: 'k' }), log: ev.log, quote: sysfs(), nonceChecked: true })
    const f = r.findings.filter((x) => x.code === 'POLICY_COMPONENT_UNKNOWN')
    expect(f.map((x) => x.eventIndex)).toEqual([41, 42])
    expect(f[0]).toMatchObject({ component: 'os-kernel', reference: 'keylime-kernel' })
  })
  it('a stale initrd and a different command line are caught', () => {
    const rs = refstate()
    rs.kernels[0].initrd_plain_sha256 = `0x${'01'.repeat(32)}`
    rs.kernels[0].kernel_cmdline = '/vmlinuz\\ console=ttyS0,115200\\ panic=\\-1'
    const codes = appraisePolicy({ policy: importKeylimeRefstate(rs, { id: 'k' }), log: ev.log, quote: sysfs(), nonceChecked: true }).findings.map((f) => f.code)
    expect(codes.sort()).toEqual(['POLICY_CMDLINE', 'POLICY_DIGEST_REQUIRED_MISSING'])
  })
  it('dbx entries are "at least", db keys "at most"', () => {
    const rs = refstate()
    rs.dbx.push({ SignatureOwner: '77fa9abd-0359-4d32-bd60-28f4e78f784b', SignatureData: `0x${'ab'.repeat(32)}` })
    rs.db = rs.db.slice(0, 1)
    const codes = appraisePolicy({ policy: importKeylimeRefstate(rs, { id: 'k' }), log: ev.log, quote: sysfs(), nonceChecked: true }).findings.map((f) => f.code)
    expect(codes.sort()).toEqual(['POLICY_DBX_MISSING_ENTRY', 'POLICY_DB_UNEXPECTED_KEY'])
  })
  it('Python re.escape output becomes the policy pattern subset', () => {
    expect(pythonRegexToPolicyPattern('/vmlinuz\\-6\\.1\\ root=UUID=abc\\ ro')).toBe('/vmlinuz\\-6\\.1 root=UUID=abc ro')
    expect(pythonRegexToPolicyPattern('a\\d+\\s\\=')).toBe('a\\d+\\s=')
  })
  it('malformed refstates are reported with JSON pointers', () => {
    const rs = refstate()
    rs.kernels[0].shim_authcode_sha256 = '80a6'
    delete rs.dbx
    try {
      importKeylimeRefstate(rs, { id: 'k' })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(PolicyError)
      expect((e as PolicyError).code).toBe('ERR_POLICY_DERIVE')
      expect((e as PolicyError).issues.map((i) => i.path).sort()).toEqual(['/dbx', '/kernels/0/shim_authcode_sha256'])
    }
  })
})

describe('systemd-pcrlock components', () => {
  const files = (): PcrlockFile[] => {
    const out: PcrlockFile[] = []
    const walk = (d: string) => {
      for (const n of readdirSync(d).sort()) {
        const p = join(d, n)
        if (statSync(p).isDirectory()) walk(p)
        else out.push({ name: relative(join(FIX, 'pcrlock.d'), p), content: readFileSync(p, 'utf8') })
      }
    }
    walk(join(FIX, 'pcrlock.d'))
    return out
  }
  it('imports a pcrlock.d directory and affirms the recording (PCR 0-7)', () => {
    const policy = importPcrlock(files(), { id: 'pcrlock/sb-esp' })
    expect(policy.pcrs!.required).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    // variants: separators 0x00000000 / 0xffffffff, two kernels, exit-boot-services present / absent
    const kernel = policy.eventRules!.find((r) => r.id === '650-kernel@4')!
    expect(kernel.alternatives!.map((a) => a.name)).toEqual(['6.1.0-55-amd64', '6.1.0-56-amd64'])
    expect(policy.eventRules!.find((r) => r.id === '700-action-efi-exit-boot-services@5')!.alternatives!.map((a) => a.events.length)).toEqual([2, 0])
    const r = appraisePolicy({ policy, log: ev.log, quote: ev.quote, nonceChecked: true })
    expect(errors(r.findings)).toEqual([])
  })
  it('without the boot-loader component, PCR 4 is not recognised: the finding names event 23', () => {
    const policy = importPcrlock(files().filter((f) => !f.name.startsWith('630-')), { id: 'p' })
    const r = appraisePolicy({ policy, log: ev.log, quote: ev.quote, nonceChecked: true })
    const f = r.findings.filter((x) => x.code === 'POLICY_COMPONENT_UNKNOWN')
    expect(f.map((x) => x.eventIndex)).toEqual([23, 29])
  })
  it('malformed input is rejected with the file name', () => {
    expect(() => importPcrlock([{ name: 'kernel.pcrlock', content: '{"records":[]}' }], { id: 'p' })).toThrow(/NNN-name\.pcrlock/)
    expect(() => importPcrlock([{ name: '650-kernel.pcrlock', content: '{"records":[{"pcr":4,"digests":[{"hashAlg":"md5","digest":"00"}]}]}' }], { id: 'p' })).toThrow(/650-kernel\.pcrlock#\/records\/0\/digests\/0\/hashAlg/)
  })
})
