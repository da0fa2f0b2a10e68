/**
 * verifyEventIntegrity (attack R-02): content is trusted only when its
 * digest is the hash of the data in every bank.
 */
import { describe, expect, it } from 'vitest'
import { parseEventLog, verifyEventIntegrity, type IntegrityReport } from '../../src/index.js'
import * as B from '../fixtures/eventlog/log_builder.js'
import { flippedSecureBootEvents } from '../../scripts/make-synthetic-vectors.js'

const { T, ALG } = B

function integrityOf(events: B.EventSpec[], algorithms?: B.AlgDecl[]): { report: IntegrityReport; built: B.BuiltLog } {
  const built = B.buildAgileLog(algorithms ? { events, algorithms } : { events })
  return { report: verifyEventIntegrity(parseEventLog(built.bytes)), built }
}

/** Digests of `original` kept, data replaced by `data`. */
function edited(original: B.EventSpec, data: Uint8Array): B.EventSpec {
  return { ...original, data, digests: { [ALG.sha1]: B.digestFor(original, B.SHA1), [ALG.sha256]: B.digestFor(original, B.SHA256) } }
}

describe('a clean boot', () => {
  const { report, built } = integrityOf(B.standardBoot({ startupLocality: 3 }))

  it('one entry per event, in order', () => {
    expect(report.events.map((e) => e.index)).toEqual(built.records.map((r) => r.index))
  })

  it('digest-bound types are verified in both banks; descriptor types and EV_NO_ACTION are not-applicable', () => {
    const bound = new Set<number>([T.EV_SEPARATOR, T.EV_EFI_ACTION, T.EV_EFI_VARIABLE_DRIVER_CONFIG, T.EV_EFI_VARIABLE_BOOT, T.EV_EFI_VARIABLE_AUTHORITY, T.EV_S_CRTM_VERSION])
    for (const r of built.records) {
      const entry = report.events[r.index]!
      const type = r.index === 0 ? T.EV_NO_ACTION : built.events[r.index - 1]!.type
      if (bound.has(type)) {
        expect(entry.status, `event ${r.index}`).toBe('verified')
        expect(entry.banks).toEqual({ sha1: true, sha256: true })
      } else {
        expect(entry.status, `event ${r.index}`).toBe('not-applicable')
      }
    }
    expect(report.findings).toEqual([])
    expect(report.counts.mismatch).toBe(0)
    expect(report.counts.verified + report.counts['not-applicable']).toBe(built.records.length)
    expect(report.counts.verified).toBeGreaterThan(15)
  })
})

