/**
 * A real UKI boot with systemd's userspace measurement log (test-vectors/uki/boot-cel-ovmf,
 * scripts/record/record-uki-cel-boot.sh): systemd-stub 254 + Debian kernel + a busybox/tpm2-tools
 * initramfs whose /init ran systemd-pcrextend 257 (enter-initrd, leave-initrd, --machine-id,
 * --file-system=/, sysinit, ready) before two quotes over PCRs 0-15, booted by OVMF with swtpm
 * (sha1, sha256, sha384). systemd-pcrextend logged each extend in
 * /run/log/systemd/tpm2-measure.log (CEL-JSON, systemd docs/TPM2_PCR_MEASUREMENTS.md).
 *
 * What the vector proves: the firmware log alone does not explain PCRs 11 and 15; the firmware
 * log followed by the CEL explains every quoted PCR except 10, which IMA's list explains.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { authenticateAttestation, celRecordTrust, checkLog, compareCombined } from '../../src/attest/index.js'
import { parseCel, verifyCelContent, type CelLog } from '../../src/cel/index.js'
import { parseImaLog, replayImaLog } from '../../src/ima/index.js'
import { parseEventLog, pcrTrust, replayEventLog, stateFromEvidence, verifyAttestation, type EventLog } from '../../src/index.js'
import { runCli } from '../cli/run.js'
import { bootQuoteFiles, pcrSubset, UKI_DIR, vector, vectorText } from './uki_fixture.js'

const DIR = 'boot-cel-ovmf'
const PRESENT = existsSync(join(UKI_DIR, DIR, 'tpm2-measure.log'))
if (!PRESENT) console.warn(`\n[SKIPPED] recorded UKI boot with tpm2-measure.log: ${join(UKI_DIR, DIR)} not found (scripts/record/record-uki-cel-boot.sh records it)\n`)

const TPM_BANKS = ['sha1', 'sha256', 'sha384'] as const
const QUOTED = Array.from({ length: 16 }, (_, i) => i)
/** PCRs without firmware or CEL events: compared with their initial value (attack L-08). */
const EMPTY = [12, 13, 14]
const EV_IPL = 0x0d
const now = new Date('2026-12-08T00:00:00Z')
/** How this 6.1 kernel extended IMA's boot_aggregate into the non-SHA-1 banks (see test/ima/ovmf.test.ts). */
const IMA_BANKS_6_1 = { sha256: 'recompute', sha384: 'pad' } as const
const PHASES = ['enter-initrd', 'leave-initrd', 'sysinit', 'ready']

const file = (rel: string) => vector(`${DIR}/${rel}`)
const text = (rel: string) => vectorText(`${DIR}/${rel}`)
const json = <T>(rel: string) => JSON.parse(text(rel)) as T
const H = (bank: string, b: Uint8Array | string) => createHash(bank).update(b).digest('hex')
const enc = (s: string) => new TextEncoder().encode(s)

interface Meta {
  uki: { sections: { name: string; size: number; sha256: string }[]; stub_magic: string }
  systemd_userspace: { machine_id: string; steps: { step: string; rc: number }[]; tool: string }
  in_guest_quote: { host_tpm2_checkquote: Record<string, string> }
}

let cache: { log: EventLog; cel: CelLog; guest: Record<string, Record<string, string>>; meta: Meta } | undefined
function boot() {
  cache ??= { log: parseEventLog(file('binary_bios_measurements')), cel: parseCel(file('tpm2-measure.log')), guest: json('pcrs.json'), meta: json('meta.json') }
  return cache
}

const quoteFiles = (name: 'quote' | 'quote2') => bootQuoteFiles(DIR, name)

/** The in-guest values of `pcrs` in `banks` (hex). */
const guestValues = (banks: readonly string[], pcrs: readonly number[]) => pcrSubset(boot().guest, banks, pcrs)

/** The log's records as written (RFC 7464: each after 0x1E, ending in a newline). */
const celRecordsText = () => text('tpm2-measure.log').split('\u001e').slice(1)
const celFromRecords = (records: readonly string[]) => enc(records.map((r) => `\u001e${r}`).join(''))
/** The log with record `index`'s content.string replaced, its digests kept. */
function celWithString(index: number, from: string, to: string): Uint8Array {
  const recs = celRecordsText()
  expect(recs[index]).toContain(`"string":"${from}"`)
  recs[index] = recs[index]!.replace(`"string":"${from}"`, `"string":"${to}"`)
  return celFromRecords(recs)
}

