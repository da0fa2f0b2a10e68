/**
 * checkEventLogStructure and analyzeEventLog (TCG PFP EV_SEPARATOR; attacks, L-06):
 * structural problems are findings, never throws.
 */
import { describe, expect, it } from 'vitest'
import { analyzeEventLog, checkEventLogStructure, parseEventLog, type Finding } from '../../src/index.js'
import * as B from '../fixtures/eventlog/log_builder.js'
import { masqueradeEvents } from '../../scripts/make-synthetic-vectors.js'

const { T, ALG } = B

function structureOf(events: B.EventSpec[]): Finding[] {
  return checkEventLogStructure(parseEventLog(B.buildAgileLog({ events }).bytes))
}

function analyze(events: B.EventSpec[], locality = 0) {
  const built = B.buildAgileLog({ events })
  return { built, a: analyzeEventLog(parseEventLog(built.bytes), { expected: B.referenceReplay(built, { locality }) }) }
}

const codes = (f: Finding[]): string[] => f.map((x) => x.code)

/** Digests of `ev` kept, type (and optionally data) changed. */
function retyped(ev: B.EventSpec, type: number, data?: Uint8Array): B.EventSpec {
  return { ...ev, type, data: data ?? ev.data, digests: { [ALG.sha1]: B.digestFor(ev, B.SHA1), [ALG.sha256]: B.digestFor(ev, B.SHA256) } }
}

const isSep = (pcr: number) => (e: B.EventSpec): boolean => e.type === T.EV_SEPARATOR && e.pcr === pcr

describe('a clean boot has no structural findings', () => {
  it('standard boot', () => {
    expect(structureOf(B.standardBoot())).toEqual([])
  })

  it('analyzeEventLog: ok, no findings, replay matches', () => {
    const { a } = analyze(B.standardBoot({ startupLocality: 3 }), 3)
    expect(a.findings).toEqual([])
    expect(a.ok).toBe(true)
    expect(a.replay.ok).toBe(true)
  })
})

describe('R-01: event-type masquerade', () => {
  it('PCR 7 events retyped EV_UNUSED and attacker events appended: replay still matches, SEPARATOR_RETYPED error at the retyped separator', () => {
    const events = masqueradeEvents()
    const { a } = analyze(events)
    expect(a.replay.ok).toBe(true)
    const sepIdx = 1 + events.findIndex((e) => e.type === T.EV_UNUSED && e.data !== undefined && e.data.length === 4)
    const f = a.findings.filter((x) => x.code === 'SEPARATOR_RETYPED')
    expect(f).toEqual([expect.objectContaining({ severity: 'error', pcr: 7, eventIndex: sepIdx })])
    expect(a.ok).toBe(false)
  })

  it('PCR 7 events retyped to a reserved/unknown type: EVENT_TYPE_UNKNOWN error for each, plus SEPARATOR_RETYPED', () => {
    const events = masqueradeEvents(0x7f)
    const { a } = analyze(events)
    const retypedIdx = events.map((e, i) => (e.type === 0x7f ? i + 1 : -1)).filter((i) => i > 0)
    expect(retypedIdx.length).toBeGreaterThanOrEqual(6)
    const unknown = a.findings.filter((x) => x.code === 'EVENT_TYPE_UNKNOWN')
    expect(unknown.map((x) => x.eventIndex)).toEqual(retypedIdx)
    expect(unknown.every((x) => x.severity === 'error' && x.pcr === 7)).toBe(true)
    expect(codes(a.findings)).toContain('SEPARATOR_RETYPED')
    expect(a.ok).toBe(false)
  })

  it('a retyped 0xFFFFFFFF separator is recognised too (the go-eventlog unreset-hasher bug)', () => {
    const events = B.standardBoot({ separatorValue: 0xffffffff }).map((e) => (isSep(7)(e) ? retyped(e, T.EV_UNUSED) : e))
    const f = structureOf(events).filter((x) => x.code === 'SEPARATOR_RETYPED')
    expect(f).toHaveLength(1)
    expect(f[0]).toMatchObject({ severity: 'error', pcr: 7 })
  })

  it('a retyped error separator (01000000) is recognised', () => {
    const events = [B.scrtmVersionEvent(), retyped(B.separatorEvent(0, 1), T.EV_POST_CODE)]
    expect(structureOf(events).filter((x) => x.code === 'SEPARATOR_RETYPED')).toEqual([expect.objectContaining({ pcr: 0, eventIndex: 2 })])
  })

  it('a retyped "Calling EFI Application from Boot Option" is ACTION_RETYPED (error)', () => {
    const events = B.standardBoot().map((e) => (e.type === T.EV_EFI_ACTION && e.pcr === 4 ? retyped(e, T.EV_EFI_BOOT_SERVICES_APPLICATION) : e))
    const f = structureOf(events).filter((x) => x.code === 'ACTION_RETYPED')
    expect(f).toEqual([expect.objectContaining({ severity: 'error', pcr: 4 })])
  })

  it('a retyped "Exit Boot Services Invocation" is ACTION_RETYPED', () => {
    const events = B.standardBoot().map((e) => (e.type === T.EV_EFI_ACTION && e.pcr === 5 && B.hex(e.data!) === B.hex(B.ascii(B.ACTION.EBS_INVOCATION)) ? retyped(e, T.EV_UNUSED) : e))
    expect(codes(structureOf(events))).toContain('ACTION_RETYPED')
  })

  it('an event whose own type verifies its data is not a masquerade (BootOrder [1,0] hashes like the 01000000 separator)', () => {
    const bootOrder = B.variableBootEvent('BootOrder', Uint8Array.of(1, 0, 0, 0))
    expect(B.hex(B.digestFor(bootOrder, B.SHA256))).toBe('67abdd721024f0ff4e0b3f4c2fc13bc5bad42d0b7851d456d88d203d15aaa450')
    const events = B.standardBoot().map((e) => (e.type === T.EV_EFI_VARIABLE_BOOT && e.data && e.data.length === 32 + 18 + 2 ? bootOrder : e))
    const { a } = analyze(events)
    expect(codes(a.findings)).not.toContain('SEPARATOR_RETYPED')
    expect(a.ok).toBe(true)
  })
})

