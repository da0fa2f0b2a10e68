/**
 * systemd-boot / systemd-stub kernel command lines: UTF-16LE in PCR 8 (systemd-boot ≤ 250) or
 * PCR 12 (≥ 251, and systemd-stub), the digest over the UTF-16 bytes with their NUL. The fact
 * comes from the bytes the digest binds, never from an unbound label.
 */
import { describe, expect, it } from 'vitest'
import { EV } from '../../src/eventlog/event_types.js'
import { parseEventLog } from '../../src/eventlog/parse.js'
import { extractBootState } from '../../src/state/boot_state.js'
import { buildEventLog, standardBoot, utf16le, type LogEvent } from '../../src/testing/log_builder.js'
import { announceCorpus, CORPUS, corpusBytes } from '../helpers/corpus.js'

const CMD = 'initrd=\\initramfs-linux.img root=/dev/sda2 rw'
const state = (events: LogEvent[]) => extractBootState(parseEventLog(buildEventLog({ events: [...standardBoot(), ...events] }).bytes)).state

describe('systemd-boot command line in PCR 8 (UTF-16LE with NUL)', () => {
  it('decoded and trusted (log basis: consistent) when the digest binds the UTF-16 bytes', () => {
    const s = state([{ pcr: 8, type: EV.EV_IPL, data: utf16le(`${CMD}\0`) }])
    expect(s.linux.kernelCmdline).toMatchObject({ value: CMD, trusted: true })
    expect(s.linux.kernelCmdlineSource).toBe('systemd-boot')
  })

  it('text edited beside a kept digest: the command line is decoded but not trusted', () => {
    const s = state([{ pcr: 8, type: EV.EV_IPL, data: utf16le('root=/dev/evil rw\0'), hashed: utf16le(`${CMD}\0`) }])
    expect(s.linux.kernelCmdline).toMatchObject({ value: 'root=/dev/evil rw', trusted: false, reasonCode: 'EVENT_CONTENT_UNBOUND' })
  })

  it('the PCR 12 form wins over PCR 8 when both are present (systemd ≥ 251 measures into 12)', () => {
    const s = state([
      { pcr: 8, type: EV.EV_IPL, data: utf16le(`${CMD}\0`) },
      { pcr: 12, type: EV.EV_IPL, data: utf16le(`${CMD}\0`) },
    ])
    expect(s.linux.kernelCmdlineSource).toBe('systemd-stub')
    expect(s.linux.kernelCmdline).toMatchObject({ value: CMD, trusted: true, events: [expect.any(Number)] })
  })

  it('two different UTF-16 strings in PCR 12: ambiguous, not trusted', () => {
    const s = state([
      { pcr: 12, type: EV.EV_IPL, data: utf16le(`${CMD}\0`) },
      { pcr: 12, type: EV.EV_IPL, data: utf16le('root=/dev/sdb1\0') },
    ])
    expect(s.linux.kernelCmdline).toMatchObject({ trusted: false, reasonCode: 'FACT_AMBIGUOUS' })
  })
})

announceCorpus('systemd-boot command lines in real logs')
describe.skipIf(!CORPUS)('real systemd-boot logs', () => {
  it('Fedora 37 (tpm2-tools fixture): the same command line measured twice in PCR 12 is one value', () => {
    const { state: s } = extractBootState(parseEventLog(corpusBytes('logs/tpm2-software-tpm2-tools--event-sd-boot-fedora37.bin')))
    expect(s.linux.kernelCmdline).toMatchObject({ value: ' console=ttyS0 console=tty0 efi=debug ', trusted: true })
    expect(s.linux.kernelCmdline.events).toHaveLength(2)
    expect(s.linux.kernelCmdlineSource).toBe('systemd-stub')
  })

  it('Arch Linux (go-tpm-tools fixture): PCR 8 UTF-16 logged one byte short of what was hashed is decoded and bound by H(data ‖ 0x00)', () => {
    const log = parseEventLog(corpusBytes('logs/google-go-tpm-tools--arch-linux-workstation.bin'))
    const ev = log.events.find((e) => e.pcrIndex === 8)!
    expect(ev.data.length % 2).toBe(1)
    expect(ev.decoded).toMatchObject({ kind: 'ipl', form: 'utf-16le', nulTruncated: true })
    const { state: s } = extractBootState(log)
    expect(s.linux.kernelCmdlineSource).toBe('systemd-boot')
    expect(s.linux.kernelCmdline.value).toBe('initrd=\\intel-ucode.img initrd=\\initramfs-linux-lts.img cryptdevice=UUID=5465369a-996d-42ca-9ad4-91d0082e0b34:cryptroot root=/dev/mapper/cryptroot rw intel_iommu=on iommu=pt l1tf=off')
    // The digest is H(data ‖ 0x00): that form binds the logged bytes, so the text is trusted (log basis).
    expect(s.linux.kernelCmdline).toMatchObject({ trusted: true })
  })
})
