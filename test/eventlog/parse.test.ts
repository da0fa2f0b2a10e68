/**
 * parseEventLog on well-formed logs written by the project's builder: every field lands where
 * the builder wrote it, digests are taken by the declared sizes, data is a view into the input.
 */
import { describe, expect, it } from 'vitest'
import { BootproofError, EV, eventTypeName, parseEventLog } from '../../src/index.js'
import * as B from '../fixtures/eventlog/log_builder.js'

const { T, ALG } = B

describe('crypto-agile logs', () => {
  const built = B.buildAgileLog({ events: B.standardBoot({ startupLocality: 3 }), specId: { platformClass: 1, specErrata: 106, vendorInfo: B.ascii('vendor') } })
  const log = parseEventLog(built.bytes)

  it('detects the format and decodes the Spec ID event', () => {
    expect(log.format).toBe('tcg-crypto-agile')
    expect(log.registerKind).toBe('pcr')
    expect(log.size).toBe(built.bytes.length)
    expect(log.specId).toMatchObject({ signature: 'Spec ID Event03', platformClass: 1, specVersionMajor: 2, specVersionMinor: 0, specErrata: 106, uintnSize: 2 })
    expect(B.hex(log.specId!.vendorInfo)).toBe(B.hex(B.ascii('vendor')))
    expect(log.algorithms).toEqual([
      { algId: ALG.sha1, bank: 'sha1', digestSize: 20, known: true },
      { algId: ALG.sha256, bank: 'sha256', digestSize: 32, known: true },
    ])
    expect(log.specId!.algorithms).toEqual(log.algorithms)
  })

  it('keeps the Spec ID record as event 0 with no per-bank digests', () => {
    const e0 = log.events[0]!
    expect(e0).toMatchObject({ index: 0, offset: 0, pcrIndex: 0, eventType: EV.EV_NO_ACTION, typeName: 'EV_NO_ACTION', dataOffset: 32 })
    expect(e0.digests).toEqual([])
    expect(e0.length).toBe(built.records[0]!.end)
  })

  it('reads every record at the offsets the builder wrote, with every digest', () => {
    expect(log.events).toHaveLength(built.records.length)
    for (const r of built.records.slice(1)) {
      const ev = log.events[r.index]!
      const spec = built.events[r.index - 1]!
      expect(ev.index).toBe(r.index)
      expect(ev.offset).toBe(r.offset)
      expect(ev.length).toBe(r.end - r.offset)
      expect(ev.pcrIndex).toBe(spec.pcr)
      expect(ev.eventType).toBe(spec.type)
      expect(ev.typeName).toBe(eventTypeName(spec.type))
      expect(ev.dataOffset).toBe(r.dataOffset)
      expect(B.hex(ev.data)).toBe(B.hex(spec.data ?? new Uint8Array(0)))
      expect(ev.digests.map((d) => [d.algId, d.bank, B.hex(d.digest)])).toEqual([
        [ALG.sha1, 'sha1', B.hex(B.digestFor(spec, B.SHA1))],
        [ALG.sha256, 'sha256', B.hex(B.digestFor(spec, B.SHA256))],
      ])
    }
  })

  it('event data and digests are views into the input, not copies', () => {
    const ev = log.events[5]!
    expect(ev.data.buffer).toBe(built.bytes.buffer)
    expect(ev.data.byteOffset).toBe(ev.dataOffset)
    expect(ev.digests[1]!.digest.buffer).toBe(built.bytes.buffer)
  })

  it('records the StartupLocality event', () => {
    expect(log.startupLocality).toEqual({ locality: 3, eventIndex: 1, source: 'StartupLocality' })
  })

  it('no parse-time findings for a clean log', () => {
    expect(log.findings).toEqual([])
  })

  it('reports offsets relative to the input even when it is a subarray of a larger buffer', () => {
    const big = new Uint8Array(built.bytes.length + 13)
    big.set(built.bytes, 7)
    const sub = big.subarray(7, 7 + built.bytes.length)
    const l2 = parseEventLog(sub)
    expect(l2.events.map((e) => e.offset)).toEqual(log.events.map((e) => e.offset))
    expect(B.hex(l2.events[3]!.data)).toBe(B.hex(log.events[3]!.data))
  })

  it('accepts a Node Buffer', () => {
    expect(parseEventLog(Buffer.from(built.bytes)).events).toHaveLength(log.events.length)
  })

  it('decode: false leaves every body raw', () => {
    const raw = parseEventLog(built.bytes, { decode: false })
    expect(raw.events.every((e) => e.decoded.kind === 'raw')).toBe(true)
    expect(raw.events).toHaveLength(log.events.length)
  })
})

