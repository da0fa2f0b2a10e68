/**
 * Windows state: go-attestation's expectations on the GCE Shielded VM log, claim values for every
 * Windows log in the corpus, a differential against MAA's own parse (report_boot.jwt), tamper and
 * event-type masquerade tests.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, test } from 'vitest'
import { EV } from '../../../src/eventlog/event_types.js'
import { authenticateLog } from '../../../src/attest/authenticate_log.js'
import { parseEventLog } from '../../../src/eventlog/parse.js'
import type { EventLog } from '../../../src/eventlog/types.js'
import { contextFor } from '../../../src/state/fact.js'
import { SIPA } from '../../../src/state/windows/sipa_constants.js'
import { decodeSipa, walkSipa } from '../../../src/state/windows/sipa_decode.js'
import { extractWindowsState, WINDOWS_ABSENCE_PCRS, type WindowsState } from '../../../src/state/windows/windows_state.js'
import { announceCorpus, CORPUS, corpusBytes } from '../../helpers/corpus.js'
import { cat, globalVariable, makeLog, tlv, u64 } from './build.js'
import { diffProcessed, projectRecords, type DiffStats } from './maa_projection.js'

announceCorpus('Windows SIPA state tests (go-attestation vectors, MAA differential, corpus claims)')

const GCP = 'logs/google-go-attestation--windows_gcp_shielded_vm.bin'

function stateOf(log: EventLog, quoted?: number[]): WindowsState {
  return extractWindowsState(contextFor(authenticateLog(log, quoted ? { onlyPcrs: quoted } : {})))
}
function stateOfBytes(b: Uint8Array, quoted?: number[]): WindowsState {
  return stateOf(parseEventLog(b), quoted)
}
const values = (w: WindowsState): Record<string, unknown> => Object.fromEntries(Object.entries(w.claims).map(([k, f]) => [k, f.value]))

/** Absolute offset of the first record named `name` in a PCR-`pcr` SIPA event of `log`. */
function locate(log: EventLog, pcr: number, name: string): { index: number; offset: number } {
  for (const ev of log.events) {
    if (ev.pcrIndex !== pcr || ev.eventType !== EV.EV_EVENT_TAG) continue
    for (const r of walkSipa(decodeSipa(ev.data, { base: ev.dataOffset }).records)) if (r.name === name) return { index: ev.index, offset: r.offset }
  }
  throw new Error(`${name} not found in PCR ${pcr}`)
}

