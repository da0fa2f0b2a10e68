/**
 * A real UKI boot (test-vectors/uki/boot-ovmf, scripts/record/record-uki-boot.sh): Debian's
 * systemd-stub 252 + Debian kernel + a busybox/tpm2-tools initramfs, booted by OVMF (no Secure
 * Boot) as \EFI\BOOT\BOOTX64.EFI with swtpm (sha1, sha256, sha384 banks); in the guest the
 * firmware log, the PCRs and two quotes over PCRs 0-15.
 *
 * No systemd ran in the guest, so PCR 11 holds only the stub's section measurements: the value
 * for the empty phase path (systemd docs/TPM2_PCR_MEASUREMENTS.md, PCR 11; `systemd-measure
 * calculate --phase=`).
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { authenticateAttestation, parseEventLog, pcrTrust, replayEventLog, verifyAttestation, type EventLog } from '../../src/index.js'
import { parseImaLog, replayImaLog } from '../../src/ima/index.js'
import { predictPcr11, type Pcr11Prediction } from '../../src/uki/predict_pcr11.js'
import { bootQuoteFiles, flipSectionByte, pcrSubset, sectionBytes, UKI_DIR, vector, vectorText } from './uki_fixture.js'

const DIR = 'boot-ovmf'
const PRESENT = existsSync(join(UKI_DIR, DIR, 'bootx64.efi'))
if (!PRESENT) console.warn(`\n[SKIPPED] recorded UKI boot: ${join(UKI_DIR, DIR)} not found (scripts/record/record-uki-boot.sh records it)\n`)

/** The banks the recording swtpm had allocated. */
const TPM_BANKS = ['sha1', 'sha256', 'sha384'] as const
const QUOTED = Array.from({ length: 16 }, (_, i) => i)
const EV_IPL = 0x0d
const now = new Date('2026-12-08T00:00:00Z')
/** How this 6.1 kernel extended IMA's boot_aggregate into the non-SHA-1 banks (see test/ima/ovmf.test.ts). */
const IMA_BANKS_6_1 = { sha256: 'recompute', sha384: 'pad' } as const

const file = (rel: string) => vector(`${DIR}/${rel}`)
const text = (rel: string) => vectorText(`${DIR}/${rel}`)
const json = <T>(rel: string) => JSON.parse(text(rel)) as T
const H = (bank: string, b: Uint8Array) => createHash(bank).update(b).digest('hex')

let cache: { uki: Uint8Array; prediction: Pcr11Prediction; log: EventLog; guest: Record<string, Record<string, string>> } | undefined
function boot() {
  if (!cache) {
    const uki = file('bootx64.efi')
    cache = { uki, prediction: predictPcr11(uki, { phases: [''] }), log: parseEventLog(file('binary_bios_measurements')), guest: json('pcrs.json') }
  }
  return cache
}

/** `tpm2_pcrread` text output: bank → index → lowercase hex. */
function readPcrreadText(t: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  let bank = ''
  for (const line of t.split('\n')) {
    const b = line.match(/^ {2}([a-z0-9]+):$/)
    if (b) bank = b[1]!
    const v = line.match(/^ {4}(\d+) *: 0x([0-9A-F]+)$/)
    if (v && bank) (out[bank] ??= {})[v[1]!] = v[2]!.toLowerCase()
  }
  return out
}

const quoteFiles = (name: 'quote' | 'quote2') => bootQuoteFiles(DIR, name)

/** The in-guest values of `pcrs` in `banks` (hex). */
const guestValues = (banks: readonly string[], pcrs: readonly number[]) => pcrSubset(boot().guest, banks, pcrs)

describe.skipIf(!PRESENT)('recorded UKI boot: the in-guest values', () => {
  it('sysfs, tpm2_pcrread and both quotes report the same PCRs', () => {
    const { guest } = boot()
    expect(Object.keys(guest).sort()).toEqual([...TPM_BANKS])
    expect(readPcrreadText(text('quote/pcrread.txt'))).toEqual(guest)
    expect(quoteFiles('quote').pcrs).toEqual(guestValues(['sha256'], QUOTED))
    expect(quoteFiles('quote2').pcrs).toEqual(guestValues(TPM_BANKS, QUOTED))
  })

  it('the UKI is the one the recorder measured and booted (stub 252, the sections meta.json lists)', () => {
    const meta = json<{ uki: { sha256: string; sections: { name: string; size: number; sha256: string }[] } }>('meta.json')
    const { uki, prediction } = boot()
    expect(H('sha256', uki)).toBe(meta.uki.sha256)
    for (const s of meta.uki.sections) expect({ name: s.name, size: sectionBytes(uki, s.name).length, sha256: H('sha256', sectionBytes(uki, s.name)) }).toEqual(s)
    expect(prediction.stubVersion).toBe(252)
    expect(prediction.stubVersionSource).toBe('sdmagic')
  })
})

