/**
 * Red-team reproducers for the Windows (SIPA / WBCL) and systemd (CEL / UKI) boot-state paths.
 *
 * Evidence is self-consistent: logs built event by event, quoted by a software AK the verifier is
 * told is enrolled (a machine owner can enroll their own AK), so every case below is about what
 * the verifier reads from authenticated evidence, not about the quote.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { authenticateLog, parseEventLog, parseTpm2ToolsPcrFile, stateFromEvidence, verifyAttestation } from '../../src/index.js'
import { parseCel } from '../../src/cel/index.js'
import { contextFor } from '../../src/state/fact.js'
import { extractWindowsState } from '../../src/state/windows/windows_state.js'
import { makeLog, type Spec } from '../state/windows/build.js'
import { announceCorpus, CORPUS, corpusBytes, REPO_ROOT } from '../helpers/corpus.js'
import { SIPA } from '../../src/state/windows/sipa_constants.js'
import * as B from '../fixtures/eventlog/log_builder.js'
import { NONCE } from '../fixtures/tpm/builders.js'
import { quoteOf } from '../state/unbound_helpers.js'

announceCorpus('red-team: honest systemd-boot logs with a zero-length SecureBoot variable')

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex')
const sha = (alg: string, b: Uint8Array) => new Uint8Array(createHash(alg).update(b).digest())

/** SIPA TLV: u32 id, u32 size, value (Windows SDK wbcl.h, little-endian). */
function tlv(id: number, value: Uint8Array | number[]): Uint8Array {
  const v = value instanceof Uint8Array ? value : Uint8Array.from(value)
  return B.concat(B.u32le(id >>> 0), B.u32le(v.length), v)
}
const TB = SIPA.TRUSTBOUNDARY!
const WBCL = B.ascii('WBCL')
const sipa = (pcr: number, ...records: Uint8Array[]): B.EventSpec => ({ pcr, type: B.T.EV_EVENT_TAG, data: tlv(TB, B.concat(...records)) })
const wbcl = (pcr: number): B.EventSpec => ({ pcr, type: B.T.EV_SEPARATOR, data: WBCL })

/** Every PCR a Windows claim resting on absence needs authenticated, plus PCR 0-7. */
const QUOTED = [0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 19, 20]

/** A CEL-JSON record (TCG CEL §7) carrying the digests of a firmware event and content that binds nothing. */
function celRecordOf(ev: B.EventSpec): string {
  const hashed = ev.hashed ?? ev.data ?? new Uint8Array(0)
  const digests = [
    { hashAlg: 'sha1', digest: hexOf(ev.digests?.[B.ALG.sha1] ?? sha('sha1', hashed)) },
    { hashAlg: 'sha256', digest: hexOf(ev.digests?.[B.ALG.sha256] ?? sha('sha256', hashed)) },
  ]
  return `\u001e${JSON.stringify({ pcr: ev.pcr, digests, content_type: 'pcclient_std', content: { event_type: ev.type } })}\n`
}

/**
 * The quote is over what the TPM really holds (`genuine`); the verifier is handed the firmware log
 * without the events at `moved`, and those events' digests as CEL records (the CEL replays after
 * the firmware events of each PCR, so moving the tail of a PCR keeps the combined replay exact).
 */
async function attestRelocated(genuine: B.EventSpec[], moved: number[], policy: Record<string, unknown>) {
  // Quoted as the TPM extended the genuine boot; the log shown is the relocated one.
  const quoted = quoteOf(genuine, QUOTED)
  const shown = B.buildAgileLog({ events: genuine.filter((_, i) => !moved.includes(i)) })
  const cel = moved.length ? new TextEncoder().encode(moved.map((i) => celRecordOf(genuine[i]!)).join('')) : undefined
  return verifyAttestation({
    eventLog: shown.bytes,
    ...(cel ? { celLog: cel } : {}),
    ...quoted,
    akEnrolled: true,
    nonce: NONCE,
    policy: { id: 'redteam', version: 1, pcrs: { banks: ['sha256'] }, ...policy },
  })
}