describe.skipIf(!CORPUS)('go-attestation TestParseWinEvents vector (windows_gcp_shielded_vm)', () => {
  test('claims, modules and ELAM agree with go-attestation', () => {
    const w = stateOfBytes(corpusBytes(GCP))
    expect(w.detected).toBe(true)
    expect(w.findings).toEqual([])
    // ColdBoot true, BootCount 4, DEPEnabled True, CodeIntegrityEnabled True, debugging /
    // kernel debugging / test signing never enabled.
    expect(w.claims.coldBoot.value).toBe(true)
    expect(w.claims.bootCount.value).toBe(4)
    expect(w.claims.depPolicy.value).not.toBe(0)
    expect(w.claims.codeIntegrityEnabled.value).toBe(true)
    expect(w.claims.bootDebuggingDisabled.value).toBe(true)
    expect(w.claims.osKernelDebuggingDisabled.value).toBe(true)
    expect(w.claims.testSigningDisabled.value).toBe(true)
    for (const f of Object.values(w.claims)) expect(f.trusted).toBe(true)
    // BitlockerUnlocks [0, 0]: the PCR 12 BITLOCKER_UNLOCK records.
    const pcr12 = w.sipaEvents.filter((e) => e.pcr === 12 && e.role === 'sipa')
    const unlocks = pcr12.flatMap((e) => [...walkSipa(e.records)].filter((r) => r.name === 'BITLOCKER_UNLOCK').map((r) => (r.value?.type === 'uint' ? r.value.value : NaN)))
    expect(unlocks).toEqual([0, 0])
    expect(w.claims.bitlockerStatus.value).toBe(0)
    const mod = (h: string) => w.bootModules.find((m) => m.authenticodeHash === h)
    expect(mod('0fdce7d71936f79445e7d2c84cbeb97c948d3730e0b839166b0a4e625c2d4547')).toMatchObject({
      filePath: '\\Windows\\System32\\drivers\\vioscsi.sys',
      imageBase: [`0x${(81416192).toString(16)}`],
      imageSize: 86016,
      hashAlgorithm: { id: 0x800c, name: 'CALG_SHA_256' },
      imageValidated: true,
      signer: { issuer: 'Microsoft Windows Third Party Component CA 2014', publisher: 'Microsoft Windows Hardware Compatibility Publisher', serial: '33000000253a2738690a3451c1000000000025', sha1Thumbprint: '2629e86aae6eb9c9adcc1c548d601a50fd96927a' },
      trusted: true,
    })
    expect(mod('055a36a9921b98cc04042ca95249c7eca655536868dafcec7508947ebe5e71f4')).toMatchObject({
      filePath: '\\Windows\\System32\\Drivers\\ksecpkg.sys',
      imageBase: [`0x${(82952192).toString(16)}`],
      imageSize: 204800,
      signer: { issuer: 'Microsoft Windows Production PCA 2011', publisher: 'Microsoft Windows', serial: '33000001c422b2f79b793dacb20000000001c4', sha1Thumbprint: 'ae9c1ae54763822eec42474983d8b635116c8452' },
    })
    expect(mod('2bedd1589410b6fa13c82f35db735025b6a160595922750248771f5abd0fee58')).toMatchObject({ filePath: '\\Windows\\System32\\drivers\\volmgrx.sys', imageBase: [`0x${(80875520).toString(16)}`], imageSize: 405504 })
    expect(w.elamDrivers).toEqual([expect.objectContaining({ name: 'Windows Defender', measured: '067d5b9dc5627f97dcf3feff602a342ed698d2cc', trusted: true })])
    expect(w.elamDrivers[0]!.configuration).toBeUndefined()
    expect(w.elamDrivers[0]!.policy).toBeUndefined()
  })
})

// bootproof's values for the other Windows logs (no upstream oracle; MAA TPM policy v1.2 rules). dell1 and
// ideapad1 measure a third-party ELAM driver (McAfee mfeelamk.sys, Symantec SymELAM.sys), so
// MAA's Defender-only `elamDriverLoaded` is false there.
const CORPUS_CLAIMS: Record<string, Record<string, unknown>> = {
  'google-go-attestation--option_rom_eventlog': { vbsEnabled: true, hvciEnabled: false, bitlockerStatus: 4, elamDriverLoaded: true, bootCount: 0, modules: 107, elam: ['Windows Defender'] },
  'google-go-attestation--windows_gcp_shielded_vm.bin': { vbsEnabled: false, hvciEnabled: false, bitlockerStatus: 0, elamDriverLoaded: true, bootCount: 4, modules: 64, elam: ['Windows Defender'] },
  'kgoldman-ibmtss--dell1.log': { vbsEnabled: false, hvciEnabled: false, bitlockerStatus: 0, elamDriverLoaded: false, bootCount: 1039716173, modules: 89, elam: ['Windows Defender'] },
  'kgoldman-ibmtss--hp1.log': { vbsEnabled: false, hvciEnabled: false, bitlockerStatus: 0, elamDriverLoaded: true, bootCount: 42, modules: 92, elam: ['Windows Defender'] },
  'kgoldman-ibmtss--ideapad1.log': { vbsEnabled: false, hvciEnabled: false, bitlockerStatus: 0, elamDriverLoaded: false, bootCount: 117, modules: 92, elam: ['Symantec'] },
  'kgoldman-ibmtss--p511.log': { vbsEnabled: true, hvciEnabled: false, bitlockerStatus: 4, elamDriverLoaded: true, bootCount: 155, modules: 90, elam: ['Windows Defender'] },
}