describe('R-03: separators', () => {
  it('no separator in PCR 7: SEPARATOR_MISSING for PCR 7 only', () => {
    const f = structureOf(B.standardBoot().filter((e) => !isSep(7)(e)))
    // Incomplete, not tampered (severity model): a warning that keeps the PCR for the trust stage.
    expect(f.filter((x) => x.code === 'SEPARATOR_MISSING')).toEqual([expect.objectContaining({ severity: 'warning', pcr: 7 })])
    // With no PCR 7 separator, the db authority is also "before" it.
    expect(codes(f).sort()).toEqual(['AUTHORITY_BEFORE_SEPARATOR', 'SEPARATOR_MISSING'])
  })

  for (const pcr of [0, 1, 2, 3, 4, 5, 6]) {
    it(`no separator in PCR ${pcr}: SEPARATOR_MISSING for PCR ${pcr}`, () => {
      const f = structureOf(B.standardBoot().filter((e) => !isSep(pcr)(e))).filter((x) => x.code === 'SEPARATOR_MISSING')
      expect(f.map((x) => x.pcr)).toEqual([pcr])
    })
  }

  it('no separators at all: eight SEPARATOR_MISSING', () => {
    const f = structureOf(B.standardBoot().filter((e) => e.type !== T.EV_SEPARATOR))
    expect(f.filter((x) => x.code === 'SEPARATOR_MISSING').map((x) => x.pcr)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })

  it('two separators in PCR 7: SEPARATOR_DUPLICATE naming both events', () => {
    const evs = B.standardBoot()
    const i = evs.findIndex(isSep(7))
    const events = [...evs.slice(0, i + 1), B.separatorEvent(7), ...evs.slice(i + 1)]
    const f = structureOf(events).filter((x) => x.code === 'SEPARATOR_DUPLICATE')
    expect(f).toEqual([expect.objectContaining({ severity: 'error', pcr: 7, eventIndex: i + 2, relatedEvents: [i + 1, i + 2] })])
  })

  it('separator value 0xFFFFFFFF: accepted and noted (SEPARATOR_FFFFFFFF, info); no error', () => {
    const { a } = analyze(B.standardBoot({ separatorValue: 0xffffffff }))
    const f = a.findings.filter((x) => x.code === 'SEPARATOR_FFFFFFFF')
    expect(f).toHaveLength(8)
    expect(f.every((x) => x.severity === 'info')).toBe(true)
    expect(a.ok).toBe(true)
  })

  it('separator value 01000000: SEPARATOR_ERROR (error) at that event and data offset', () => {
    const built = B.buildAgileLog({ events: B.standardBoot().map((e) => (isSep(4)(e) ? B.separatorEvent(4, 1) : e)) })
    const f = checkEventLogStructure(parseEventLog(built.bytes))
    const idx = 1 + built.events.findIndex(isSep(4))
    expect(f).toEqual([expect.objectContaining({ code: 'SEPARATOR_ERROR', severity: 'error', pcr: 4, eventIndex: idx, offset: built.records[idx]!.dataOffset })])
  })

  it('separator value 2: SEPARATOR_MALFORMED', () => {
    const f = structureOf(B.standardBoot().map((e) => (isSep(2)(e) ? B.separatorEvent(2, 2) : e)))
    expect(f).toEqual([expect.objectContaining({ code: 'SEPARATOR_MALFORMED', pcr: 2 })])
  })

  for (const len of [3, 5]) {
    it(`separator with ${len} data bytes (digest over them): SEPARATOR_MALFORMED`, () => {
      const f = structureOf(B.standardBoot().map((e) => (isSep(6)(e) ? { pcr: 6, type: T.EV_SEPARATOR, data: new Uint8Array(len) } : e)))
      expect(f).toEqual([expect.objectContaining({ code: 'SEPARATOR_MALFORMED', severity: 'error', pcr: 6 })])
    })
  }

  it('Windows "WBCL" separators on PCR 12-14 are not malformed', () => {
    const f = structureOf([...B.standardBoot(), ...[12, 13, 14].map((p) => ({ pcr: p, type: T.EV_SEPARATOR, data: B.ascii('WBCL') }))])
    expect(f).toEqual([])
  })

  it('"WBCL" on PCR 4 is malformed', () => {
    const f = structureOf(B.standardBoot().map((e) => (isSep(4)(e) ? { pcr: 4, type: T.EV_SEPARATOR, data: B.ascii('WBCL') } : e)))
    expect(codes(f)).toContain('SEPARATOR_MALFORMED')
  })
})

describe('pre-OS configuration after the separator', () => {
  it('PCR 7 EV_EFI_VARIABLE_DRIVER_CONFIG after the PCR 7 separator: EVENT_AFTER_SEPARATOR naming the separator', () => {
    const evs = B.standardBoot()
    const sepIdx = evs.findIndex(isSep(7)) + 1
    const events = [...evs, B.secureBootEvent(false)]
    const f = structureOf(events).filter((x) => x.code === 'EVENT_AFTER_SEPARATOR')
    expect(f).toEqual([expect.objectContaining({ severity: 'error', pcr: 7, eventIndex: events.length, relatedEvents: [sepIdx] })])
  })

  it('PCR 0 EV_S_CRTM_VERSION after the PCR 0 separator: EVENT_AFTER_SEPARATOR', () => {
    const f = structureOf([...B.standardBoot(), B.scrtmVersionEvent('2.0')])
    expect(f.filter((x) => x.code === 'EVENT_AFTER_SEPARATOR')).toEqual([expect.objectContaining({ pcr: 0 })])
  })

  it('PCR 7 authority after the separator is normal; before it, AUTHORITY_BEFORE_SEPARATOR (warning)', () => {
    const auth = B.efiAuthorityEvent({ name: 'db', guid: B.GUID.EFI_IMAGE_SECURITY_DATABASE, data: B.concat(B.guidBytes(B.OWNER_GUID), B.pseudoRandomBytes(32, 1)) })
    expect(structureOf([...B.standardBoot()])).toEqual([])
    const evs = B.standardBoot()
    const i = evs.findIndex(isSep(7))
    const f = structureOf([...evs.slice(0, i), auth, ...evs.slice(i)])
    expect(f).toEqual([expect.objectContaining({ code: 'AUTHORITY_BEFORE_SEPARATOR', severity: 'warning', pcr: 7, eventIndex: i + 1 })])
  })
})

describe('EV_NO_ACTION', () => {
  it('non-zero digest: NO_ACTION_DIGEST_NONZERO (error, attack L-06) with its event index', () => {
    const f = structureOf([B.startupLocalityEvent(0, { zeroDigests: false }), ...B.standardBoot()])
    expect(f).toEqual([expect.objectContaining({ code: 'NO_ACTION_DIGEST_NONZERO', severity: 'error', pcr: 0, eventIndex: 1 })])
  })

  it('only one bank non-zero is enough', () => {
    const f = structureOf([{ ...B.startupLocalityEvent(0), digests: { [ALG.sha256]: B.filled(32, 1) } }])
    expect(codes(f)).toContain('NO_ACTION_DIGEST_NONZERO')
  })

  it('zero digests: nothing', () => {
    expect(structureOf([B.startupLocalityEvent(3), ...B.standardBoot()])).toEqual([])
  })
})