/** A Windows boot: edk2-style PCR 0-7, then bootmgr / winload SIPA events and the WBCL separators. */
function windowsBoot(winloadRecords: Uint8Array[]): B.EventSpec[] {
  return [
    ...B.standardBoot(),
    sipa(12, tlv(SIPA.BOOTDEBUGGING!, [0]), tlv(SIPA.SAFEMODE!, [0]), tlv(SIPA.BOOTCOUNTER!, B.u64le(7))),
    sipa(13, tlv(SIPA.CODEINTEGRITY!, [1]), tlv(SIPA.TESTSIGNING!, [0])),
    sipa(12, ...winloadRecords),
    wbcl(12),
    wbcl(13),
    wbcl(14),
  ]
}
const indexOf = (events: B.EventSpec[], pred: (e: B.EventSpec, i: number) => boolean) => events.findIndex(pred)

// ---------------------------------------------------------------------------------------------
// 1. The firmware-log / CEL boundary is not bound: the tail of any PCR can be moved into the CEL.
//
// combine_cel.ts replays "firmware events of a PCR, then its CEL records", and the quote only
// binds that concatenated digest sequence. Where the sequence is cut is attacker data: moving the
// last k events of a PCR from the firmware log into the CEL (same digests, content_type
// pcclient_std without event_data, so verifyCelContent leaves them `not-applicable` with no
// finding) keeps the combined replay and the quote exact. Every consumer that reads the firmware
// log alone (state/windows, state/secure_boot, policy digests / event rules) then never sees them,
// and absence facts read `absenceTrust` / `unboundEventIn`, which look at firmware events only.