describe.skipIf(!CORPUS)('Windows logs in the corpus', () => {
  for (const [name, want] of Object.entries(CORPUS_CLAIMS)) {
    test(name, () => {
      const w = stateOfBytes(corpusBytes(`logs/${name}`))
      expect(w.detected).toBe(true)
      const { modules, elam, ...claims } = want
      expect(values(w)).toMatchObject({
        secureBootEnabled: true,
        bootDebuggingDisabled: true,
        notSafeMode: true,
        notWinPE: true,
        codeIntegrityEnabled: true,
        testSigningDisabled: true,
        ...claims,
      })
      expect(w.bootModules.length).toBe(modules)
      expect(w.elamDrivers.map((d) => d.name)).toEqual(elam)
      for (const f of Object.values(w.claims)) expect(f).toMatchObject({ trusted: true })
      // Every SIPA event is digest-verified and every record is decoded (older builds write
      // VBS_MICROSOFT_BOOT_CHAIN_REQUIRED as 1 byte; it is accepted as a 1-8 byte integer).
      for (const e of w.sipaEvents.filter((x) => x.role === 'sipa')) {
        expect(e.integrity).toBe('verified')
        expect(e.complete).toBe(true)
      }
      expect(w.findings.filter((f) => f.severity !== 'info')).toEqual([])
      // The JSON contract: {value, trusted, events} per claim, serialisable.
      const json = JSON.parse(JSON.stringify(w.claims)) as Record<string, { value: unknown; trusted: boolean; events: number[] }>
      expect(json.bootDebuggingDisabled!.events.length).toBeGreaterThan(0)
    })
  }

  test('a non-Windows log is not detected', () => {
    for (const n of ['tpm2-software-tpm2-tools--event-sd-boot-fedora37.bin', 'kgoldman-ibmtss--ubuntu1.log']) {
      const w = stateOfBytes(corpusBytes(`logs/${n}`))
      expect(w.detected).toBe(false)
      expect(w.findings).toEqual([])
    }
  })
})

// ------------------------------------------------------------------------------------------
// MAA differential

interface MaaEvent {
  EventSeq: number
  EventType: number
  PcrIndex: number
  RawData?: string
  Digests: { SHA256: string }
  ProcessedData?: unknown
}

function maaEvents(): MaaEvent[] {
  const jwt = readFileSync(resolve(CORPUS!, 'tokens/microsoft-attestation-client-samples--report_boot.jwt'), 'utf8').trim()
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as { 'x-ms-policy': { outputEvents: string } }
  return (JSON.parse(payload['x-ms-policy'].outputEvents) as { Events: MaaEvent[] }).Events
}

describe.skipIf(!CORPUS)('differential against MAA (report_boot.jwt, decoded without verification)', () => {
  test('every SIPA event decodes to exactly what MAA processed', () => {
    const events = maaEvents()
    const tags = events.filter((e) => e.EventType === EV.EV_EVENT_TAG)
    expect(tags.length).toBe(10)
    const stats: DiffStats = { matched: 0, mismatches: [], onlyOurs: {} }
    for (const e of tags) {
      const d = decodeSipa(new Uint8Array(Buffer.from(e.RawData!, 'base64url')))
      expect(d.complete).toBe(true)
      diffProcessed(e.ProcessedData, projectRecords(d.records), `#${e.EventSeq}`, stats)
    }
    expect(stats.mismatches).toEqual([])
    expect(stats.matched).toBe(1256)
    // Decoded by bootproof but not carried in MAA's ProcessedData (Attestation-Client-Samples report_boot.jwt).
    expect(stats.onlyOurs).toEqual({
      EVENT_HYPERVISOR_MMIO_NX_POLICY: 2,
      EVENT_HYPERVISOR_MSR_FILTER_POLICY: 2,
      EVENT_HYPERVISOR_BOOT_DMA_PROTECTION: 2,
      EVENT_MORBIT_NOT_CANCELABLE: 2,
      EVENT_LSAISO_CONFIG: 2,
      EVENT_SMT_STATUS: 2,
    })
  })

  test('the claims MAA derives from that log (MAA TPM policy v1.2 rules)', () => {
    const events = maaEvents()
    const log = makeLog(events.map((e) => ({ pcr: e.PcrIndex, type: e.EventType, data: new Uint8Array(Buffer.from(e.RawData ?? '', 'base64url')), digest: new Uint8Array(Buffer.from(e.Digests.SHA256, 'base64url')) })))
    const w = stateOf(log)
    expect(values(w)).toMatchObject({
      secureBootEnabled: true,
      bootDebuggingDisabled: true,
      notSafeMode: true,
      notWinPE: true,
      codeIntegrityEnabled: true,
      testSigningDisabled: true,
      vbsEnabled: true,
      hvciEnabled: true,
      bitlockerStatus: 4,
      elamDriverLoaded: true,
      bootCount: 363,
      flightSigningNotEnabled: false,
    })
    for (const f of Object.values(w.claims)) expect(f.trusted).toBe(true)
    expect(w.bootModules.some((m) => m.filePath === '\\WINDOWS\\system32\\drivers\\wd\\WdBoot.sys' && m.imageValidated)).toBe(true)
    expect(w.sipaEvents.filter((e) => e.role === 'sipa').every((e) => e.integrity === 'verified')).toBe(true)
  })
})

