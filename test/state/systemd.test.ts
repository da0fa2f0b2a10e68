/**
 * systemd facts in the boot state (src/state/systemd.ts): read from bound CEL strings and
 * firmware events, trusted only under the evidence's rules (combined replay + content binding).
 */
import { describe, expect, it } from 'vitest'
import { authenticateAttestation, authenticateLog } from '../../src/attest/index.js'
import { parseCelJson } from '../../src/cel/index.js'
import { parseEventLog } from '../../src/eventlog/parse.js'
import { stateFromEvidence } from '../../src/state/boot_state.js'
import { renderState, stateToJSON } from '../../src/state/render.js'
import { EV } from '../../src/eventlog/event_types.js'
import { buildEventLog, concatBytes, standardBoot, u32le, utf16le } from '../../src/testing/log_builder.js'
import { extractBootState } from '../../src/state/boot_state.js'
import { authenticateBoot, CMDLINE, MACHINE_ID, recordText, systemdBoot, systemdRecords, type SystemdBoot } from '../cel/systemd_fixture.js'

const now = new Date('2026-06-01T00:00:00Z')
const enc = (s: string) => new TextEncoder().encode(s)

async function state(b: SystemdBoot, celText: string | null = b.celText) {
  const { evidence } = await authenticateBoot(b, now, celText)
  return stateFromEvidence(evidence!)
}

const withRecord = (i: number, patch: Record<string, unknown>) => systemdRecords().map((r, k) => recordText(k === i ? { ...r, ...patch } : r, k)).join('')