describe.skipIf(!PRESENT)('recorded UKI boot: predictPcr11 equals the in-guest PCR 11', () => {
  for (const bank of TPM_BANKS) {
    it(`${bank}: the prediction for the empty phase path is the PCR 11 the stub extended`, () => {
      const { prediction, guest } = boot()
      expect(prediction.values[bank]).toEqual([{ pcr: 11, hash: guest[bank]!['11'] }])
    })
  }

  it('equals systemd-measure calculate --phase= for the same sections (all four banks) and its default phases', () => {
    const { uki, prediction } = boot()
    expect(prediction.values).toEqual(json('calculate.json'))
    expect(predictPcr11(uki).values).toEqual(json('calculate-default-phases.json'))
  })

  it('no systemd ran: no default phase path matches the in-guest PCR 11', () => {
    const { uki, guest } = boot()
    const p = predictPcr11(uki, { banks: ['sha256'] })
    expect(p.phases).toEqual(['enter-initrd', 'enter-initrd:leave-initrd', 'enter-initrd:leave-initrd:sysinit', 'enter-initrd:leave-initrd:sysinit:ready'])
    for (const e of p.values.sha256!) expect(e.hash).not.toBe(guest.sha256!['11'])
  })

  it('a 252 stub measures .linux .osrel .cmdline .initrd; .uname and .sbat are present but not measured', () => {
    const { prediction } = boot()
    expect(prediction.measured.map((m) => m.name)).toEqual(['.linux', '.osrel', '.cmdline', '.initrd'])
    expect(prediction.notMeasured).toEqual(['.uname', '.sbat'])
  })
})

describe.skipIf(!PRESENT)('recorded UKI boot: the firmware log explains PCR 11', () => {
  const pcr11Events = () => boot().log.events.filter((e) => e.pcrIndex === 11)

  it('PCR 11 holds one EV_IPL pair per measured section: the name (UTF-16LE, digest of the NUL-terminated ASCII name), then the content', () => {
    const { prediction } = boot()
    const events = pcr11Events()
    expect(events).toHaveLength(2 * prediction.measured.length)
    prediction.measured.forEach((m, k) => {
      const [name, content] = [events[2 * k]!, events[2 * k + 1]!]
      for (const e of [name, content]) {
        expect(e.eventType).toBe(EV_IPL)
        expect(Buffer.from(e.data).toString('hex')).toBe(Buffer.from(`${m.name}\0`, 'utf16le').toString('hex'))
      }
      for (const bank of TPM_BANKS) {
        const d = (e: (typeof events)[number]) => Buffer.from(e.digests.find((x) => x.bank === bank)!.digest).toString('hex')
        expect(d(name)).toBe(H(bank, Buffer.from(`${m.name}\0`, 'latin1')))
        expect(d(content)).toBe(m.digests[bank])
      }
    })
  })

  it('the PCR 11 events alone replay to the in-guest PCR 11 in every bank', () => {
    const { log } = boot()
    const res = replayEventLog(log, { expected: guestValues(TPM_BANKS, [11]) })
    expect(res.ok, JSON.stringify(res.findings)).toBe(true)
    expect(res.comparisons!.map((c) => `${c.bank}:${c.pcr}:${c.status}`)).toEqual(TPM_BANKS.map((b) => `${b}:11:match`))
    expect(res.comparisons![0]!.events).toEqual(pcr11Events().map((e) => e.index))
  })

  it('the whole log replays to every in-guest PCR 0-23 except 10, and the IMA list replays to PCR 10', () => {
    const { log } = boot()
    const all = Array.from({ length: 24 }, (_, i) => i)
    const res = replayEventLog(log, { expected: guestValues(TPM_BANKS, all.filter((i) => i !== 10)) })
    expect(res.ok, JSON.stringify(res.findings)).toBe(true)
    expect(res.comparisons).toHaveLength(3 * 23)
    expect(res.comparisons!.every((c) => c.status === 'match')).toBe(true)
    expect(log.events.some((e) => e.pcrIndex === 10)).toBe(false)
    const ima = replayImaLog(parseImaLog(file('ima_binary_runtime_measurements')), { extendBanks: IMA_BANKS_6_1, expected: guestValues(TPM_BANKS, [10]) })
    expect(ima.ok, JSON.stringify(ima.findings)).toBe(true)
    expect(ima.comparisons!.map((c) => c.status)).toEqual(['match', 'match', 'match'])
  })
})