// ------------------------------------------------------------------------------------------
// Tamper and masquerade

/** A private, writable copy of a corpus log. */
function sha1Log(b: Uint8Array): Uint8Array {
  return b.slice()
}
/** SHA-1 format record: pcr(4) type(4) digest(20) size(4) data. */
function setType(b: Uint8Array, evOffset: number, type: number): void {
  new DataView(b.buffer, b.byteOffset).setUint32(evOffset + 4, type, true)
}
function redigest(b: Uint8Array, log: EventLog, index: number): void {
  const ev = log.events[index]!
  const d = createHash('sha1').update(b.subarray(ev.dataOffset, ev.dataOffset + ev.data.length)).digest()
  b.set(d, ev.offset + 8)
}

describe.skipIf(!CORPUS)('tamper: SIPA data edited, digest kept', () => {
  test('BOOTDEBUGGING flipped: claim latches to false, is untrusted and raises findings', () => {
    const bytes = sha1Log(corpusBytes(GCP))
    const log = parseEventLog(bytes)
    const at = locate(log, 12, 'BOOTDEBUGGING')
    bytes[at.offset + 8] = 1
    const w = stateOfBytes(bytes)
    expect(w.claims.bootDebuggingDisabled).toMatchObject({ value: false, trusted: false })
    expect(w.claims.bootDebuggingDisabled.events).toContain(at.index)
    expect(w.claims.bootDebuggingDisabled.reason).toMatch(/digest mismatch/)
    expect(w.findings).toContainEqual(expect.objectContaining({ code: 'WINDOWS_SIPA_UNVERIFIED', eventIndex: at.index, severity: 'error' }))
    expect(w.findings).toContainEqual(expect.objectContaining({ code: 'WINDOWS_CLAIMS_UNTRUSTED' }))
  })

  test('CODEINTEGRITY 1 -> 0 latches off; hiding a record by renaming its ID is not silent', () => {
    const bytes = sha1Log(corpusBytes(GCP))
    const log = parseEventLog(bytes)
    const ci = locate(log, 13, 'CODEINTEGRITY')
    bytes[ci.offset + 8] = 0
    let w = stateOfBytes(bytes)
    expect(w.claims.codeIntegrityEnabled).toMatchObject({ value: false, trusted: false })
    // Rename BOOTDEBUGGING to an unknown ID: the value no longer comes from it, but the edited
    // event is still among the claim's events, so the claim is untrusted.
    const b2 = sha1Log(corpusBytes(GCP))
    const dbg = locate(log, 12, 'BOOTDEBUGGING')
    new DataView(b2.buffer, b2.byteOffset).setUint32(dbg.offset, 0x00041234, true)
    w = stateOfBytes(b2)
    expect(w.claims.bootDebuggingDisabled.trusted).toBe(false)
    expect(w.claims.bootDebuggingDisabled.events).toContain(dbg.index)
  })

  test('module path edited: the module is untrusted', () => {
    const bytes = sha1Log(corpusBytes(GCP))
    const log = parseEventLog(bytes)
    const w0 = stateOf(log)
    const vio = w0.bootModules.find((m) => m.filePath?.endsWith('vioscsi.sys'))!
    const rec = [...walkSipa(w0.sipaEvents.find((e) => e.eventIndex === vio.events[1])!.records)].find((r) => r.name === 'FILEPATH' && r.value?.type === 'string' && r.value.value.endsWith('vioscsi.sys'))!
    bytes[rec.offset + 8 + 2 * 27] = 'X'.charCodeAt(0)
    const m = stateOfBytes(bytes).bootModules.find((x) => x.authenticodeHash === vio.authenticodeHash)!
    expect(m.trusted).toBe(false)
  })

  test('claims are untrusted when the quote does not cover their PCRs', () => {
    const w = stateOfBytes(corpusBytes(GCP), [0, 1, 2, 3, 4, 5, 6, 7, 12])
    expect(w.claims.bootDebuggingDisabled.trusted).toBe(false)
    expect(w.claims.bootDebuggingDisabled.reason).toMatch(/PCR 13/)
    // "First non-zero BitLocker flags, else 0" also says no other record was measured: with PCR
    // 11, 13, 14, 19 and 20 outside the quote that absence is not authenticated.
    expect(w.claims.bitlockerStatus).toMatchObject({ trusted: false, reasonCode: 'PCR_NOT_QUOTED' })
    expect(w.claims.secureBootEnabled.trusted).toBe(true)
    const all = stateOfBytes(corpusBytes(GCP), [0, 1, 2, 3, 4, 5, 6, 7, ...WINDOWS_ABSENCE_PCRS])
    expect(all.claims.bitlockerStatus.trusted).toBe(true)
    expect(all.claims.bootDebuggingDisabled.trusted).toBe(true)
  })
})

