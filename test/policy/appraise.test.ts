/**
 * appraisePolicy on the committed sb-esp recording (real swtpm quote + log): derive a policy from
 * the evidence and it affirms; then each tamper / policy change gives the finding that names it.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseEventLog, type EventLog } from '../../src/index.js'
import { extractBootState } from '../../src/state/boot_state.js'
import { appraisePolicy, derivePolicy, PolicyError, type AppraisalInput, type AppraisalResult, type Policy, type PolicyFact } from '../../src/policy/index.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { errors, loadSbEsp, SB, tamperData, tamperDigest, type SbEsp } from './helpers.js'

let ev: SbEsp
let policy: Policy
const meta = JSON.parse(readFileSync(resolve(REPO_ROOT, SB, 'meta.json'), 'utf8')) as { authenticode_sha256: Record<string, string>; cmdline: string }

beforeAll(async () => {
  ev = await loadSbEsp()
  policy = derivePolicy([{ log: ev.log, quotedPcrs: ev.pcrs }], { id: 'test/sb-esp' })
})

const run = (over: Partial<AppraisalInput> = {}): AppraisalResult => appraisePolicy({ policy, log: ev.log, quote: ev.quote, nonceChecked: true, ...over })
const codes = (r: AppraisalResult) => r.findings.map((f) => f.code)
const clone = <T>(x: T): T => structuredClone(x)

describe('derived policy, same evidence', () => {
  it('affirms: no error findings, every component affirming', () => {
    const r = run()
    expect(errors(r.findings)).toEqual([])
    expect(r.ok).toBe(true)
    expect(r.policyId).toBe('test/sb-esp')
    expect(r.authenticatedPcrs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    for (const c of r.components) expect(c.status, c.component).toBe('affirming')
    expect(r.components.map((c) => c.component)).toEqual(expect.arrayContaining(['attestation', 'platform-firmware', 'secure-boot', 'boot-loader', 'os-kernel', 'initrd', 'boot-config']))
    expect(r.checks.eventRules.status).toBe('pass')
    expect(r.checks.secureBoot.status).toBe('pass')
    expect(r.checks.kernelCmdline.status).toBe('pass')
    expect(r.checks.windows.status).toBe('not-configured')
  })
  it('the derived policy pins what the recording says (meta.json)', () => {
    const bsa = policy.eventRules!.filter((x) => x.pcr === 4 && x.eventTypes?.[0] === 'EV_EFI_BOOT_SERVICES_APPLICATION')
    expect(bsa.map((x) => x.component)).toEqual(['boot-loader', 'os-kernel'])
    expect(bsa[0]!.alternatives![0]!.events.map((e) => e.sha256)).toEqual([meta.authenticode_sha256['shimx64.efi.signed'], meta.authenticode_sha256['grubx64.efi.signed']])
    expect(bsa[1]!.alternatives![0]!.events.map((e) => e.sha256)).toEqual([meta.authenticode_sha256['vmlinuz-6.1.0-56-amd64'], meta.authenticode_sha256['vmlinuz-6.1.0-56-amd64']])
    expect(policy.linux!.kernelCmdline!.exact).toEqual([`/vmlinuz ${meta.cmdline}`])
    expect(policy.secureBoot!.required).toBe(true)
    expect(policy.secureBoot!.db!.allowed.map((x) => x.description)).toEqual(expect.arrayContaining([expect.stringContaining('Microsoft Corporation UEFI CA 2011')]))
  })
  it('the matched alternatives are reported per component', () => {
    const kernel = run().components.find((c) => c.component === 'os-kernel')!
    expect(kernel.matched.some((m) => m.events.join() === '41,42')).toBe(true)
  })
  it('the committed derived example and the hand-written fleet example both affirm the recording', () => {
    for (const f of ['ovmf-sb-esp.derived.json', 'fleet-debian12-ovmf.json']) {
      const p = JSON.parse(readFileSync(resolve(REPO_ROOT, 'examples/policies', f), 'utf8'))
      const r = appraisePolicy({ policy: p, log: ev.log, quote: ev.quote, nonceChecked: true })
      expect(errors(r.findings), f).toEqual([])
    }
  })
})

describe('tampered evidence', () => {
  it('one PCR 4 digest changed (shim): the finding names event 23 and the boot loader', () => {
    const log = parseEventLog(tamperDigest(ev.log, ev.bytes, 23))
    const r = run({ log })
    expect(r.ok).toBe(false)
    const f = r.findings.find((x) => x.code === 'POLICY_COMPONENT_UNKNOWN')!
    expect(f).toMatchObject({ eventIndex: 23, pcr: 4, component: 'boot-loader', eventType: 'EV_EFI_BOOT_SERVICES_APPLICATION' })
    expect(f.message).toMatch(/^event 23 \(EV_EFI_BOOT_SERVICES_APPLICATION\) in PCR 4/)
    // the log no longer replays to the quote: PCR 4 is not authenticated either
    expect(r.findings.find((x) => x.code === 'POLICY_PCR_UNVERIFIED')).toMatchObject({ pcr: 4, bank: 'sha256' })
    expect(r.components.find((c) => c.component === 'boot-loader')!.status).toBe('contraindicated')
    expect(r.components.find((c) => c.component === 'platform-firmware')!.status).toBe('affirming')
  })
  it('SecureBoot variable data edited, digest kept (R-02): the fact is untrusted, naming event 4', () => {
    const sbEvent = ev.log.events[4]!
    const log = parseEventLog(tamperData(ev.log, ev.bytes, 4, sbEvent.data.length - 1))
    const r = run({ log })
    const f = r.findings.find((x) => x.code === 'POLICY_FACT_UNTRUSTED')
    expect(f).toMatchObject({ eventIndex: 4, pcr: 7, component: 'secure-boot' })
    expect(r.ok).toBe(false)
  })
  it('a GRUB command digest changed (PCR 8): named by event', () => {
    const r = run({ log: parseEventLog(tamperDigest(ev.log, ev.bytes, 35)) })
    expect(r.findings.find((x) => x.code === 'POLICY_COMPONENT_UNKNOWN')).toMatchObject({ eventIndex: 35, pcr: 8, component: 'boot-config' })
  })
})

describe('fail closed on missing evidence', () => {
  it('no quote: nothing is authenticated', () => {
    const r = run({ quote: undefined })
    expect(r.ok).toBe(false)
    expect(codes(r)).toContain('POLICY_EVIDENCE_MISSING')
    expect(r.authenticatedPcrs).toEqual([])
    expect(codes(r)).toContain('POLICY_FACT_UNTRUSTED')
  })
  it('an invalid quote', () => {
    const r = run({ quote: { valid: false, pcrs: ev.pcrs } })
    expect(codes(r)).toContain('POLICY_QUOTE_INVALID')
    expect(r.ok).toBe(false)
  })
  it('a quote that does not cover PCR 9', () => {
    const pcrs = clone(ev.pcrs)
    delete pcrs.sha256!['9']
    const r = run({ quote: { valid: true, pcrs } })
    expect(r.findings.find((f) => f.code === 'POLICY_PCR_NOT_QUOTED')).toMatchObject({ pcr: 9, bank: 'sha256' })
    // facts from PCR 9 events, and PCR 9 rules, are not affirmed
    expect(r.components.find((c) => c.component === 'initrd')!.status).toBe('contraindicated')
  })
  it('a required bank the quote does not cover (Q-07)', () => {
    const p = clone(policy)
    p.pcrs!.banks = ['sha256', 'sha384']
    const r = run({ policy: p })
    expect(r.findings.find((f) => f.code === 'POLICY_BANK_MISSING')).toMatchObject({ bank: 'sha384' })
  })
  it('no event log for event rules', () => {
    const r = run({ log: undefined })
    expect(codes(r)).toContain('POLICY_EVIDENCE_MISSING')
    expect(r.ok).toBe(false)
  })
  it('nonce not checked (Q-05)', () => {
    expect(codes(run({ nonceChecked: false }))).toEqual(['POLICY_FRESHNESS_NONCE'])
    expect(codes(run({ nonceChecked: undefined }))).toEqual(['POLICY_FRESHNESS_NONCE'])
  })
  it('an unknown policy version throws instead of appraising', () => {
    expect(() => run({ policy: { ...policy, version: 2 } })).toThrow(PolicyError)
    expect(() => run({ policy: { ...policy, version: 2 } })).toThrow(expect.objectContaining({ code: 'ERR_POLICY_VERSION' }))
  })
  it('an empty policy throws (H-07)', () => {
    expect(() => run({ policy: { id: 'x', version: 1 } })).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID' }))
  })
})

describe('Secure Boot rules', () => {
  it('dbx missing a required entry', () => {
    const p = clone(policy)
    const revoked = 'ab'.repeat(32)
    p.secureBoot!.dbx = { mustContain: [...(p.secureBoot!.dbx?.mustContain ?? []), { sha256: revoked, type: 'sha256', description: 'BootHole revocation' }] }
    const r = run({ policy: p })
    const f = r.findings.find((x) => x.code === 'POLICY_DBX_MISSING_ENTRY')!
    expect(f).toMatchObject({ component: 'secure-boot', componentName: 'dbx', pcr: 7, eventIndex: 8, expected: revoked })
    expect(f.message).toMatch(/BootHole revocation/)
    expect(codes(r)).toEqual(['POLICY_DBX_MISSING_ENTRY'])
  })
  it('db holding a key the policy does not allow', () => {
    const p = clone(policy)
    const uefiCa = '48e99b991f57fc52f76149599bff0a58c47154229b9f8d603ac40d3500248507'
    p.secureBoot!.db!.allowed = p.secureBoot!.db!.allowed.filter((x) => x.sha256 !== uefiCa)
    const r = run({ policy: p })
    const f = r.findings.find((x) => x.code === 'POLICY_DB_UNEXPECTED_KEY')!
    expect(f).toMatchObject({ observed: uefiCa, eventIndex: 7, pcr: 7 })
    expect(f.message).toMatch(/Microsoft Corporation UEFI CA 2011/)
    expect(codes(r)).toEqual(['POLICY_DB_UNEXPECTED_KEY'])
  })
  it('KEK and PK allow-lists', () => {
    const p = clone(policy)
    p.secureBoot!.kek!.allowed = []
    p.secureBoot!.pk!.allowed = []
    expect(new Set(codes(run({ policy: p })))).toEqual(new Set(['POLICY_KEK_UNEXPECTED_KEY', 'POLICY_PK_UNEXPECTED_KEY']))
  })
  it('Secure Boot required but off (hand-built state)', () => {
    const state = clone(extractBootState(ev.log, { quotedPcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }).state)
    state.secureBoot.enabled = { ...state.secureBoot.enabled, value: false }
    const r = run({ state })
    expect(r.findings.find((f) => f.code === 'POLICY_SECUREBOOT_REQUIRED')).toMatchObject({ observed: 'disabled', eventIndex: 4 })
  })
})

describe('kernel command line', () => {
  it('a mismatch gives POLICY_CMDLINE with expected and observed', () => {
    const p = clone(policy)
    p.linux = { kernelCmdline: { exact: ['/vmlinuz console=ttyS0,115200 panic=-1'] } }
    const f = run({ policy: p }).findings.find((x) => x.code === 'POLICY_CMDLINE')!
    // the finding names the fact's first source event (the kernel_cmdline event 43, or the GRUB `linux` command it is corroborated by)
    const cmd = extractBootState(ev.log, { quotedPcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }).state.linux.kernelCmdline
    expect(cmd.events).toContain(43)
    expect(f).toMatchObject({ pcr: 8, eventIndex: cmd.events[0], observed: `/vmlinuz ${meta.cmdline}` })
  })
  it('a pattern that fits passes; forbidden arguments are flagged', () => {
    const p = clone(policy)
    p.linux = { kernelCmdline: { patterns: ['/vmlinuz( [a-z]+(=[-a-zA-Z0-9,]+)?)*'], forbiddenArgs: ['init=', 'quiet'] } }
    const r = run({ policy: p })
    expect(codes(r)).toEqual(['POLICY_CMDLINE_FORBIDDEN_ARG'])
    expect(r.findings[0]!.observed).toBe('quiet')
  })
})

describe('golden PCR values, digests, AK roots, freshness', () => {
  it('pinned PCR values: match, then a mismatch names the PCR and its events', () => {
    const p = derivePolicy([{ log: ev.log, quotedPcrs: ev.pcrs }], { id: 'pinned', pinnedPcrs: [0, 7] })
    expect(p.pcrValues!.map((x) => x.pcr)).toEqual([0, 7])
    expect(errors(run({ policy: p }).findings)).toEqual([])
    p.pcrValues![0]!.alternatives = ['11'.repeat(32), '22'.repeat(32)]
    const f = run({ policy: p }).findings.find((x) => x.code === 'POLICY_PCR_MISMATCH')!
    expect(f).toMatchObject({ pcr: 0, bank: 'sha256', component: 'platform-firmware', observed: ev.pcrs.sha256!['0'], relatedEvents: [1, 2, 3, 15] })
  })
  it('a forbidden digest (revoked boot loader) is found by event', () => {
    const p = clone(policy)
    p.digests = { forbidden: [{ anyOf: [{ sha256: meta.authenticode_sha256['grubx64.efi.signed']! }], description: 'GRUB with CVE-2020-10713' }] }
    const f = run({ policy: p }).findings.find((x) => x.code === 'POLICY_DIGEST_FORBIDDEN')!
    expect(f).toMatchObject({ eventIndex: 29, pcr: 4, component: 'boot-loader' })
    expect(f.message).toMatch(/CVE-2020-10713/)
  })
  it('a required digest must be measured in an authenticated PCR', () => {
    const p = clone(policy)
    p.digests = { required: [{ anyOf: [{ sha256: meta.authenticode_sha256['shimx64.efi.signed']! }], pcr: 4 }, { anyOf: [{ sha256: 'cd'.repeat(32) }], description: 'MokList' }] }
    const r = run({ policy: p })
    expect(codes(r)).toEqual(['POLICY_DIGEST_REQUIRED_MISSING'])
    expect(r.findings[0]!.message).toMatch(/MokList/)
  })
  it('trusted AK roots: an AK not verified by certificate chain is refused', () => {
    const p = clone(policy)
    p.trustedAkRoots = [readFileSync(resolve(REPO_ROOT, SB, 'quote/swtpm-localca-rootca.pem'), 'utf8')]
    expect(codes(run({ policy: p }))).toEqual(['POLICY_AK_UNTRUSTED'])
    expect(codes(run({ policy: p, quote: { valid: true, pcrs: ev.pcrs, akChainVerified: true } }))).toEqual([])
  })
  it('counters against the previous quote (Q-12, P-03)', () => {
    const q = ev.quote.quote!
    const prev = { resetCount: q.resetCount, restartCount: q.restartCount, clock: q.clock - 1000n }
    expect(codes(run({ previous: prev }))).toEqual([])
    expect(codes(run({ previous: { ...prev, resetCount: q.resetCount + 1 } }))).toEqual(['POLICY_FRESHNESS_RESET'])
    expect(codes(run({ previous: { ...prev, clock: q.clock } }))).toEqual(['POLICY_FRESHNESS_CLOCK'])
    expect(codes(run({ previous: { ...prev, restartCount: q.restartCount + 1 } }))).toEqual(['POLICY_FRESHNESS_RESTART'])
    const same = clone(policy)
    same.freshness = { nonceRequired: true, resetCount: 'equal' }
    // a TPM reset since the previous quote of the "same boot": reset without platform reset suspected
    expect(codes(run({ policy: same, previous: { ...prev, resetCount: q.resetCount - 1 } }))).toEqual(['POLICY_FRESHNESS_RESET'])
    same.freshness.previousRequired = true
    expect(codes(run({ policy: same }))).toEqual(['POLICY_FRESHNESS_PREVIOUS_MISSING'])
  })
})

describe('Windows claims (hand-built state, MAA names)', () => {
  const claim = <T>(value: T, trusted = true): PolicyFact<T> => ({ value, trusted, events: [], ...(trusted ? {} : { reason: 'event 12 content is NOT what was measured' }) })
  const winPolicy = { id: 'win', version: 1, windows: { claims: { bootDebuggingDisabled: true, notSafeMode: true } } }
  // Windows claims rest on the absence of contrary SIPA events in PCR 11-14 and 19-20, so a policy
  // with Windows rules needs those PCRs authenticated: a quote summary that covers them.
  const winQuote = { valid: true, pcrs: { sha256: Object.fromEntries([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 19, 20].map((i) => [String(i), '00'.repeat(32)])) } }
  const base = (log?: EventLog) => {
    const state = extractBootState(ev.log, { quotedPcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }).state
    return { ...state, windows: { detected: true, claims: { bootDebuggingDisabled: claim(true), notSafeMode: claim(true) } } } as AppraisalInput['state'] & object
  }
  it('claims as required: affirming', () => {
    const r = appraisePolicy({ policy: winPolicy, state: base(), quote: winQuote, nonceChecked: true })
    expect(errors(r.findings)).toEqual([])
    expect(r.components.find((c) => c.component === 'windows-boot')!.status).toBe('affirming')
  })
  it('bootDebuggingDisabled: false gives POLICY_WINDOWS_CLAIM', () => {
    const state = base()
    state.windows!.claims.bootDebuggingDisabled = { value: false, trusted: true, events: [12, 13] }
    const r = appraisePolicy({ policy: winPolicy, state, quote: winQuote, nonceChecked: true })
    expect(r.findings).toEqual([expect.objectContaining({ code: 'POLICY_WINDOWS_CLAIM', component: 'windows-boot', componentName: 'bootDebuggingDisabled', expected: 'true', observed: 'false', eventIndex: 12 })])
    expect(r.components.find((c) => c.component === 'windows-boot')!.status).toBe('contraindicated')
  })
  it('an untrusted claim is never a pass', () => {
    const state = base()
    state.windows!.claims.notSafeMode = claim(true, false)
    expect(codes(appraisePolicy({ policy: winPolicy, state, quote: winQuote, nonceChecked: true }))).toEqual(['POLICY_FACT_UNTRUSTED'])
  })
  it('a quote that leaves out PCR 11-14 / 19-20 cannot support a Windows claim (absence is not authenticated)', () => {
    const r = appraisePolicy({ policy: winPolicy, state: base(), quote: ev.quote, nonceChecked: true })
    const notQuoted = r.findings.filter((f) => f.code === 'POLICY_PCR_NOT_QUOTED').map((f) => f.pcr)
    expect(notQuoted).toEqual([11, 12, 13, 14, 19, 20])
    expect(r.ok).toBe(false)
  })
  it('no Windows state at all: evidence missing', () => {
    const { windows: _, ...state } = base()
    expect(codes(appraisePolicy({ policy: winPolicy, state, quote: winQuote, nonceChecked: true }))).toEqual(['POLICY_EVIDENCE_MISSING'])
  })
})

describe('component statuses without a quote', () => {
  it('no component is affirming when nothing is authenticated', () => {
    const r = appraisePolicy({ policy, log: ev.log, nonceChecked: true })
    for (const c of r.components) expect(c.status, c.component).toBe('contraindicated')
  })
})

describe('quote shapes', () => {
  it('a verifyQuotes result (several quotes of one boot) is accepted; counters come from the latest quote', () => {
    const q = ev.quote.quote!
    const multi = { valid: true, checks: ev.quote.checks, errors: [], quotes: [{ ...q, clock: q.clock - 5n }, q], pcrs: ev.quote.pcrs, ak: ev.quote.ak }
    const prev = { resetCount: q.resetCount, restartCount: q.restartCount, clock: q.clock - 1n }
    expect(codes(run({ quote: multi, previous: prev }))).toEqual([])
    expect(codes(run({ quote: multi, previous: { ...prev, clock: q.clock } }))).toEqual(['POLICY_FRESHNESS_CLOCK'])
  })
})