describe('R-02: edited data with the genuine digest kept', () => {
  it('SecureBoot 00 -> 01: EVENT_DIGEST_MISMATCH on that event, status mismatch in both banks', () => {
    const events = flippedSecureBootEvents()
    const { report, built } = integrityOf(events)
    const idx = 1 + events.findIndex((e) => e.type === T.EV_EFI_VARIABLE_DRIVER_CONFIG && e.data !== undefined && e.data.length === 32 + 20 + 1)
    expect(idx).toBeGreaterThan(0)
    expect(report.events[idx]).toMatchObject({ index: idx, status: 'mismatch', banks: { sha1: false, sha256: false } })
    expect(report.counts.mismatch).toBe(1)
    expect(report.findings).toHaveLength(1)
    expect(report.findings[0]).toMatchObject({
      code: 'EVENT_DIGEST_MISMATCH',
      severity: 'error',
      pcr: 7,
      eventIndex: idx,
      offset: built.records[idx]!.dataOffset,
      bank: 'sha1',
      expected: B.hex(B.hashWith(ALG.sha1, B.uefiVariableData({ name: 'SecureBoot', data: B.u8(0) }))),
      observed: B.hex(B.hashWith(ALG.sha1, B.uefiVariableData({ name: 'SecureBoot', data: B.u8(1) }))),
    })
  })

  it('only one bank wrong (sha256 digest of other data): mismatch, and the bad bank is named', () => {
    const sb = B.secureBootEvent(true)
    const { report } = integrityOf([{ ...sb, digests: { [ALG.sha256]: B.hashWith(ALG.sha256, B.uefiVariableData({ name: 'SecureBoot', data: B.u8(0) })) } }])
    expect(report.events[1]).toMatchObject({ status: 'mismatch', banks: { sha1: true, sha256: false } })
    expect(report.findings[0]).toMatchObject({ code: 'EVENT_DIGEST_MISMATCH', bank: 'sha256', eventIndex: 1 })
  })

  it('dbx data substituted: mismatch', () => {
    const dbx = B.driverConfigEvent({ name: 'dbx', guid: B.GUID.EFI_IMAGE_SECURITY_DATABASE, data: B.sha256SignatureList(2, 1) })
    const { report } = integrityOf([edited(dbx, B.uefiVariableData({ name: 'dbx', guid: B.GUID.EFI_IMAGE_SECURITY_DATABASE, data: B.sha256SignatureList(3, 1) }))])
    expect(report.events[1]!.status).toBe('mismatch')
  })

  it('EV_EFI_ACTION with one extra byte: mismatch', () => {
    const a = B.efiActionEvent(4, B.ACTION.CALLING_EFI_APP)
    const { report } = integrityOf([edited(a, B.ascii(`${B.ACTION.CALLING_EFI_APP}\0`))])
    expect(report.events[1]!.status).toBe('mismatch')
    expect(report.findings[0]).toMatchObject({ code: 'EVENT_DIGEST_MISMATCH', severity: 'error', pcr: 4, eventIndex: 1 })
  })

  it('EV_EFI_ACTION with one byte missing: mismatch', () => {
    const a = B.efiActionEvent(5, B.ACTION.EBS_INVOCATION)
    const { report } = integrityOf([edited(a, B.ascii(B.ACTION.EBS_INVOCATION.slice(0, -1)))])
    expect(report.events[1]!.status).toBe('mismatch')
  })

  it('EV_SEPARATOR data changed (00000000 -> 00000001 kept digest): mismatch', () => {
    const { report } = integrityOf([edited(B.separatorEvent(0), B.separatorData(0x01000000))])
    expect(report.events[1]!.status).toBe('mismatch')
  })

  it('EV_SEPARATOR with 5 data bytes and the 4-byte digest: mismatch', () => {
    const { report } = integrityOf([edited(B.separatorEvent(3), Uint8Array.of(0, 0, 0, 0, 0))])
    expect(report.events[1]!.status).toBe('mismatch')
  })

  it('EV_S_CRTM_VERSION edited: mismatch, reported as a warning (known firmware deviation), content still untrusted', () => {
    const { report } = integrityOf([edited(B.scrtmVersionEvent('1.00'), B.utf16le('9.99\0'))])
    expect(report.events[1]!.status).toBe('mismatch')
    expect(report.findings[0]).toMatchObject({ code: 'EVENT_DIGEST_MISMATCH', severity: 'warning' })
  })

  it('EV_IPL GRUB command in PCR 8: verified by the suffix form; edited: mismatch', () => {
    const cmd = 'grub_cmd: linux /vmlinuz root=/dev/sda1\0'
    const good: B.EventSpec = { pcr: 8, type: T.EV_IPL, data: B.ascii(cmd), hashed: B.ascii('linux /vmlinuz root=/dev/sda1') }
    const bad = edited(good, B.ascii('grub_cmd: linux /vmlinuz root=/dev/sda1 init=/bin/sh\0'))
    const { report } = integrityOf([good, bad])
    expect(report.events[1]).toMatchObject({ status: 'verified', form: 'grub-suffix-without-nul' })
    expect(report.events[2]!.status).toBe('mismatch')
  })
})