describe('crypto-agile variants', () => {
  it('a SHA-256-only log (33-byte Spec ID)', () => {
    const built = B.buildAgileLog({ algorithms: [B.SHA256], events: [B.separatorEvent(0)] })
    expect(built.records[0]!.dataLength).toBe(33)
    const log = parseEventLog(built.bytes)
    expect(log.algorithms.map((a) => a.bank)).toEqual(['sha256'])
    expect(log.events[1]!.digests).toHaveLength(1)
  })

  it('four banks: SHA-1, SHA-256, SHA-384, SHA-512', () => {
    const built = B.buildAgileLog({ algorithms: [B.SHA1, B.SHA256, B.SHA384, B.SHA512], events: [B.separatorEvent(0)] })
    const log = parseEventLog(built.bytes)
    expect(log.events[1]!.digests.map((d) => [d.bank, d.digest.length])).toEqual([
      ['sha1', 20],
      ['sha256', 32],
      ['sha384', 48],
      ['sha512', 64],
    ])
  })

  it('SM3_256 (0x0012) is a known 32-byte bank', () => {
    const log = parseEventLog(B.buildAgileLog({ algorithms: [{ algId: ALG.sm3_256, size: 32 }], events: [B.separatorEvent(0)] }).bytes)
    expect(log.algorithms).toEqual([{ algId: 0x12, bank: 'sm3_256', digestSize: 32, known: true }])
  })

  it('digests in a different order than the Spec ID list ("some HyperV") are accepted and kept by algorithm', () => {
    const data = B.separatorData()
    const built = B.buildAgileLog({
      events: [{ pcr: 0, type: T.EV_SEPARATOR, data, digestList: [{ algId: ALG.sha256, digest: B.hashWith(ALG.sha256, data) }, { algId: ALG.sha1, digest: B.hashWith(ALG.sha1, data) }] }],
    })
    const ev = parseEventLog(built.bytes).events[1]!
    expect(ev.digests.map((d) => d.bank)).toEqual(['sha256', 'sha1'])
    expect(B.hex(ev.digests[0]!.digest)).toBe('df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119')
  })

  it('EventSize 0 is legal', () => {
    const built = B.buildAgileLog({ events: [{ pcr: 5, type: T.EV_EFI_GPT_EVENT, data: new Uint8Array(0) }, B.separatorEvent(5)] })
    const log = parseEventLog(built.bytes)
    expect(log.events[1]!.data.length).toBe(0)
    expect(log.events[2]!.offset).toBe(built.records[2]!.offset)
  })

  it('a Spec ID with no events after it parses to one record', () => {
    const log = parseEventLog(B.buildAgileLog({ events: [] }).bytes)
    expect(log.format).toBe('tcg-crypto-agile')
    expect(log.events).toHaveLength(1)
  })

  it('an event lacking one bank (Windows OS events) parses and is reported EVENT_DIGESTS_MISSING', () => {
    const windowsTail = [
      { pcr: 12, type: T.EV_EVENT_TAG, data: B.ascii('tag'), omit: [ALG.sha1] },
      { pcr: 13, type: T.EV_EVENT_TAG, data: B.ascii('t2'), omit: [ALG.sha1] },
      { pcr: 12, type: T.EV_SEPARATOR, data: B.ascii('WBCL'), omit: [ALG.sha1] },
    ]
    const built = B.buildAgileLog({ events: [B.separatorEvent(0), ...windowsTail] })
    const log = parseEventLog(built.bytes)
    expect(log.events[2]!.digests.map((d) => d.bank)).toEqual(['sha256'])
    const f = log.findings.filter((x) => x.code === 'EVENT_DIGESTS_MISSING')
    expect(f).toHaveLength(1)
    expect(f[0]).toMatchObject({ severity: 'warning', eventIndex: 2, relatedEvents: [2, 3, 4] })
    expect(f[0]!.message).toMatch(/sha1/)
    // The same tail without the WBCL marker is not a Windows log: rejected (attack L-04).
    const plain = B.buildAgileLog({ events: [B.separatorEvent(0), ...windowsTail.slice(0, 2)] })
    expect(() => parseEventLog(plain.bytes)).toThrowError(expect.objectContaining({ code: 'ERR_DIGEST_COUNT_MISMATCH', eventIndex: 2 }))
  })

  it('an EV_NO_ACTION on PCR index 0xFFFFFFFF (Windows) parses', () => {
    const built = B.buildAgileLog({ events: [{ pcr: 0xffffffff, type: T.EV_NO_ACTION, data: B.ascii('NvIndexInstance\0') }, B.separatorEvent(0)] })
    const log = parseEventLog(built.bytes)
    expect(log.events[1]!.pcrIndex).toBe(0xffffffff)
    expect(log.events).toHaveLength(3)
  })

  it('unknown event types are kept raw and reported: error in PCR 0-7, info elsewhere; vendor ranges as EVENT_TYPE_VENDOR', () => {
    const built = B.buildAgileLog({
      events: [
        { pcr: 7, type: 0x7f, data: B.ascii('x') },
        { pcr: 9, type: 0x7f, data: B.ascii('y') },
        { pcr: 0, type: 0x401, data: B.ascii('txt') },
        { pcr: 0, type: 0x8000ffff, data: new Uint8Array(0) },
      ],
    })
    const log = parseEventLog(built.bytes)
    expect(log.events).toHaveLength(5)
    expect(log.events[1]!.typeName).toBe('UNKNOWN_0x0000007f')
    expect(B.hex(log.events[1]!.data)).toBe(B.hex(B.ascii('x')))
    const byIndex = (i: number) => log.findings.filter((f) => f.eventIndex === i).map((f) => [f.code, f.severity])
    expect(byIndex(1)).toEqual([['EVENT_TYPE_UNKNOWN', 'error']])
    expect(byIndex(2)).toEqual([['EVENT_TYPE_UNKNOWN', 'info']])
    expect(byIndex(3)).toEqual([['EVENT_TYPE_VENDOR', 'warning']])
    expect(byIndex(4)).toEqual([['EVENT_TYPE_UNKNOWN', 'error']])
  })

  it('trailing 0xFF padding (CCEL areas) is recorded and reported for cc-mr logs (or on request), and refused by default for PCR logs', () => {
    const built = B.buildAgileLog({ events: [B.separatorEvent(0)], trailing: B.filled(100, 0xff) })
    expect(parseEventLog(built.bytes, { registers: 'cc-mr' }).padding).toEqual({ offset: built.records[1]!.end, length: 100, byte: 0xff })
    expect(() => parseEventLog(built.bytes)).toThrowError(expect.objectContaining({ code: 'ERR_DIGEST_COUNT_MISMATCH' }))
    const log = parseEventLog(built.bytes, { allowPadding: true })
    const end = built.records[1]!.end
    expect(log.events).toHaveLength(2)
    expect(log.padding).toEqual({ offset: end, length: 100, byte: 0xff })
    expect(log.findings.find((f) => f.code === 'EVENTLOG_PADDING')).toMatchObject({ severity: 'info', offset: end })
    let caught: unknown
    try {
      parseEventLog(built.bytes, { allowPadding: false })
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(BootproofError)
    // 0xFFFFFFFF PCR, 0xFFFFFFFF type, then Digests.count 0xFFFFFFFF.
    expect((caught as BootproofError).code).toBe('ERR_DIGEST_COUNT_MISMATCH')
    expect((caught as BootproofError).offset).toBe(end + 8)
  })

  it('trailing bytes that are not a uniform run are not padding', () => {
    const trailing = B.filled(40, 0xff)
    trailing[39] = 0
    let caught: unknown
    try {
      parseEventLog(B.buildAgileLog({ events: [B.separatorEvent(0)], trailing }).bytes)
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(BootproofError)
  })
})

describe('SHA-1 format logs', () => {
  it('parses every TCG_PCR_EVENT with its SHA-1 digest and reports EVENTLOG_SHA1_ONLY', () => {
    const built = B.buildSha1Log(B.standardBoot())
    const log = parseEventLog(built.bytes)
    expect(log.format).toBe('tcg-sha1')
    expect(log.specId).toBeUndefined()
    expect(log.algorithms).toEqual([{ algId: ALG.sha1, bank: 'sha1', digestSize: 20, known: true }])
    expect(log.events).toHaveLength(built.records.length)
    for (const r of built.records) {
      const ev = log.events[r.index]!
      expect(ev.offset).toBe(r.offset)
      expect(ev.dataOffset).toBe(r.dataOffset)
      expect(ev.digests.map((d) => B.hex(d.digest))).toEqual([B.hex(B.digestFor(built.events[r.index]!, B.SHA1))])
    }
    expect(log.findings.map((f) => f.code)).toEqual(['EVENTLOG_SHA1_ONLY'])
  })

  it('32 zero bytes are a valid TCG_PCR_EVENT (no padding rule in this format)', () => {
    const bytes = B.concat(B.buildSha1Log([B.separatorEvent(0)]).bytes, new Uint8Array(32))
    const log = parseEventLog(bytes)
    expect(log.events).toHaveLength(2)
    expect(log.events[1]).toMatchObject({ pcrIndex: 0, eventType: 0, offset: 36 })
    expect(log.padding).toBeUndefined()
  })

  it('a legacy "Spec ID Event02" first record stays SHA-1 format and is reported EVENTLOG_LEGACY_FORMAT', () => {
    const legacy = B.concat(B.signatureBytes('Spec ID Event02'), new Uint8Array(12))
    const log = parseEventLog(B.buildSha1Log([{ pcr: 0, type: T.EV_NO_ACTION, data: legacy }, B.separatorEvent(0)]).bytes)
    expect(log.format).toBe('tcg-sha1')
    expect(log.findings.some((f) => f.code === 'EVENTLOG_LEGACY_FORMAT' && f.eventIndex === 0)).toBe(true)
    expect(log.findings.some((f) => f.code === 'EVENTLOG_SHA1_ONLY')).toBe(false)
  })

  it('a crypto-agile log with its Spec ID stripped is not parsed as crypto-agile (downgrade is visible)', () => {
    const agile = B.buildAgileLog({ events: [B.separatorEvent(0)] })
    const stripped = agile.bytes.subarray(agile.records[1]!.offset)
    let format: string | undefined
    try {
      format = parseEventLog(stripped).format
    } catch (e) {
      expect(e).toBeInstanceOf(BootproofError)
    }
    expect(format === undefined || format === 'tcg-sha1').toBe(true)
  })

  it('a short StartupLocality first record (go-attestation short_no_action_eventlog shape) parses as SHA-1 format', () => {
    const built = B.buildSha1Log([B.startupLocalityEvent(3)])
    expect(built.bytes.length).toBe(49)
    const log = parseEventLog(built.bytes)
    expect(log.format).toBe('tcg-sha1')
    expect(log.startupLocality).toEqual({ locality: 3, eventIndex: 0, source: 'StartupLocality' })
  })
})

describe('caller mistakes and other formats', () => {
  it('a non-Uint8Array argument is a TypeError, not a BootproofError', () => {
    expect(() => parseEventLog('abc' as unknown as Uint8Array)).toThrow(TypeError)
  })

  it('a negative limit override is a TypeError', () => {
    expect(() => parseEventLog(new Uint8Array(40), { limits: { maxEvents: -1 } })).toThrow(TypeError)
  })

  it('an IMA ASCII list is refused with ERR_EVENTLOG_FORMAT', () => {
    let caught: unknown
    try {
      parseEventLog(B.ascii('10 0000000000000000000000000000000000000000 ima-ng sha1:00 boot_aggregate\n'))
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(BootproofError)
    expect((caught as BootproofError).code).toBe('ERR_EVENTLOG_FORMAT')
  })
})