async function authenticate(name: 'quote' | 'quote2', celBytes: Uint8Array | null) {
  return authenticateAttestation({
    log: boot().log,
    ...(celBytes ? { celLog: parseCel(celBytes) } : {}),
    ...quoteFiles(name),
    now,
    coverage: { pcrs: [...EMPTY, 15] },
  })
}

describe.skipIf(!PRESENT)('recorded systemd boot: the in-guest values and the quotes', () => {
  it('the recording: stub 254, every systemd-pcrextend step exited 0, host tpm2_checkquote passed both quotes', () => {
    const { meta } = boot()
    expect(meta.uki.stub_magic).toMatch(/^LoaderInfo: systemd-stub 254\./)
    expect(meta.systemd_userspace.tool).toMatch(/^systemd 257 /)
    expect(meta.systemd_userspace.steps).toEqual(['enter-initrd', 'leave-initrd', '--machine-id', '--file-system=/', 'sysinit', 'ready'].map((step) => ({ step, rc: 0 })))
    expect(meta.in_guest_quote.host_tpm2_checkquote).toEqual({ quote: 'pass', quote2: 'pass' })
  })

  it('sysfs and both quotes report the same PCRs', () => {
    const { guest } = boot()
    expect(Object.keys(guest).sort()).toEqual([...TPM_BANKS])
    expect(quoteFiles('quote').pcrs).toEqual(guestValues(['sha256'], QUOTED))
    expect(quoteFiles('quote2').pcrs).toEqual(guestValues(TPM_BANKS, QUOTED))
  })

  for (const name of ['quote', 'quote2'] as const) {
    it(`${name} verifies (signature, nonce, PCR digest over 0-15)`, async () => {
      const { quote } = await authenticate(name, null)
      expect(quote.valid, JSON.stringify(quote.errors)).toBe(true)
      expect(Object.keys(quote.pcrs).sort()).toEqual(name === 'quote' ? ['sha256'] : [...TPM_BANKS])
    })
  }
})

describe.skipIf(!PRESENT)('recorded systemd boot: tpm2-measure.log', () => {
  it('parses as systemd\'s CEL-JSON: six records, no recnum, content type "systemd", no finding', () => {
    const { cel } = boot()
    expect(cel.format).toBe('cel-json')
    expect(cel.findings).toEqual([])
    expect(cel.banks).toEqual([...TPM_BANKS])
    expect(cel.records.map((r) => `${r.handle}:${r.register}`)).toEqual(['pcr:11', 'pcr:11', 'pcr:15', 'pcr:15', 'pcr:11', 'pcr:11'])
    for (const r of cel.records) {
      expect(r.recnum).toBeUndefined()
      expect(r.contentType).toBe('systemd')
      expect(r.digests.map((d) => d.bank)).toEqual([...TPM_BANKS])
    }
  })

  it('the content is what systemd-pcrextend writes: phase, machine-id and filesystem strings with their eventType', () => {
    const { cel, meta } = boot()
    const content = cel.records.map((r) => (r.content.type === 'systemd' ? [r.content.eventType, r.content.string] : ['?', '?']))
    expect(content).toEqual([
      ['phase', 'enter-initrd'],
      ['phase', 'leave-initrd'],
      ['machine-id', `machine-id:${meta.systemd_userspace.machine_id}`],
      // the initramfs root has no backing block device: systemd's generic identity string
      ['filesystem', 'file-system:/::::::'],
      ['phase', 'sysinit'],
      ['phase', 'ready'],
    ])
    // beside the string, systemd 257 writes the boot ID and a timestamp (not measured)
    const bootIds = new Set(cel.records.map((r) => (r.content.type === 'systemd' ? (r.content.json as { bootId?: string }).bootId : undefined)))
    expect(bootIds.size).toBe(1)
    expect([...bootIds][0]).toMatch(/^[0-9a-f]{32}$/)
  })

  it('every record\'s digest is the hash of its string, in every bank (verifyCelContent)', () => {
    const { cel } = boot()
    const report = verifyCelContent(cel)
    expect(report.counts).toEqual({ verified: 6, mismatch: 0, 'not-applicable': 0 })
    for (const r of report.records) expect(r).toMatchObject({ form: 'systemd-string', banks: { sha1: true, sha256: true, sha384: true } })
    const r0 = cel.records[0]!
    expect(Buffer.from(r0.digests[1]!.digest).toString('hex')).toBe(H('sha256', 'enter-initrd'))
  })
})