describe.skipIf(!CORPUS)('masquerade: retyped events neither create nor hide a fact', () => {
  test('a SIPA event retyped to EV_ACTION still counts (genuine debug boot cannot be hidden)', () => {
    const bytes = sha1Log(corpusBytes(GCP))
    const log = parseEventLog(bytes)
    const at = locate(log, 12, 'BOOTDEBUGGING')
    bytes[at.offset + 8] = 1
    redigest(bytes, log, at.index) // a boot that really had debugging on
    expect(stateOfBytes(bytes).claims.bootDebuggingDisabled).toMatchObject({ value: false, trusted: true })
    setType(bytes, log.events[at.index]!.offset, EV.EV_ACTION)
    const w = stateOfBytes(bytes)
    expect(w.claims.bootDebuggingDisabled).toMatchObject({ value: false, trusted: false })
    expect(w.findings).toContainEqual(expect.objectContaining({ code: 'WINDOWS_EVENT_RETYPED', eventIndex: at.index }))
    expect(w.sipaEvents.find((e) => e.eventIndex === at.index)).toMatchObject({ role: 'sipa', retyped: true })
  })

  test('a SIPA event retyped to EV_SEPARATOR does not become the WBCL boundary', () => {
    const bytes = sha1Log(corpusBytes(GCP))
    const log = parseEventLog(bytes)
    const first12 = log.events.find((e) => e.pcrIndex === 12 && e.eventType === EV.EV_EVENT_TAG)!
    setType(bytes, first12.offset, EV.EV_SEPARATOR)
    const w = stateOfBytes(bytes)
    expect(values(w)).toEqual(values(stateOfBytes(corpusBytes(GCP))))
    expect(w.sipaEvents.filter((e) => e.pcr === 12 && e.afterSeparator && e.role === 'sipa')).toEqual([])
    expect(w.claims.bootCount.trusted).toBe(false)
  })
})

