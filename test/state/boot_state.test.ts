/**
 * extractBootState (issue 5) on real recorded boots and the corpus, plus the tamper rules:
 * edited data with a kept digest, and the event-type masquerade, must never yield a trusted fact.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseEventLog } from '../../src/index.js'
import { extractBootState } from '../../src/state/boot_state.js'
import { announceCorpus, CORPUS, corpusBytes, REPO_ROOT, repoBytes } from '../helpers/corpus.js'
import * as B from '../fixtures/eventlog/log_builder.js'
import { flippedSecureBootEvents, masqueradeEvents } from '../../scripts/make-synthetic-vectors.js'

const SB = 'test-vectors/ovmf/sb-esp'
const meta = JSON.parse(readFileSync(join(REPO_ROOT, SB, 'meta.json'), 'utf8')) as { authenticode_sha256: Record<string, string>; cmdline: string }

describe('boot state of the recorded Secure Boot boot (OVMF + shim + grub + kernel)', () => {
  const log = parseEventLog(repoBytes(`${SB}/binary_bios_measurements`))
  const { state, findings } = extractBootState(log, { quotedPcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] })

  it('Secure Boot is on, with trusted PK/KEK/db/dbx from PCR 7', () => {
    expect(state.secureBoot.enabled).toMatchObject({ value: true, trusted: true })
    expect(state.secureBoot.db.trusted).toBe(true)
    const subjects = state.secureBoot.db.value!.certs.map((c) => c.subject)
    expect(subjects.some((s) => s?.includes('Microsoft Corporation UEFI CA 2011'))).toBe(true)
    expect(state.secureBoot.kek.value!.certs.length).toBeGreaterThan(0)
    expect(state.secureBoot.dbx.value!.hashes.length).toBeGreaterThan(0)
    expect(findings.filter((f) => f.severity === 'error')).toEqual([])
  })

  it('the authorities name the CA that verified shim, and shim SbatLevel', () => {
    const names = state.secureBoot.authorities.map((a) => a.name)
    expect(names).toContain('db')
    expect(names).toContain('SbatLevel')
    expect(state.secureBoot.authorities.every((a) => a.afterSeparator && a.trusted)).toBe(true)
    expect(state.linux.shim.sbatLevel.value).toMatch(/^sbat,1,/)
  })

  it('PCR 4 applications carry the Authenticode SHA-256 of shim, grub and the kernel (pesign values)', () => {
    const apps = state.bootApps.applications.map((a) => a.digests.sha256)
    expect(apps).toEqual([
      meta.authenticode_sha256['shimx64.efi.signed'],
      meta.authenticode_sha256['grubx64.efi.signed'],
      meta.authenticode_sha256['vmlinuz-6.1.0-56-amd64'],
      meta.authenticode_sha256['vmlinuz-6.1.0-56-amd64'],
    ])
    expect(state.bootApps.applications[0]!.filePath).toBe('\\EFI\\BOOT\\BOOTX64.EFI')
    expect(state.bootApps.applications.every((a) => a.digestTrusted)).toBe(true)
    expect(state.bootApps.exitBootServices).toMatchObject({ value: true, trusted: true })
  })

  it('the kernel command line comes from GRUB (PCR 8) and is trusted', () => {
    expect(state.linux.kernelCmdline).toMatchObject({ value: `/vmlinuz ${meta.cmdline}`, trusted: true })
    expect(state.linux.kernelCmdlineSource).toBe('grub')
    expect(state.bootApps.bootOrder.value).toEqual([1, 0, 2])
  })

  it('facts from PCRs the quote does not cover are untrusted, with the reason', () => {
    const r = extractBootState(log, { quotedPcrs: [0, 1, 2, 3, 4, 5, 6, 8, 9] })
    expect(r.state.secureBoot.enabled.trusted).toBe(false)
    expect(r.state.secureBoot.enabled.reason).toMatch(/PCR 7/)
    expect(r.state.bootApps.applications[0]!.digestTrusted).toBe(true)
  })

  it('the start locality is never trusted (unmeasured hint)', () => {
    expect(state.platform.startupLocality.trusted).toBe(false)
  })
})

describe('tamper rules', () => {
  it('SecureBoot data flipped with the digest kept: the fact is untrusted and reported (R-02)', () => {
    const log = parseEventLog(B.buildAgileLog({ events: flippedSecureBootEvents() }).bytes)
    const { state, findings } = extractBootState(log)
    expect(state.secureBoot.enabled.value).toBe(true) // what the (edited) data says ...
    expect(state.secureBoot.enabled.trusted).toBe(false) // ... is not what was measured
    expect(state.secureBoot.enabled.reason).toMatch(/digest mismatch/)
    const f = findings.find((x) => x.code === 'STATE_FACT_UNTRUSTED')
    expect(f?.message).toMatch(/secureBoot\.enabled/)
    expect(f?.eventIndex).toBe(state.secureBoot.enabled.events[0])
  })

  it('a db edited in place (digest kept) is untrusted', () => {
    const events = B.standardBoot({ secureBoot: true }).map((e) => {
      if (e.type !== B.T.EV_EFI_VARIABLE_DRIVER_CONFIG || !e.data) return e
      const s = new TextDecoder('utf-16le').decode(e.data.subarray(32, 36))
      if (s !== 'db') return e
      const data = e.data.slice()
      data[data.length - 1]! ^= 0xff
      return { ...e, data, digests: { [B.ALG.sha1]: B.digestFor(e, B.SHA1), [B.ALG.sha256]: B.digestFor(e, B.SHA256) } }
    })
    const { state, findings } = extractBootState(parseEventLog(B.buildAgileLog({ events }).bytes))
    expect(state.secureBoot.db.trusted).toBe(false)
    expect(findings.some((f) => f.code === 'STATE_FACT_UNTRUSTED' && /secureBoot\.db/.test(f.message))).toBe(true)
  })

  it('the masquerade (genuine PCR 7 retyped, attacker SecureBoot=1 appended) cannot create a trusted fact (R-01)', () => {
    for (const retype of [B.T.EV_UNUSED, B.T.EV_POST_CODE, B.T.EV_EFI_PLATFORM_FIRMWARE_BLOB]) {
      const log = parseEventLog(B.buildAgileLog({ events: masqueradeEvents(retype) }).bytes)
      const { state } = extractBootState(log)
      expect(state.secureBoot.enabled.value).toBe(true)
      expect(state.secureBoot.enabled.trusted, `retyped as 0x${retype.toString(16)}`).toBe(false)
      expect(state.secureBoot.enabled.reason).toMatch(/structurally invalid/)
    }
  })
})

announceCorpus('boot state over corpus logs')
describe.skipIf(!CORPUS)('boot state over corpus logs', () => {
  const state = (name: string) => extractBootState(parseEventLog(corpusBytes(`logs/${name}`))).state

  it('GRUB logs yield their kernel command lines', () => {
    expect(state('keylime-keylime--mb_log.bin').linux.kernelCmdline.value).toMatch(/^\(hd0,gpt2\)\/vmlinuz-5\.14\.0-183\.el9\.x86_64 root=\/dev\/mapper\//)
    expect(state('google-go-tpm-tools--gce-cos-85.event_log.bin').linux.kernelCmdline.value).toMatch(/^\/syslinux\/vmlinuz\.A init=\/usr\/lib\/systemd\/systemd boot=local/)
  })

  it('systemd-boot / systemd-stub logs yield the stub command line (PCR 12)', () => {
    const s = state('tpm2-software-tpm2-tools--event-sd-boot-fedora37.bin')
    expect(s.linux.kernelCmdlineSource).toBe('systemd-stub')
    expect(s.linux.kernelCmdline.value).toBe(' console=ttyS0 console=tty0 efi=debug ')
  })

  it('shim logs yield shim, grub and kernel applications and SbatLevel', () => {
    const s = state('tpm2-software-tpm2-tools--event-moklisttrusted.bin')
    expect(s.bootApps.applications.length).toBe(4)
    expect(s.secureBoot.enabled.value).toBe(true)
    expect(s.secureBoot.authorities.map((a) => a.name)).toContain('MokListTrusted')
  })

  it('a UEFI debugger present during boot is reported (R-04)', () => {
    const r = extractBootState(parseEventLog(corpusBytes('logs/fwupd-fwupd--binary_bios_measurements-v2')))
    expect(r.state.secureBoot.debugMode.value).toBe(true)
    expect(r.findings.find((f) => f.code === 'UEFI_DEBUG_MODE')?.severity).toBe('error')
  })

  it('a TDX CCEL log yields RTMRs equal to the recorded values', () => {
    const exp = JSON.parse(readFileSync(join(CORPUS!, 'expected/google-go-eventlog--cos-113-intel-tdx.bin.json'), 'utf8'))
    const r = extractBootState(parseEventLog(corpusBytes('logs/google-go-eventlog--cos-113-intel-tdx.bin'), { registers: 'cc-mr' }))
    expect(r.state.cc?.rtmrs).toEqual(exp.rtmrs.sha384)
  })
})