describe.skipIf(!PRESENT)('recorded UKI boot: the quotes authenticate every quoted PCR', () => {
  it('verifyAttestation: the RSA quote over sha256:0-15 verifies, the log reproduces PCRs 0-9 and 11', async () => {
    const q = quoteFiles('quote')
    const r = await verifyAttestation({ eventLog: file('binary_bios_measurements'), ...q, now })
    expect(r.quote.valid, JSON.stringify(r.quote.errors)).toBe(true)
    expect(r.trustedPcrs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11])
    expect(r.verdict.bootproof_steps.quote.status).toBe('success')
    expect(r.verdict.bootproof_steps.replay.status).toBe('success')
    expect(r.evidence!.ok).toBe(true)
  })

  for (const name of ['quote', 'quote2'] as const) {
    it(`authenticateAttestation (${name}): PCRs 0-9 and 11-15 by the firmware log, 10 by IMA's list against the quoted value`, async () => {
      const q = quoteFiles(name)
      const { quote, evidence } = await authenticateAttestation({ log: boot().log, ...q, now, coverage: { pcrs: [12, 13, 14, 15] } })
      expect(quote.valid, JSON.stringify(quote.errors)).toBe(true)
      const banks = name === 'quote' ? ['sha256'] : [...TPM_BANKS]
      expect(Object.keys(quote.pcrs).sort()).toEqual(banks)
      expect(evidence!.authenticatedPcrs).toEqual(QUOTED.filter((i) => i !== 10))
      for (const i of [11, 12, 15]) expect(Object.keys(pcrTrust(evidence!, i).banks).sort()).toEqual(banks)
      const pcr10 = Object.fromEntries(banks.map((b) => [b, { 10: quote.pcrs[b]!['10']! }]))
      const ima = replayImaLog(parseImaLog(file('ima_binary_runtime_measurements')), { extendBanks: IMA_BANKS_6_1, expected: pcr10 })
      expect(ima.ok, JSON.stringify(ima.findings)).toBe(true)
      expect(ima.comparisons).toHaveLength(banks.length)
    })
  }
})

describe.skipIf(!PRESENT)('recorded UKI boot: tampering', () => {
  it('one byte of .cmdline changed: the prediction differs from the in-guest PCR 11 in every bank, and only .cmdline stops matching the log', () => {
    const { uki, prediction, guest } = boot()
    const edited = predictPcr11(flipSectionByte(uki, '.cmdline', 10), { phases: [''] })
    for (const bank of TPM_BANKS) expect(edited.values[bank]![0]!.hash).not.toBe(guest[bank]!['11'])
    const changed = edited.measured.filter((m, i) => m.digests.sha256 !== prediction.measured[i]!.digests.sha256).map((m) => m.name)
    expect(changed).toEqual(['.cmdline'])
  })

  it('a PCR 11 content digest changed in the log: PCR 11 is not reproduced (PCR_NOT_REPRODUCED), the others stay authenticated', async () => {
    const { log } = boot()
    const bytes = file('binary_bios_measurements').slice()
    const ev = log.events.filter((e) => e.pcrIndex === 11)[5]!
    const d = ev.digests.find((x) => x.bank === 'sha256')!.digest
    bytes[d.byteOffset - log.events[0]!.data.byteOffset + log.events[0]!.dataOffset]! ^= 1
    const q = quoteFiles('quote')
    const { quote, evidence } = await authenticateAttestation({ log: parseEventLog(bytes), ...q, now })
    expect(quote.valid).toBe(true)
    expect(pcrTrust(evidence!, 11)).toMatchObject({ status: 'tainted', reason: { code: 'PCR_NOT_REPRODUCED' } })
    expect(evidence!.authenticatedPcrs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })
})

describe.skipIf(!PRESENT)('recorded UKI boot: a policy derived from it', () => {
  it('derivePolicy over PCRs 0-9 and 11 pins the stub\'s PCR 11 section measurements and affirms the recorded quote; another .cmdline does not', async () => {
    const { derivePolicy } = await import('../../src/policy/index.js')
    const policy = derivePolicy([boot().log], { id: 'test/uki-boot', pcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11] })
    const pcr11 = policy.eventRules!.filter((r) => r.pcr === 11)
    expect(pcr11.length).toBeGreaterThan(0)
    // The derived PCR 11 digests are the stub's per-section measurements of this UKI.
    const derived = new Set(pcr11.flatMap((r) => (r.alternatives ?? []).flatMap((a) => a.events.map((e) => (e as { sha256?: string }).sha256))))
    const cmdline = boot().prediction.measured.find((m) => m.name === '.cmdline')!
    expect(derived.has(cmdline.digests.sha256!)).toBe(true)
    const q = quoteFiles('quote')
    // The AK is the one the recording enrolled (tpm2_createak in the guest): the verifier vouches for it.
    const r = await verifyAttestation({ eventLog: file('binary_bios_measurements'), ...q, now, policy, akEnrolled: true })
    expect(r.verdict.bootproof_findings.filter((f) => f.severity === 'error')).toEqual([])
    expect(r.verdict.ear_status).toBe('affirming')
    // The same policy against a UKI with another command line: its predicted .cmdline digest is not allowed.
    const other = predictPcr11(flipSectionByte(boot().uki, '.cmdline', 0), { phases: [''] }).measured.find((m) => m.name === '.cmdline')!
    expect(derived.has(other.digests.sha256!)).toBe(false)
  })
})