describe.skipIf(!PRESENT)('recorded systemd boot: the firmware log and the CEL explain every PCR 0-15', () => {
  it('the firmware log alone reproduces PCRs 0-9 and 12-14 but not 11 or 15, in every bank', () => {
    const { log } = boot()
    const pcrs = QUOTED.filter((i) => i !== 10)
    const res = replayEventLog(log, { expected: guestValues(TPM_BANKS, pcrs) })
    const bad = res.comparisons!.filter((c) => c.status !== 'match').map((c) => `${c.bank}:${c.pcr}`)
    expect(bad.sort()).toEqual(['sha1:11', 'sha1:15', 'sha256:11', 'sha256:15', 'sha384:11', 'sha384:15'])
  })

  it('the firmware events then the CEL records reproduce every in-guest PCR 0-15 except 10 in every bank', () => {
    const { log, cel } = boot()
    const pcrs = QUOTED.filter((i) => i !== 10)
    const checks = checkLog(log, { celLog: cel })
    const res = compareCombined(log, checks.cel!, guestValues(TPM_BANKS, pcrs))
    expect(res.ok, JSON.stringify(res.findings)).toBe(true)
    expect(res.comparisons).toHaveLength(3 * pcrs.length)
    expect(res.comparisons!.every((c) => c.status === 'match')).toBe(true)
    expect(checks.cel!.pcrs).toEqual([11, 15])
  })

  it('PCR 10 is IMA\'s: the IMA list replays to it in every bank', () => {
    const ima = replayImaLog(parseImaLog(file('ima_binary_runtime_measurements')), { extendBanks: IMA_BANKS_6_1, expected: guestValues(TPM_BANKS, [10]) })
    expect(ima.ok, JSON.stringify(ima.findings)).toBe(true)
    expect(ima.comparisons!.map((c) => c.status)).toEqual(['match', 'match', 'match'])
  })

  it('PCR 11: the 254 stub\'s six section measurements (.linux .osrel .cmdline .initrd .uname .sbat, SHA-256 as recorded) then the four phases', () => {
    const { log, cel, meta } = boot()
    const events = log.events.filter((e) => e.pcrIndex === 11)
    expect(events.every((e) => e.eventType === EV_IPL)).toBe(true)
    const names = ['.linux', '.osrel', '.cmdline', '.initrd', '.uname', '.sbat']
    expect(events).toHaveLength(2 * names.length)
    names.forEach((name, k) => {
      const content = events[2 * k + 1]!
      expect(Buffer.from(content.data).toString('utf16le')).toBe(`${name}\0`)
      const sha = Buffer.from(content.digests.find((d) => d.bank === 'sha256')!.digest).toString('hex')
      expect(sha).toBe(meta.uki.sections.find((s) => s.name === name)!.sha256)
    })
    expect(cel.records.filter((r) => r.register === 11).map((r) => (r.content.type === 'systemd' ? r.content.string : ''))).toEqual(PHASES)
  })

  it('systemd-measure 254 predicted the in-guest PCR 11 for the phase path the CEL records, in every bank', () => {
    const { guest } = boot()
    const calc = json<Record<string, { phase: string; pcr: number; hash: string }[]>>('calculate-default-phases.json')
    for (const bank of TPM_BANKS) expect(calc[bank]!.at(-1)).toEqual({ phase: PHASES.join(':'), pcr: 11, hash: guest[bank]!['11'] })
  })
})

