/**
 * The kernel command line may be trusted only from bytes GRUB's digests bind (TCG PFP §10.4.1:
 * GRUB hashes the text after "grub_cmd: " / "kernel_cmdline: ", never the prefix, the type or
 * anything else), and "the command line is X" only when no other one can hide in PCR 8 or 9.
 */
import { describe, expect, it } from 'vitest'
import * as B from '../fixtures/eventlog/log_builder.js'
import { LINUX_CMDLINE_PCRS, LINUX_STUB_CMDLINE_PCRS } from '../../src/state/linux.js'
import { attest, FIRMWARE_PCRS, grub, hidden, stateOf, untrustedFindings } from './unbound_helpers.js'
import { parseEventLog } from '../../src/eventlog/parse.js'
import { authenticateLog } from '../../src/attest/index.js'
import { stateFromEvidence } from '../../src/state/boot_state.js'

const GOOD = '/vmlinuz root=/dev/sda1 quiet'
const EVIL = '/vmlinuz root=/dev/sda1 init=/bin/sh'
const file: B.EventSpec = { pcr: 9, type: B.T.EV_IPL, data: B.ascii('/boot/vmlinuz\0'), hashed: B.ascii('kernel image bytes') }
const boot = (cmd: string): B.EventSpec[] => [grub('grub_cmd: ', 'set timeout=0'), grub('grub_cmd: ', `linux ${cmd}`), file, grub('kernel_cmdline: ', cmd)]
const QUOTED = [...FIRMWARE_PCRS, 8, 9]
const policy = { linux: { kernelCmdline: { exact: [GOOD] } } }

describe('GRUB kernel command line from bound bytes', () => {
  it('baseline: the measured command line is trusted and used by the policy', async () => {
    const s = stateOf([...B.standardBoot(), ...boot(GOOD)], QUOTED)
    expect(s.linux.kernelCmdline).toMatchObject({ value: GOOD, trusted: true })
    const r = await attest([...B.standardBoot(), ...boot(GOOD)], QUOTED, policy)
    expect(r.quote.valid).toBe(true)
    expect(untrustedFindings(r)).toEqual([])
    expect(r.verdict.bootproof_findings.filter((f) => f.code.startsWith('POLICY_CMDLINE'))).toEqual([])
  })

  it('hiding the genuine commands in unbound data and extending a benign pair is not trusted', async () => {
    // The firmware-booted kernel ran with EVIL; the OS later extended PCR 8 with a benign pair.
    const evil = boot(EVIL)
    const events = [...B.standardBoot(), evil[0]!, hidden(evil[1]!, B.ascii('x\0')), file, hidden(evil[3]!, B.ascii('y\0')), grub('grub_cmd: ', `linux ${GOOD}`), grub('kernel_cmdline: ', GOOD)]
    const f = stateOf(events, QUOTED).linux.kernelCmdline
    expect(f).toMatchObject({ value: GOOD, trusted: false, reasonCode: 'EVENT_CONTENT_UNBOUND' })
    const r = await attest(events, QUOTED, policy)
    expect(r.quote.valid).toBe(true)
    expect(untrustedFindings(r).length).toBeGreaterThan(0)
    expect(r.verdict.ear_status).not.toBe('affirming')
  })

  it('a second, different `linux` command makes the command line ambiguous', async () => {
    const events = [...B.standardBoot(), ...boot(EVIL), grub('grub_cmd: ', `linux ${GOOD}`), grub('kernel_cmdline: ', GOOD)]
    // Two kernel_cmdline labels: the go-tpm-tools rule; relabel the first to get past it.
    events[events.length - 3] = grub('grub_cmd: ', EVIL)
    const f = stateOf(events, QUOTED).linux.kernelCmdline
    expect(f).toMatchObject({ trusted: false, reasonCode: 'FACT_AMBIGUOUS' })
    const r = await attest(events, QUOTED, policy)
    expect(untrustedFindings(r).length).toBeGreaterThan(0)
    expect(r.verdict.ear_status).not.toBe('affirming')
  })

  it('relabelling the command line as a grub_cmd does not hide it: it is found by its text', () => {
    const events = [...B.standardBoot(), ...boot(EVIL)]
    events[events.length - 1] = grub('grub_cmd: ', EVIL)
    expect(stateOf(events, QUOTED).linux.kernelCmdline).toMatchObject({ value: EVIL, trusted: true })
  })

  it('a quote that leaves PCR 9 out cannot vouch for "the one command line"', async () => {
    expect(LINUX_CMDLINE_PCRS).toEqual([8, 9])
    const events = [...B.standardBoot(), ...boot(GOOD)]
    expect(stateOf(events, [...FIRMWARE_PCRS, 8]).linux.kernelCmdline).toMatchObject({ value: GOOD, trusted: false, reasonCode: 'PCR_NOT_QUOTED' })
    const r = await attest(events, [...FIRMWARE_PCRS, 8], policy)
    expect(r.quote.valid).toBe(true)
    expect(untrustedFindings(r).length).toBeGreaterThan(0)
    expect(r.verdict.ear_status).not.toBe('affirming')
  })

  it('"no command line was measured" needs PCR 8, 9 and 12 authenticated', () => {
    expect(LINUX_STUB_CMDLINE_PCRS).toEqual([8, 9, 12])
    expect(stateOf(B.standardBoot(), QUOTED).linux.kernelCmdline).toMatchObject({ value: undefined, trusted: false, reasonCode: 'PCR_NOT_QUOTED' })
    expect(stateOf(B.standardBoot(), [...QUOTED, 12]).linux.kernelCmdline).toMatchObject({ value: undefined, trusted: true })
  })
})

describe('a command line longer than the decoded-text cap', () => {
  it('is not trusted: the decoded text is cut, the digest binds the whole line (fail closed)', () => {
    const long = `/vmlinuz root=/dev/sda1 ${'x'.repeat(300)}`
    const events = [...B.standardBoot(), ...boot(long)]
    const parse = (cap?: number) => {
      const log = parseEventLog(B.buildAgileLog({ events }).bytes, cap ? { limits: { maxDecodedTextBytes: cap } } : {})
      return stateFromEvidence(authenticateLog(log, { onlyPcrs: QUOTED })).state.linux.kernelCmdline
    }
    expect(parse()).toMatchObject({ value: long, trusted: true })
    const cut = parse(64)
    expect(cut.trusted).toBe(false)
    expect(cut.value).not.toBe(long)
  })
})