describe('masquerade and boundaries on synthetic logs', () => {
  const TB = SIPA.TRUSTBOUNDARY!
  const vsm = tlv(TB, tlv(SIPA.VBS_VSM_REQUIRED!, [1]))
  const base = (): { pcr: number; type: number; data: Uint8Array }[] => [
    { pcr: 7, type: EV.EV_EFI_VARIABLE_DRIVER_CONFIG, data: globalVariable('SecureBoot', [1]) },
    { pcr: 7, type: EV.EV_SEPARATOR, data: new Uint8Array(4) },
    { pcr: 12, type: EV.EV_EVENT_TAG, data: tlv(TB, cat(tlv(SIPA.BOOTDEBUGGING!, [0]), tlv(SIPA.BOOTCOUNTER!, u64(9)))) },
    { pcr: 12, type: EV.EV_SEPARATOR, data: new TextEncoder().encode('WBCL') },
  ]

  test('baseline', () => {
    const w = stateOf(makeLog(base()))
    expect(values(w)).toMatchObject({ secureBootEnabled: true, bootDebuggingDisabled: true, vbsEnabled: false, bootCount: 9, notSafeMode: true })
    expect(w.claims.vbsEnabled).toMatchObject({ trusted: true, events: [2] })
  })

  test('SIPA data outside the SIPA PCRs creates nothing', () => {
    const specs = base()
    specs.splice(1, 0, { pcr: 7, type: EV.EV_EVENT_TAG, data: vsm }, { pcr: 9, type: EV.EV_EVENT_TAG, data: vsm })
    expect(stateOf(makeLog(specs)).claims.vbsEnabled.value).toBe(false)
  })

  test('SIPA events after the WBCL separator (extendable after boot) create nothing and are reported', () => {
    const specs = [...base(), { pcr: 12, type: EV.EV_EVENT_TAG, data: vsm }]
    const w = stateOf(makeLog(specs))
    expect(w.claims.vbsEnabled.value).toBe(false)
    expect(w.findings).toContainEqual(expect.objectContaining({ code: 'WINDOWS_SIPA_AFTER_SEPARATOR', eventIndex: 4 }))
  })

  test('a retyped WBCL separator is still the boundary', () => {
    const specs = base()
    specs[3]!.type = EV.EV_EVENT_TAG
    specs.push({ pcr: 12, type: EV.EV_EVENT_TAG, data: vsm })
    const w = stateOf(makeLog(specs))
    expect(w.claims.vbsEnabled.value).toBe(false)
    expect(w.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['WINDOWS_EVENT_RETYPED', 'WINDOWS_SIPA_AFTER_SEPARATOR']))
  })

  test('SecureBoot: retyping the genuine variable and appending SecureBoot=1 does not create Secure Boot', () => {
    const specs = base()
    specs[0] = { pcr: 7, type: EV.EV_UNUSED, data: globalVariable('SecureBoot', [0]) }
    specs.splice(1, 0, { pcr: 7, type: EV.EV_EFI_VARIABLE_DRIVER_CONFIG, data: globalVariable('SecureBoot', [1]) })
    const w = stateOf(makeLog(specs))
    expect(w.claims.secureBootEnabled).toMatchObject({ value: false, trusted: false, events: [0, 1] })
    expect(w.findings).toContainEqual(expect.objectContaining({ code: 'WINDOWS_EVENT_RETYPED', eventIndex: 0 }))
  })

  test('SecureBoot after the PCR 7 separator does not count', () => {
    const specs = base()
    specs.splice(0, 1)
    specs.splice(1, 0, { pcr: 7, type: EV.EV_EFI_VARIABLE_DRIVER_CONFIG, data: globalVariable('SecureBoot', [1]) })
    const w = stateOf(makeLog(specs))
    expect(w.claims.secureBootEnabled).toMatchObject({ value: false, trusted: false })
    expect(w.findings).toContainEqual(expect.objectContaining({ code: 'WINDOWS_SECUREBOOT_AFTER_SEPARATOR' }))
  })

  test('latching across events and conflicting boot counters', () => {
    const specs = base()
    specs.splice(3, 0, { pcr: 13, type: EV.EV_EVENT_TAG, data: tlv(TB, cat(tlv(SIPA.BOOTDEBUGGING!, [1]), tlv(SIPA.CODEINTEGRITY!, [0]), tlv(SIPA.BOOTCOUNTER!, u64(10)))) })
    specs.splice(2, 0, { pcr: 12, type: EV.EV_EVENT_TAG, data: tlv(TB, tlv(SIPA.CODEINTEGRITY!, [1])) })
    const w = stateOf(makeLog(specs))
    expect(w.claims.bootDebuggingDisabled.value).toBe(false)
    expect(w.claims.codeIntegrityEnabled.value).toBe(false)
    expect(w.claims.bootCount).toMatchObject({ value: 9, trusted: false })
    expect(w.findings).toContainEqual(expect.objectContaining({ code: 'WINDOWS_BOOTCOUNT_CONFLICT' }))
  })

  test('no Windows data: not detected, MAA defaults, no findings', () => {
    const w = stateOf(makeLog(base().slice(0, 2)))
    expect(w.detected).toBe(false)
    expect(w.findings).toEqual([])
    expect(values(w)).toMatchObject({ bootDebuggingDisabled: false, notSafeMode: true, notWinPE: true, codeIntegrityEnabled: false, bitlockerStatus: 0, bootCount: null })
  })
})