describe.skipIf(!PRESENT)('recorded systemd boot: authentication with the CEL', () => {
  for (const name of ['quote', 'quote2'] as const) {
    it(`${name}: firmware log alone: PCRs 11 and 15 not reproduced; with the CEL every quoted PCR but 10 is authenticated`, async () => {
      const banks = name === 'quote' ? ['sha256'] : [...TPM_BANKS]
      const before = await authenticate(name, null)
      expect(before.quote.valid).toBe(true)
      expect(before.evidence!.authenticatedPcrs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14])
      for (const i of [11, 15]) expect(pcrTrust(before.evidence!, i)).toMatchObject({ status: 'tainted', reason: { code: 'PCR_NOT_REPRODUCED' } })

      const after = await authenticate(name, file('tpm2-measure.log'))
      expect(after.quote.valid).toBe(true)
      expect(after.evidence!.ok, JSON.stringify(after.evidence!.findings)).toBe(true)
      expect(after.evidence!.authenticatedPcrs).toEqual(QUOTED.filter((i) => i !== 10))
      for (const i of [11, 15]) expect(Object.keys(pcrTrust(after.evidence!, i).banks).sort()).toEqual(banks)
      for (let k = 0; k < 6; k++) expect(celRecordTrust(after.evidence!, k)).toEqual({ trusted: true })
      // PCR 10 by IMA's list against the quoted value
      const pcr10 = Object.fromEntries(banks.map((b) => [b, { 10: after.quote.pcrs[b]!['10']! }]))
      const ima = replayImaLog(parseImaLog(file('ima_binary_runtime_measurements')), { extendBanks: IMA_BANKS_6_1, expected: pcr10 })
      expect(ima.ok, JSON.stringify(ima.findings)).toBe(true)
    })
  }

  it('verifyAttestation with celLog: the quote verifies, the replay step succeeds, PCRs 0-9, 11 and 15 are trusted (12-14 need a coverage rule)', async () => {
    const r = await verifyAttestation({ eventLog: file('binary_bios_measurements'), celLog: file('tpm2-measure.log'), ...quoteFiles('quote2'), now })
    expect(r.quote.valid, JSON.stringify(r.quote.errors)).toBe(true)
    expect(r.trustedPcrs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 15])
    expect(r.verdict.bootproof_steps.replay.status).toBe('success')
    expect(r.verdict.bootproof_steps.parse.note).toContain('cel-json, 6 records')
    const without = await verifyAttestation({ eventLog: file('binary_bios_measurements'), ...quoteFiles('quote2'), now })
    expect(without.trustedPcrs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(without.verdict.bootproof_steps.replay.status).toBe('failed')
  })

  it('the boot state carries systemd\'s facts as trusted: the four phases, the machine ID, the root file system', async () => {
    const { evidence } = await authenticate('quote2', file('tpm2-measure.log'))
    const sd = stateFromEvidence(evidence!).state.systemd!
    expect(sd.userspaceLog).toBe(true)
    expect(sd.phases).toEqual({ value: PHASES, trusted: true, events: [0, 1, 4, 5] })
    expect(sd.machineId).toMatchObject({ value: boot().meta.systemd_userspace.machine_id, trusted: true, events: [2] })
    expect(sd.fileSystems).toEqual({ value: ['file-system:/::::::'], trusted: true, events: [3] })
    expect(sd.ukiSections.map((s) => s.label)).toEqual(['.linux', '.linux', '.osrel', '.osrel', '.cmdline', '.cmdline', '.initrd', '.initrd', '.uname', '.uname', '.sbat', '.sbat'])
    expect(sd.ukiSections.every((s) => s.digestTrusted)).toBe(true)
  })
})