describe('forms', () => {
  it('EV_EFI_VARIABLE_BOOT: edk2 form (VariableData only) verifies as variable-data', () => {
    const { report } = integrityOf([B.variableBootEvent('BootOrder', Uint8Array.of(1, 0, 0, 0))])
    expect(report.events[1]).toMatchObject({ status: 'verified', form: 'variable-data', banks: { sha1: true, sha256: true } })
  })

  it('EV_EFI_VARIABLE_BOOT: whole-structure form (other firmware) verifies as data', () => {
    const { report } = integrityOf([B.variableBootEvent('Boot0001', B.loadOption('disk'), { hashWhole: true })])
    expect(report.events[1]).toMatchObject({ status: 'verified', form: 'data' })
  })

  it('EV_EFI_VARIABLE_BOOT: VariableData edited, digest kept: mismatch', () => {
    const ev = B.variableBootEvent('Boot0000', B.loadOption('UEFI Shell'))
    const { report } = integrityOf([edited(ev, B.uefiVariableData({ name: 'Boot0000', data: B.loadOption('Evil Shell') }))])
    expect(report.events[1]!.status).toBe('mismatch')
    expect(report.findings[0]).toMatchObject({ code: 'EVENT_DIGEST_MISMATCH', severity: 'error' })
  })

  it('EV_EFI_VARIABLE_BOOT whose name/data lengths are inconsistent: only the whole-data form is tried', () => {
    const data = B.uefiVariableData({ name: 'BootOrder', data: Uint8Array.of(0, 0), dataLength: 3 })
    const { report } = integrityOf([{ pcr: 1, type: T.EV_EFI_VARIABLE_BOOT, data, hashed: Uint8Array.of(0, 0) }])
    expect(report.events[1]!.status).toBe('mismatch')
  })

  it('EV_EFI_VARIABLE_AUTHORITY measured one byte short (old shim): verified by the quirk form, flagged EVENT_DIGEST_QUIRK', () => {
    const data = B.uefiVariableData({ name: 'Shim', guid: B.GUID.SHIM_LOCK, data: B.pseudoRandomBytes(40, 5) })
    const { report } = integrityOf([{ pcr: 7, type: T.EV_EFI_VARIABLE_AUTHORITY, data, hashed: data.subarray(0, data.length - 1) }])
    expect(report.events[1]).toMatchObject({ status: 'verified', form: 'data-without-last-byte' })
    expect(report.findings).toEqual([expect.objectContaining({ code: 'EVENT_DIGEST_QUIRK', severity: 'info', eventIndex: 1 })])
  })

  it('EV_POST_CODE / firmware blobs / boot applications: not-applicable whatever the digest', () => {
    const { report } = integrityOf([{ pcr: 0, type: T.EV_POST_CODE, data: B.ascii('POST CODE'), hashed: B.ascii('other') }, B.firmwareBlobEvent(3), B.bootAppEvent(7)])
    expect(report.events.slice(1).map((e) => e.status)).toEqual(['not-applicable', 'not-applicable', 'not-applicable'])
    expect(report.findings).toEqual([])
  })

  it('EV_NO_ACTION is never verified, even when its digest is H(data)', () => {
    const { report } = integrityOf([{ pcr: 0, type: T.EV_NO_ACTION, data: B.startupLocalityData(3), zeroDigests: false }])
    expect(report.events[1]!.status).toBe('not-applicable')
  })

  it('events lacking a bank are checked in the banks they carry', () => {
    const { report } = integrityOf([{ pcr: 12, type: T.EV_EVENT_TAG, data: B.ascii('sipa'), omit: [ALG.sha1] }])
    expect(report.events[1]).toMatchObject({ status: 'verified', banks: { sha256: true } })
    expect(report.events[1]!.banks.sha1).toBeUndefined()
  })

  it('an unknown algorithm bank is listed as unchecked; the known bank decides', () => {
    const algs = [B.SHA256, { algId: 0x1234, size: 32 }]
    const { report } = integrityOf([B.separatorEvent(0), edited(B.separatorEvent(1), B.separatorData(1))], algs)
    expect(report.events[1]).toMatchObject({ status: 'verified', banks: { sha256: true }, uncheckedBanks: ['alg_0x1234'] })
    expect(report.events[2]).toMatchObject({ status: 'mismatch', uncheckedBanks: ['alg_0x1234'] })
  })

  it('SHA-1 format logs are checked in sha1', () => {
    const built = B.buildSha1Log([B.separatorEvent(0), edited(B.efiActionEvent(4, B.ACTION.CALLING_EFI_APP), B.ascii('Calling EFI Application from Boot Optio'))])
    const report = verifyEventIntegrity(parseEventLog(built.bytes))
    expect(report.events.map((e) => e.status)).toEqual(['verified', 'mismatch'])
  })
})