describe('systemd facts under a quote', () => {
  it('phases, machine ID, file systems, volume keys, UKI sections and NvPCRs', async () => {
    const { state: s, findings } = await state(await systemdBoot())
    const sd = s.systemd!
    expect(sd.userspaceLog).toBe(true)
    expect(sd.phases).toEqual({ value: ['enter-initrd', 'leave-initrd', 'sysinit', 'ready'], trusted: true, events: [0, 3, 6, 7] })
    expect(sd.machineId).toEqual({ value: MACHINE_ID, trusted: true, events: [4] })
    expect(sd.fileSystems.trusted).toBe(true)
    expect(sd.fileSystems.value![0]).toMatch(/^file-system:ext4:/)
    expect(sd.volumeKeys).toMatchObject([{ index: 2, source: 'cel', pcr: 15, label: expect.stringMatching(/^cryptsetup:root:/), digestTrusted: true }])
    expect(sd.ukiSections.map((x) => x.label)).toEqual(['.linux', '.linux', '.osrel', '.osrel', '.cmdline', '.cmdline'])
    expect(sd.ukiSections.every((x) => x.source === 'firmware' && x.digestTrusted)).toBe(true)
    expect(sd.nvpcrs).toMatchObject([{ nvIndex: 0x01d10200, records: [1], trusted: false }])
    // only the quoted bank is replayed (other banks prove nothing, attack Q-07)
    expect(Object.keys(sd.nvpcrs[0]!.values)).toEqual(['sha256'])
    // the stub's PCR 12 command line (UTF-16 with NUL) is the Linux command-line fact
    expect(s.linux.kernelCmdline).toMatchObject({ value: CMDLINE, trusted: true })
    expect(s.linux.kernelCmdlineSource).toBe('systemd-stub')
    expect(findings.filter((f) => f.severity === 'error')).toEqual([])
  })

  it('without a CEL: firmware facts only; userspace facts are unmeasured, not absent', async () => {
    const b = await systemdBoot()
    const { state: s } = await state(b, null)
    expect(s.systemd!.userspaceLog).toBe(false)
    expect(s.systemd!.phases).toMatchObject({ trusted: false, reasonCode: 'FACT_UNMEASURED' })
    expect(s.systemd!.ukiSections).toHaveLength(6)
    // the quote does not match the firmware log alone, so nothing firmware-side is trusted either
    expect(s.systemd!.ukiSections.some((x) => x.digestTrusted)).toBe(false)
  })

  it('a phase string edited (digest kept): phases untrusted EVENT_CONTENT_MISMATCH, STATE_FACT_UNTRUSTED error', async () => {
    const { state: s, findings } = await state(await systemdBoot(), withRecord(3, { string: 'leave-initrX' }))
    expect(s.systemd!.phases).toMatchObject({ trusted: false, reasonCode: 'EVENT_CONTENT_MISMATCH', events: [3] })
    expect(findings.find((f) => f.code === 'STATE_FACT_UNTRUSTED' && f.message.startsWith('systemd.phases'))?.severity).toBe('error')
  })

  it('a phase record relabelled volume-key: not a volume key by label alone, and phases become untrusted (unbound record in PCR 11)', async () => {
    const { state: s } = await state(await systemdBoot(), withRecord(0, { eventType: 'volume-key' }))
    expect(s.systemd!.phases).toMatchObject({ trusted: false, reasonCode: 'EVENT_CONTENT_UNBOUND' })
  })

  it('the machine-id record relabelled volume-key: the machine ID is not "absent", it is untrusted', async () => {
    const { state: s } = await state(await systemdBoot(), withRecord(4, { eventType: 'volume-key' }))
    expect(s.systemd!.machineId).toMatchObject({ value: undefined, trusted: false, reasonCode: 'EVENT_CONTENT_UNBOUND' })
  })

  it('a second, different machine-id measured: ambiguous', async () => {
    const recs = systemdRecords()
    const extra = { ...recs[4]!, string: 'machine-id:ffffffffffffffffffffffffffffffff' }
    const { defaultHashProvider } = await import('../../src/hash/provider.js')
    extra.digests = { sha1: defaultHashProvider().digest('sha1', enc(extra.string)), sha256: defaultHashProvider().digest('sha256', enc(extra.string)) }
    const { state: s, findings } = await state(await systemdBoot({ records: [...recs, extra] }))
    expect(s.systemd!.machineId).toMatchObject({ trusted: false, reasonCode: 'FACT_AMBIGUOUS' })
    expect(findings.map((f) => f.code)).toContain('SYSTEMD_MACHINE_ID_AMBIGUOUS')
  })

  it('CEL records reordered: PCR 11 not reproduced, so the phases are untrusted even though each string binds', async () => {
    const recs = systemdRecords()
    const text = [recs[3]!, recs[1]!, recs[2]!, recs[0]!, ...recs.slice(4)].map(recordText).join('')
    const b = await systemdBoot()
    const pcrs = { sha256: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [String(i), Uint8Array.from(Buffer.from(b.pcrs.sha256![String(i)] ?? '00'.repeat(32), 'hex'))])) }
    const { evidence } = await authenticateAttestation({ log: parseEventLog(b.fw.bytes), celLog: parseCelJson(enc(text)), quotes: [b.quote], ak: b.ak.tpm2bPublic, nonce: b.nonce, now, pcrs })
    const s = stateFromEvidence(evidence!).state
    expect(s.systemd!.phases).toMatchObject({ trusted: false, reasonCode: 'PCR_NOT_REPRODUCED' })
    expect(s.systemd!.machineId.trusted).toBe(true)
  })

  it('renders in text and JSON', async () => {
    const { state: s, findings } = await state(await systemdBoot())
    const text = renderState(s, findings)
    expect(text).toContain('systemd (firmware log + tpm2-measure.log):')
    expect(text).toMatch(/boot phases \(PCR 11\)\s+\["enter-initrd", "leave-initrd", "sysinit", "ready"\]\s+trusted/)
    expect(text).toContain('NvPCR 0x1d10200')
    const json = stateToJSON(s) as { systemd: { phases: { value: string[] } } }
    expect(json.systemd.phases.value).toHaveLength(4)
  })

  it('log basis: facts are consistent, never authenticated', async () => {
    const b = await systemdBoot()
    const ev = authenticateLog(parseEventLog(b.fw.bytes), { celLog: parseCelJson(enc(b.celText)) })
    const s = stateFromEvidence(ev)
    expect(s.basis).toBe('log')
    expect(s.state.systemd!.phases.trusted).toBe(true)
  })

  it('systemd-boot\'s loader.conf tag in PCR 5 is listed by its tag, the digest being of the file (not in the log)', () => {
    const desc = utf16le('loader.conf\0')
    const tag = (id: number) => ({ pcr: 5, type: EV.EV_EVENT_TAG, data: concatBytes(u32le(id), u32le(desc.length), desc), hashed: enc('timeout 3\n') })
    const boot = standardBoot()
    const s = extractBootState(parseEventLog(buildEventLog({ events: [...boot.slice(0, -2), tag(0xf5bc582a), tag(0x12345678), ...boot.slice(-2)] }).bytes)).state
    expect(s.systemd!.loaderConf).toMatchObject([{ source: 'firmware', pcr: 5, label: 'loader.conf' }])
    expect(s.systemd!.userspaceLog).toBe(false)
  })
})