describe.skipIf(!PRESENT)('recorded systemd boot: tampering with the CEL', () => {
  it('the last record ("ready") dropped: PCR 11 is not reproduced (PCR_NOT_REPRODUCED), PCR 15 stays authenticated, the phases are untrusted', async () => {
    const recs = celRecordsText()
    const { quote, evidence } = await authenticate('quote2', celFromRecords(recs.slice(0, -1)))
    expect(quote.valid).toBe(true)
    expect(pcrTrust(evidence!, 11)).toMatchObject({ status: 'tainted', reason: { code: 'PCR_NOT_REPRODUCED' } })
    expect(pcrTrust(evidence!, 15).status).toBe('authenticated')
    expect(evidence!.findings.filter((f) => f.code === 'PCR_MISMATCH').map((f) => `${f.bank}:${f.pcr}`).sort()).toEqual(['sha1:11', 'sha256:11', 'sha384:11'])
    expect(stateFromEvidence(evidence!).state.systemd!.phases).toMatchObject({ trusted: false, reasonCode: 'PCR_NOT_REPRODUCED' })
  })

  it('the machine-id record dropped: PCR 15 is not reproduced (PCR_NOT_REPRODUCED), PCR 11 stays authenticated', async () => {
    const recs = celRecordsText()
    const { evidence } = await authenticate('quote2', celFromRecords([...recs.slice(0, 2), ...recs.slice(3)]))
    expect(pcrTrust(evidence!, 15)).toMatchObject({ status: 'tainted', reason: { code: 'PCR_NOT_REPRODUCED' } })
    expect(pcrTrust(evidence!, 11).status).toBe('authenticated')
  })

  it('another machine ID written over the measured one, digests kept: CEL_CONTENT_MISMATCH, the machine ID untrusted (EVENT_CONTENT_MISMATCH)', async () => {
    const id = boot().meta.systemd_userspace.machine_id
    const forged = 'f'.repeat(32)
    const { evidence } = await authenticate('quote2', celWithString(2, `machine-id:${id}`, `machine-id:${forged}`))
    // the digests still replay: PCR 15 is authenticated, its record's content is not what was measured
    expect(pcrTrust(evidence!, 15).status).toBe('authenticated')
    const f = evidence!.findings.filter((x) => x.code === 'CEL_CONTENT_MISMATCH')
    expect(f.map((x) => [x.pcr, x.bank, x.component, x.severity])).toEqual([[15, 'sha1', 'CEL record 2', 'error']])
    expect(f[0]!.expected).toBe(Buffer.from(boot().cel.records[2]!.digests[0]!.digest).toString('hex'))
    expect(f[0]!.observed).toBe(H('sha1', `machine-id:${forged}`))
    expect(celRecordTrust(evidence!, 2)).toMatchObject({ trusted: false, reason: { code: 'EVENT_CONTENT_MISMATCH' } })
    const st = stateFromEvidence(evidence!)
    expect(st.state.systemd!.machineId).toMatchObject({ value: undefined, trusted: false, reasonCode: 'EVENT_CONTENT_MISMATCH' })
    expect(st.findings.map((x) => x.code)).toContain('STATE_FACT_UNTRUSTED')
  })

  it('a phase string edited ("sysinit" to "sysexit"), digests kept: CEL_CONTENT_MISMATCH on PCR 11, the phases untrusted', async () => {
    const { evidence } = await authenticate('quote2', celWithString(4, 'sysinit', 'sysexit'))
    expect(pcrTrust(evidence!, 11).status).toBe('authenticated')
    expect(evidence!.findings.filter((x) => x.code === 'CEL_CONTENT_MISMATCH').map((x) => [x.pcr, x.component])).toEqual([[11, 'CEL record 4']])
    expect(stateFromEvidence(evidence!).state.systemd!.phases).toMatchObject({ trusted: false, reasonCode: 'EVENT_CONTENT_MISMATCH' })
  })
})

describe.skipIf(!PRESENT)('recorded systemd boot: bootproof verify --cel', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'bootproof-cel-boot-'))
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))
  const V = join(UKI_DIR, DIR)
  const args = (cel: string) => ['verify', '--log', join(V, 'binary_bios_measurements'), '--cel', cel, '--quote', join(V, 'quote/quote2.msg'), '--sig', join(V, 'quote/quote2.sig'),
    '--ak', join(V, 'quote/ak2.pub'), '--pcrs', join(V, 'quote/quote2.pcrs'), '--nonce', text('quote/nonce.hex').trim(), '--now', now.toISOString(), '--json']

  it('the recorded log: replay succeeds with no error finding', async () => {
    const r = await runCli(...args(join(V, 'tpm2-measure.log')))
    const v = JSON.parse(r.out) as { bootproof_steps: Record<string, { status: string; note?: string }>; bootproof_findings: { code: string; severity: string }[] }
    expect(v.bootproof_steps.replay!.status).toBe('success')
    expect(v.bootproof_steps.parse!.note).toContain('cel-json, 6 records')
    expect(v.bootproof_findings.filter((f) => f.severity === 'error')).toEqual([])
  })

  it('the log without its last record: PCR_MISMATCH on PCR 11 and the replay step fails', async () => {
    const p = join(tmp, 'truncated.log')
    writeFileSync(p, celFromRecords(celRecordsText().slice(0, -1)))
    const r = await runCli(...args(p))
    const v = JSON.parse(r.out) as { bootproof_steps: Record<string, { status: string }>; bootproof_findings: { code: string; pcr?: number }[] }
    expect(r.code).not.toBe(0)
    expect(v.bootproof_steps.replay!.status).toBe('failed')
    expect(v.bootproof_findings.filter((f) => f.code === 'PCR_MISMATCH').map((f) => f.pcr)).toEqual([11, 11, 11])
  })
})