describe('CEL relocation hides measured events from the firmware-log readers', () => {
  it('a winload BOOTDEBUGGING=1 record moved into the CEL: bootDebuggingDisabled must not be trusted true', async () => {
    const boot = windowsBoot([tlv(SIPA.BOOTDEBUGGING!, [1])])
    const policy = { windows: { claims: { bootDebuggingDisabled: true } } }
    // Baseline: the honest evidence shows the debug boot and contraindicates windows-boot.
    const honest = await attestRelocated(boot, [], policy)
    expect(honest.state!.windows!.claims.bootDebuggingDisabled).toMatchObject({ value: false, trusted: true })
    expect(honest.verdict.submods['windows-boot']!.ear_status).toBe('contraindicated')
    // Attack: the PCR 12 tail (the winload SIPA event and the WBCL separator) moved into the CEL.
    const tail = [indexOf(boot, (e, i) => e.pcr === 12 && i > boot.length - 6 && e.type === B.T.EV_EVENT_TAG), indexOf(boot, (e) => e.pcr === 12 && e.type === B.T.EV_SEPARATOR)]
    const r = await attestRelocated(boot, tail, policy)
    expect(r.quote.valid).toBe(true)
    expect(r.trustedPcrs).toEqual(QUOTED)
    const claim = r.state!.windows!.claims.bootDebuggingDisabled
    expect(claim.value === true && claim.trusted, 'debugging was on; the contrary record was only relocated').toBe(false)
    expect(r.verdict.submods['windows-boot']!.ear_status).not.toBe('affirming')
  })

  it('a forbidden PCR 4 boot application moved into the CEL: PCR 4 is not authenticated (PCR_NOT_REPLAYABLE) and the verdict is not affirming', async () => {
    const boot = B.standardBoot()
    const last4 = boot.map((e, i) => (e.pcr === 4 ? i : -1)).filter((i) => i >= 0).pop()!
    const revoked = hexOf(sha('sha256', boot[last4]!.hashed!))
    const policy = { digests: { forbidden: [{ pcr: 4, anyOf: [{ sha256: revoked }], description: 'revoked boot loader' }] } }
    const honest = await attestRelocated(boot, [], policy)
    expect(honest.verdict.bootproof_findings.map((f) => f.code)).toContain('POLICY_DIGEST_FORBIDDEN')
    const r = await attestRelocated(boot, [last4], policy)
    expect(r.quote.valid).toBe(true)
    // A CEL record in a firmware PCR: the split between the logs is not measured, so PCR 4 is
    // not authenticated, and nothing the firmware log says about it is trusted.
    expect(r.trustedPcrs).not.toContain(4)
    const f = r.verdict.bootproof_findings.find((x) => x.code === 'PCR_NOT_REPLAYABLE' && x.pcr === 4)
    expect(f?.message).toMatch(/CEL record\(s\) \d+ extend firmware PCR 4/)
    expect(r.verdict.ear_status).not.toBe('affirming')
  })

  it('"UEFI Debug Mode" and the PCR 7 tail moved into the CEL: debugMode must not be trusted false', async () => {
    const boot = B.standardBoot()
    const sep7 = indexOf(boot, (e) => e.pcr === 7 && e.type === B.T.EV_SEPARATOR)
    boot.splice(sep7, 0, B.efiActionEvent(7, 'UEFI Debug Mode'))
    const honest = await attestRelocated(boot, [], { secureBoot: { required: true } })
    expect(honest.state!.secureBoot.debugMode).toMatchObject({ value: true, trusted: true })
    const from = sep7
    const tail = boot.map((e, i) => (e.pcr === 7 && i >= from ? i : -1)).filter((i) => i >= 0)
    const r = await attestRelocated(boot, tail, { secureBoot: { required: true } })
    expect(r.quote.valid).toBe(true)
    expect(r.trustedPcrs).not.toContain(7)
    expect(r.verdict.ear_status).not.toBe('affirming')
    const f = r.state!.secureBoot.debugMode
    expect(f.value === false && f.trusted, 'a debugger was present; its measurement was only relocated').toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------
// The same boundary in the other direction, on the recorded systemd boot (test-vectors/uki/
// boot-cel-ovmf: OVMF + systemd-stub 254 + systemd-pcrphase, in-guest swtpm quote): the first CEL
// record of PCR 11 ("enter-initrd", digest H("enter-initrd")) re-told as a firmware EV_IPL event
// at the end of the firmware log. The combined replay is unchanged, so PCR 11 stays authenticated,
// and `systemd.phases` (CEL records of PCR 11 only) is a trusted list that lacks a phase the TPM
// measured from userspace.

const UKI = join(REPO_ROOT, 'test-vectors/uki/boot-cel-ovmf')
const UKI_PRESENT = existsSync(join(UKI, 'tpm2-measure.log'))
if (!UKI_PRESENT) console.warn(`\n[SKIPPED] recorded UKI boot with tpm2-measure.log not found at ${UKI}\n`)

/** A TCG_PCR_EVENT2 record (TCG PFP §10.2.2) with the digests given per bank, in the log's algorithm order. */
function event2(algs: { algId: number; bank: string }[], pcr: number, type: number, digests: Record<string, string>, data: Uint8Array): Uint8Array {
  const parts = [B.u32le(pcr), B.u32le(type), B.u32le(algs.length)]
  for (const a of algs) parts.push(B.u16le(a.algId), Uint8Array.from(Buffer.from(digests[a.bank]!, 'hex')))
  parts.push(B.u32le(data.length), data)
  return B.concat(...parts)
}

describe.skipIf(!UKI_PRESENT)('recorded systemd boot: a CEL phase re-told as a firmware event', () => {
  it('systemd.phases must not be a trusted list missing "enter-initrd"', async () => {
    const rd = (rel: string) => new Uint8Array(readFileSync(join(UKI, rel)))
    const firmware = rd('binary_bios_measurements')
    const records = readFileSync(join(UKI, 'tpm2-measure.log'), 'utf8').split('\u001e').slice(1)
    const first = JSON.parse(records[0]!) as { pcr: number; digests: { hashAlg: string; digest: string }[]; content: { string: string } }
    expect([first.pcr, first.content.string]).toEqual([11, 'enter-initrd'])
    const log = parseEventLog(firmware)
    const digests = Object.fromEntries(first.digests.map((d) => [d.hashAlg.toLowerCase().replace(/-/g, ''), d.digest]))
    const moved = event2(log.algorithms, 11, B.T.EV_IPL, digests, B.ascii('enter-initrd'))
    const quote = {
      quotes: [{ attest: rd('quote/quote2.msg'), signature: rd('quote/quote2.sig') }],
      ak: rd('quote/ak2.pub'),
      nonce: Uint8Array.from(Buffer.from(readFileSync(join(UKI, 'quote/nonce.hex'), 'utf8').trim(), 'hex')),
      pcrs: parseTpm2ToolsPcrFile(rd('quote/quote2.pcrs')).pcrs,
      now: new Date('2026-12-08T00:00:00Z'),
    }
    const honest = await verifyAttestation({ eventLog: firmware, celLog: rd('tpm2-measure.log'), ...quote })
    expect(honest.state!.systemd!.phases).toMatchObject({ value: ['enter-initrd', 'leave-initrd', 'sysinit', 'ready'], trusted: true })
    const r = await verifyAttestation({ eventLog: B.concat(firmware, moved), celLog: new TextEncoder().encode(records.slice(1).map((t) => `\u001e${t}`).join('')), ...quote })
    expect(r.quote.valid).toBe(true)
    expect(r.trustedPcrs).toContain(11)
    const p = r.state!.systemd!.phases
    expect(p.trusted && !(p.value ?? []).includes('enter-initrd'), 'a trusted phase list without a phase the TPM measured').toBe(false)
    expect(p).toMatchObject({ trusted: false, reasonCode: 'FACT_BOUNDARY_MISSING' })
    // Labelled as one more section of systemd-stub's (UTF-16 ".sbat"): a name event must bind its
    // label (digest = H(".sbat" ‖ NUL)), so the stray is still found.
    const utf16 = (t: string) => Uint8Array.from([...`${t}\0`].flatMap((c) => [c.charCodeAt(0), 0]))
    const asSection = event2(log.algorithms, 11, B.T.EV_IPL, digests, utf16('.sbat'))
    const r2 = await verifyAttestation({ eventLog: B.concat(firmware, asSection), celLog: new TextEncoder().encode(records.slice(1).map((t) => `\u001e${t}`).join('')), ...quote })
    expect(r2.trustedPcrs).toContain(11)
    expect(r2.state!.systemd!.phases).toMatchObject({ trusted: false, reasonCode: 'FACT_BOUNDARY_MISSING', events: [log.events.length] })
  })
})

// ---------------------------------------------------------------------------------------------
// 2. No WBCL separator in PCR 12: nothing separates what the boot manager measured from what the
// OS extended later (PCR 12-14 stay extendable from locality 0), yet the SIPA content decides
// claims. For PCR 0-7 the same situation makes content untrusted (PCR_BOUNDARY_MISSING, TCG PFP
// §3.3.4.1); with a WBCL separator a record appended after boot is ignored.

describe('SIPA claims without a WBCL boundary', () => {
  const bootmgr = sipa(12, tlv(SIPA.BOOTDEBUGGING!, [0]))
  const appended = sipa(12, tlv(SIPA.VBS_VSM_REQUIRED!, [1]))
  const policy = { windows: { claims: { vbsEnabled: true } } }

  it('control: a VBS record extended after the WBCL separator is ignored', async () => {
    const r = await attestRelocated([...B.standardBoot(), bootmgr, wbcl(12), wbcl(13), wbcl(14), appended], [], policy)
    expect(r.state!.windows!.claims.vbsEnabled.value).toBe(false)
  })

  it('the same record with no separator in PCR 12 must not make vbsEnabled a trusted true', async () => {
    const r = await attestRelocated([...B.standardBoot(), bootmgr, appended], [], policy)
    expect(r.quote.valid).toBe(true)
    const f = r.state!.windows!.claims.vbsEnabled
    expect(f.value === true && f.trusted, 'PCR 12 has no pre-OS boundary').toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------
// 3. False alarm on honest machines: a SecureBoot variable measured with no data. TCG PFP
// (UEFI_VARIABLE_DATA, §10.4.4 / §3.3.4.8) has firmware measure an absent variable with
// VariableDataLength 0; real systemd-boot machines do (Arch Linux workstation, Fedora 37
// sd-boot). These untampered logs get an ERROR finding (SECUREBOOT_VALUE_INVALID), so `ok` is
// false and the verdict contraindicated on every such machine.

describe.skipIf(!CORPUS)('honest logs with a zero-length SecureBoot variable', () => {
  for (const name of ['logs/google-go-tpm-tools--arch-linux-workstation.bin', 'logs/tpm2-software-tpm2-tools--event-sd-boot-fedora37.bin']) {
    it(`${name}: no error finding, and Secure Boot is not reported enabled`, () => {
      const log = parseEventLog(corpusBytes(name))
      const sb = log.events.find((e) => e.pcrIndex === 7 && e.eventType === B.T.EV_EFI_VARIABLE_DRIVER_CONFIG)!
      // The first PCR 7 variable is SecureBoot with VariableDataLength 0 (the 8 bytes at 24..31).
      expect(B.hex(sb.data.subarray(24, 32))).toBe('0000000000000000')
      const { state, findings } = stateFromEvidence(authenticateLog(log))
      expect(state.secureBoot.enabled.value).not.toBe(true)
      expect(findings.filter((f) => f.severity === 'error').map((f) => f.code)).not.toContain('SECUREBOOT_VALUE_INVALID')
    })
  }
})

// ---------------------------------------------------------------------------------------------
// Attempts that held, pinned as regression tests.

describe('held: pinned attempts', () => {
  const claimsOf = (specs: Spec[]) => extractWindowsState(contextFor(authenticateLog(makeLog(specs)))).claims
  const sep = (pcr: number): Spec => ({ pcr, type: B.T.EV_SEPARATOR, data: WBCL })

  it('SIPA data replaced (digest kept) by bytes that start with a Linux content-tag ID (lax integrity): the claim is untrusted, EVENT_CONTENT_UNBOUND', () => {
    const genuine = tlv(TB, tlv(SIPA.BOOTDEBUGGING!, [1]))
    const forged = B.concat(B.u32le(0x8f3b22ec), B.u32le(0)) // 0x8F3B22EC: Linux initrd tag, digest not of the data
    const c = claimsOf([{ pcr: 12, type: B.T.EV_EVENT_TAG, data: forged, digest: sha('sha256', genuine) }, sep(12), sep(13), sep(14)])
    expect(c.bootDebuggingDisabled).toMatchObject({ trusted: false, reasonCode: 'EVENT_CONTENT_UNBOUND' })
  })

  it('SIPA records in an EV_NO_ACTION event of PCR 12 (never extended) create nothing', () => {
    const c = claimsOf([{ pcr: 12, type: B.T.EV_EVENT_TAG, data: tlv(TB, tlv(SIPA.BOOTDEBUGGING!, [0])) }, { pcr: 12, type: B.T.EV_NO_ACTION, data: tlv(TB, tlv(SIPA.VBS_VSM_REQUIRED!, [1])) }, sep(12), sep(13), sep(14)])
    expect(c.vbsEnabled.value).toBe(false)
  })

  it('CEL-JSON: a systemd record repeating "string" is rejected (ERR_CEL_JSON_INVALID)', () => {
    const d = hexOf(sha('sha256', B.ascii('enter-initrd')))
    const text = `\u001e{"pcr":11,"digests":[{"hashAlg":"sha256","digest":"${d}"}],"content_type":"systemd","content":{"string":"enter-initrd","string":"ready","eventType":"phase"}}\n`
    expect(() => parseCel(new TextEncoder().encode(text))).toThrow(expect.objectContaining({ code: 'ERR_CEL_JSON_INVALID' }))
  })

  it.skipIf(!UKI_PRESENT)('recorded boot: a phase relabelled eventType "volume-key" unbinds its string, and the phases become untrusted (EVENT_CONTENT_UNBOUND)', async () => {
    const rd = (rel: string) => new Uint8Array(readFileSync(join(UKI, rel)))
    const records = readFileSync(join(UKI, 'tpm2-measure.log'), 'utf8').split('\u001e').slice(1)
    expect(records[0]).toContain('"eventType":"phase"')
    records[0] = records[0]!.replace('"eventType":"phase"', '"eventType":"volume-key"')
    const r = await verifyAttestation({
      eventLog: rd('binary_bios_measurements'),
      celLog: new TextEncoder().encode(records.map((t) => `\u001e${t}`).join('')),
      quotes: [{ attest: rd('quote/quote2.msg'), signature: rd('quote/quote2.sig') }],
      ak: rd('quote/ak2.pub'),
      nonce: Uint8Array.from(Buffer.from(readFileSync(join(UKI, 'quote/nonce.hex'), 'utf8').trim(), 'hex')),
      pcrs: parseTpm2ToolsPcrFile(rd('quote/quote2.pcrs')).pcrs,
      now: new Date('2026-12-08T00:00:00Z'),
    })
    expect(r.trustedPcrs).toContain(11)
    expect(r.state!.systemd!.phases).toMatchObject({ trusted: false, reasonCode: 'EVENT_CONTENT_UNBOUND' })
  })
})
