/**
 * Bad input (issue 2, attacks L-01..L-05): every malformed log gives a typed BootproofError with
 * the exact code, byte offset and event index, fast and without a large allocation. One test per
 * case.
 */
import { describe, expect, it } from 'vitest'
import { BootproofError, checkEventLogStructure, DEFAULT_EVENTLOG_LIMITS, isBootproofError, parseEventLog, replayEventLog, type EventLog, type ParseEventLogOptions } from '../../src/index.js'
import * as B from '../fixtures/eventlog/log_builder.js'

const { T, ALG } = B

interface Where {
  offset: number
  eventIndex?: number
  field?: string
}

/**
 * Run `parseEventLog` and require a BootproofError with `code` at `where`; it must finish in
 * under 50 ms and not grow ArrayBuffer memory by more than 8 MiB (the parser slices views).
 */
function expectParseError(bytes: Uint8Array, code: string, where: Where, options?: ParseEventLogOptions): BootproofError {
  const before = process.memoryUsage().arrayBuffers
  const t0 = performance.now()
  let caught: unknown
  try {
    parseEventLog(bytes, options)
  } catch (e) {
    caught = e
  }
  const ms = performance.now() - t0
  const grown = process.memoryUsage().arrayBuffers - before
  expect(caught, 'parseEventLog must throw').toBeInstanceOf(BootproofError)
  const err = caught as BootproofError
  expect(err.code, err.message).toBe(code)
  expect(err.offset, `offset (${err.message})`).toBe(where.offset)
  if ('eventIndex' in where) expect(err.eventIndex, 'eventIndex').toBe(where.eventIndex)
  if (where.field !== undefined) expect(err.field, 'field').toBe(where.field)
  expect(isBootproofError(err)).toBe(true)
  expect(err.toJSON().code).toBe(code)
  expect(ms).toBeLessThan(50)
  expect(grown).toBeLessThan(8 * 1024 * 1024)
  return err
}

/** A small valid crypto-agile log: Spec ID + 4 events in 2 banks, one with empty data. */
function smallAgile(): B.BuiltLog {
  return B.buildAgileLog({
    events: [B.scrtmVersionEvent(), B.efiActionEvent(4, B.ACTION.CALLING_EFI_APP), { pcr: 5, type: T.EV_EFI_GPT_EVENT, data: new Uint8Array(0) }, B.separatorEvent(0)],
  })
}

function smallSha1(): B.BuiltLog {
  return B.buildSha1Log([B.scrtmVersionEvent(), B.efiActionEvent(4, B.ACTION.CALLING_EFI_APP), B.separatorEvent(0)])
}

/** Where parsing a log cut at `cut` must fail: the field that cannot be read completely. */
function expectedCut(built: B.BuiltLog, cut: number): { boundary: true; records: number } | { boundary: false; where: Required<Where> } {
  const complete = built.records.filter((r) => r.end <= cut).length
  const r = built.records[complete]
  if (!r || r.offset === cut) return { boundary: true, records: complete }
  const at = (offset: number, field: string): { boundary: false; where: Required<Where> } => ({ boundary: false, where: { offset, eventIndex: r.index, field } })
  if (built.format === 'sha1' || r.index === 0) {
    // TCG_PCR_EVENT: the 32-byte header is checked as a whole, then the data.
    return cut < r.offset + 32 ? at(r.offset, 'TCG_PCR_EVENT header') : at(r.dataOffset, 'Event')
  }
  if (cut < r.pcrOffset + 4) return at(r.pcrOffset, 'PCRIndex')
  if (cut < r.typeOffset + 4) return at(r.typeOffset, 'EventType')
  if (cut < r.countOffset! + 4) return at(r.countOffset!, 'Digests.count')
  for (const d of r.digests) {
    if (cut < d.algOffset! + 2) return at(d.algOffset!, 'TPMT_HA.hashAlg')
    if (cut < d.digestOffset + d.size) return at(d.digestOffset, 'TPMT_HA.digest')
  }
  if (cut < r.sizeOffset + 4) return at(r.sizeOffset, 'EventSize')
  return at(r.dataOffset, 'Event')
}

function isUniformPadding(b: Uint8Array): boolean {
  return b.length > 0 && (b[0] === 0 || b[0] === 0xff) && b.every((x) => x === b[0])
}

describe('empty and tiny input', () => {
  it('zero-length input: ERR_EVENTLOG_EMPTY at offset 0', () => {
    expectParseError(new Uint8Array(0), 'ERR_EVENTLOG_EMPTY', { offset: 0 })
  })

  it('4-byte input: ERR_EVENTLOG_TRUNCATED at offset 0, record 0, in the TCG_PCR_EVENT header', () => {
    expectParseError(Uint8Array.of(0, 0, 0, 0), 'ERR_EVENTLOG_TRUNCATED', { offset: 0, eventIndex: 0, field: 'TCG_PCR_EVENT header' })
  })

  it('31-byte input (one byte short of a header): ERR_EVENTLOG_TRUNCATED at offset 0', () => {
    expectParseError(smallAgile().bytes.subarray(0, 31), 'ERR_EVENTLOG_TRUNCATED', { offset: 0, eventIndex: 0, field: 'TCG_PCR_EVENT header' })
  })
})

describe('truncation at every field (L-02)', () => {
  it('crypto-agile: every prefix either ends on a record boundary and parses, or throws TRUNCATED at the cut field (allowPadding: false)', () => {
    const built = smallAgile()
    let boundaries = 0
    let errors = 0
    for (let cut = 1; cut < built.bytes.length; cut++) {
      const exp = expectedCut(built, cut)
      const prefix = built.bytes.subarray(0, cut)
      if (exp.boundary) {
        const log = parseEventLog(prefix, { allowPadding: false })
        expect(log.events.length).toBe(exp.records)
        expect(log.format).toBe('tcg-crypto-agile')
        boundaries++
      } else {
        expectParseError(prefix, 'ERR_EVENTLOG_TRUNCATED', exp.where, { allowPadding: false })
        errors++
      }
    }
    expect(boundaries).toBe(built.records.length - 1)
    expect(errors).toBe(built.bytes.length - 1 - boundaries)
  })

  it('crypto-agile with allowPadding: a mid-record cut either throws TRUNCATED, or (tail all 0x00/0xFF) is reported as padding, never silently shorter', () => {
    const built = smallAgile()
    let padded = 0
    for (let cut = 1; cut < built.bytes.length; cut++) {
      const exp = expectedCut(built, cut)
      const prefix = built.bytes.subarray(0, cut)
      if (exp.boundary) {
        expect(parseEventLog(prefix, { allowPadding: true }).events.length).toBe(exp.records)
        continue
      }
      const recordStart = built.records.filter((r) => r.end <= cut).at(-1)?.end ?? 0
      if (exp.where.eventIndex > 0 && isUniformPadding(prefix.subarray(recordStart))) {
        const log = parseEventLog(prefix, { allowPadding: true })
        const f = log.findings.find((x) => x.code === 'EVENTLOG_PADDING')
        expect(f?.offset).toBe(recordStart)
        expect(log.padding).toEqual({ offset: recordStart, length: cut - recordStart, byte: prefix[recordStart] })
        padded++
      } else {
        expect(() => parseEventLog(prefix, { allowPadding: true })).toThrowError(expect.objectContaining({ code: 'ERR_EVENTLOG_TRUNCATED', offset: exp.where.offset }))
      }
      // Default options (PCR log): every mid-record cut is an error, padding-looking or not (L-02).
      expectParseError(prefix, 'ERR_EVENTLOG_TRUNCATED', exp.where)
    }
    // Only the first bytes of a PCR 0 record (PCRIndex 00 00 00 00) can look like padding.
    expect(padded).toBeLessThanOrEqual(4 * 2)
  })

  it('SHA-1 format: every prefix either ends on a record boundary and parses, or throws TRUNCATED (no padding rule)', () => {
    const built = smallSha1()
    for (let cut = 1; cut < built.bytes.length; cut++) {
      const exp = expectedCut(built, cut)
      const prefix = built.bytes.subarray(0, cut)
      if (exp.boundary) {
        const log = parseEventLog(prefix)
        expect(log.events.length).toBe(exp.records)
        expect(log.format).toBe('tcg-sha1')
      } else {
        expectParseError(prefix, 'ERR_EVENTLOG_TRUNCATED', exp.where)
      }
    }
  })

  it('Spec ID structure cut at every field (EventSize shrunk to match): ERR_SPECID_INVALID at the cut field', () => {
    const full = B.specIdData()
    expect(full.length).toBe(37)
    const fields: [number, string][] = [
      [16, 'platformClass'],
      [20, 'specVersionMinor'],
      [21, 'specVersionMajor'],
      [22, 'specErrata'],
      [23, 'uintnSize'],
      [24, 'numberOfAlgorithms'],
      [28, 'digestSizes.algorithmId'],
      [30, 'digestSizes.digestSize'],
      [32, 'digestSizes.algorithmId'],
      [34, 'digestSizes.digestSize'],
      [36, 'vendorInfoSize'],
    ]
    for (let len = 16; len < full.length; len++) {
      const [fieldAt, field] = fields.filter(([o]) => o <= len).at(-1)!
      const bytes = B.buildAgileLog({ specId: { data: full.subarray(0, len) }, events: [] }).bytes
      const err = expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + fieldAt, eventIndex: 0, field })
      expect(err.message).toMatch(/truncated/)
    }
  })
})

describe('sizes larger than the remaining bytes (L-01)', () => {
  it('last record EventSize = remaining + 1: TRUNCATED at the event data', () => {
    const built = smallAgile()
    const r = built.records.at(-1)!
    const bytes = B.patchU32(built.bytes, r.sizeOffset, r.dataLength + 1)
    expectParseError(bytes, 'ERR_EVENTLOG_TRUNCATED', { offset: r.dataOffset, eventIndex: r.index, field: 'Event' })
  })

  it('middle record EventSize reaching one byte past the end: TRUNCATED at that record, not a later one', () => {
    const built = smallAgile()
    const r = built.records[2]!
    const bytes = B.patchU32(built.bytes, r.sizeOffset, built.bytes.length - r.dataOffset + 1)
    expectParseError(bytes, 'ERR_EVENTLOG_TRUNCATED', { offset: r.dataOffset, eventIndex: 2, field: 'Event' })
  })

  it('Spec ID EventSize = remaining + 1: TRUNCATED in record 0', () => {
    const built = smallAgile()
    const bytes = B.patchU32(built.bytes, 28, built.bytes.length - 32 + 1)
    expectParseError(bytes, 'ERR_EVENTLOG_TRUNCATED', { offset: 32, eventIndex: 0, field: 'Event' })
  })

  it('SHA-1 format EventSize = remaining + 1: TRUNCATED', () => {
    const built = smallSha1()
    const r = built.records[1]!
    const bytes = B.patchU32(built.bytes, r.sizeOffset, built.bytes.length - r.dataOffset + 1)
    expectParseError(bytes, 'ERR_EVENTLOG_TRUNCATED', { offset: r.dataOffset, eventIndex: 1, field: 'Event' })
  })

  it('EventSize 2^32-1: ERR_EVENTLOG_LIMIT (maxEventDataBytes) at the EventSize field', () => {
    const built = smallAgile()
    const r = built.records[2]!
    const err = expectParseError(B.patchU32(built.bytes, r.sizeOffset, 0xffffffff), 'ERR_EVENTLOG_LIMIT', { offset: r.sizeOffset, eventIndex: 2, field: 'maxEventDataBytes' })
    expect((err as unknown as { value: number }).value).toBe(0xffffffff)
  })

  it('EventSize 0x80000000 (sign bit): ERR_EVENTLOG_LIMIT, never a negative length', () => {
    const built = smallAgile()
    const r = built.records[1]!
    expectParseError(B.patchU32(built.bytes, r.sizeOffset, 0x80000000), 'ERR_EVENTLOG_LIMIT', { offset: r.sizeOffset, eventIndex: 1, field: 'maxEventDataBytes' })
  })

  it('EventSize 2^32-1 with maxEventDataBytes raised to 2^32-1: TRUNCATED, no allocation', () => {
    const built = smallAgile()
    const r = built.records[3]!
    expectParseError(B.patchU32(built.bytes, r.sizeOffset, 0xffffffff), 'ERR_EVENTLOG_TRUNCATED', { offset: r.dataOffset, eventIndex: 3, field: 'Event' }, { limits: { maxEventDataBytes: 0xffffffff } })
  })

  it('EventSize "bd bf ef 47" (go-attestation TestParseEventLogEventSizeTooLarge): LIMIT', () => {
    const built = smallAgile()
    const r = built.records[1]!
    const bytes = built.bytes.slice()
    bytes.set([0xbd, 0xbf, 0xef, 0x47], r.sizeOffset)
    expectParseError(bytes, 'ERR_EVENTLOG_LIMIT', { offset: r.sizeOffset, eventIndex: 1 })
  })

  it('EventSize one over a lowered maxEventDataBytes: LIMIT; exactly at it: parses', () => {
    const built = smallAgile()
    const r = built.records[2]! // "Calling EFI Application from Boot Option": 40 bytes, longer than the 37-byte Spec ID
    expect(r.dataLength).toBe(40)
    expectParseError(built.bytes, 'ERR_EVENTLOG_LIMIT', { offset: r.sizeOffset, eventIndex: 2, field: 'maxEventDataBytes' }, { limits: { maxEventDataBytes: 39 } })
    expect(parseEventLog(built.bytes, { limits: { maxEventDataBytes: Math.max(...built.records.map((x) => x.dataLength)) } }).events).toHaveLength(5)
  })

  it('Spec ID record EventSize 2^32-1: LIMIT in record 0', () => {
    const built = smallAgile()
    expectParseError(B.patchU32(built.bytes, 28, 0xffffffff), 'ERR_EVENTLOG_LIMIT', { offset: 28, eventIndex: 0 })
  })

  it('SHA-1 format EventSize 2^32-1: LIMIT', () => {
    const built = smallSha1()
    const r = built.records[2]!
    expectParseError(B.patchU32(built.bytes, r.sizeOffset, 0xffffffff), 'ERR_EVENTLOG_LIMIT', { offset: r.sizeOffset, eventIndex: 2 })
  })

  it('Digests.count 0xFFFFFFFF: ERR_DIGEST_COUNT_MISMATCH before any digest is read', () => {
    const built = smallAgile()
    const r = built.records[1]!
    expectParseError(B.patchU32(built.bytes, r.countOffset!, 0xffffffff), 'ERR_DIGEST_COUNT_MISMATCH', { offset: r.countOffset!, eventIndex: 1, field: 'Digests.count' })
  })
})

describe('Spec ID event (L-03)', () => {
  it('a duplicate Spec ID Event03 record later in a crypto-agile log: ERR_SPECID_MISPLACED at that record', () => {
    const built = B.buildAgileLog({ events: [B.scrtmVersionEvent(), { pcr: 0, type: T.EV_NO_ACTION, data: B.specIdData() }, B.separatorEvent(0)] })
    const r = built.records[2]!
    expectParseError(built.bytes, 'ERR_SPECID_MISPLACED', { offset: r.offset, eventIndex: 2 })
  })

  it('a duplicate Spec ID right after the first one: ERR_SPECID_MISPLACED at record 1', () => {
    const built = B.buildAgileLog({ events: [{ pcr: 0, type: T.EV_NO_ACTION, data: B.specIdData() }] })
    expectParseError(built.bytes, 'ERR_SPECID_MISPLACED', { offset: built.records[1]!.offset, eventIndex: 1 })
  })

  it('a Spec ID event that is not first (SHA-1 format log): ERR_SPECID_MISPLACED at its record', () => {
    const built = B.buildSha1Log([B.scrtmVersionEvent(), { pcr: 0, type: T.EV_NO_ACTION, data: B.specIdData() }, B.separatorEvent(0)])
    expectParseError(built.bytes, 'ERR_SPECID_MISPLACED', { offset: built.records[1]!.offset, eventIndex: 1 })
  })

  it('a Spec ID event after a leading StartupLocality record: ERR_SPECID_MISPLACED', () => {
    const built = B.buildSha1Log([B.startupLocalityEvent(3), { pcr: 0, type: T.EV_NO_ACTION, data: B.specIdData() }])
    expectParseError(built.bytes, 'ERR_SPECID_MISPLACED', { offset: built.records[1]!.offset, eventIndex: 1 })
  })

  it('Spec ID on PCR 2: ERR_SPECID_INVALID at PCRIndex', () => {
    expectParseError(B.buildAgileLog({ specId: { pcr: 2 }, events: [B.separatorEvent(0)] }).bytes, 'ERR_SPECID_INVALID', { offset: 0, eventIndex: 0, field: 'PCRIndex' })
  })

  it('Spec ID on PCR 0xFFFFFFFF: ERR_SPECID_INVALID at PCRIndex', () => {
    expectParseError(B.buildAgileLog({ specId: { pcr: 0xffffffff }, events: [] }).bytes, 'ERR_SPECID_INVALID', { offset: 0, eventIndex: 0, field: 'PCRIndex' })
  })

  it('Spec ID with a non-zero digest: ERR_SPECID_INVALID at Digest (offset 8)', () => {
    const digest = new Uint8Array(20)
    digest[19] = 1
    expectParseError(B.buildAgileLog({ specId: { digest }, events: [] }).bytes, 'ERR_SPECID_INVALID', { offset: 8, eventIndex: 0, field: 'Digest' })
  })

  it('spec version 1.0: ERR_SPECID_INVALID at specVersion', () => {
    expectParseError(B.buildAgileLog({ specId: { specVersionMajor: 1 }, events: [] }).bytes, 'ERR_SPECID_INVALID', { offset: 32 + 20, eventIndex: 0, field: 'specVersion' })
  })

  it('spec version 2.1: ERR_SPECID_INVALID', () => {
    expectParseError(B.buildAgileLog({ specId: { specVersionMinor: 1 }, events: [] }).bytes, 'ERR_SPECID_INVALID', { offset: 32 + 20, eventIndex: 0, field: 'specVersion' })
  })

  it('uintnSize 3: ERR_SPECID_INVALID at uintnSize', () => {
    expectParseError(B.buildAgileLog({ specId: { uintnSize: 3 }, events: [] }).bytes, 'ERR_SPECID_INVALID', { offset: 32 + 23, eventIndex: 0, field: 'uintnSize' })
  })

  it('numberOfAlgorithms 0: ERR_SPECID_INVALID at numberOfAlgorithms', () => {
    expectParseError(B.buildAgileLog({ specId: { algorithms: [] }, algorithms: [B.SHA1], events: [] }).bytes, 'ERR_SPECID_INVALID', { offset: 32 + 24, eventIndex: 0, field: 'numberOfAlgorithms' })
  })

  it('numberOfAlgorithms 0xFFFFFFFF: ERR_EVENTLOG_LIMIT (maxAlgorithms) at numberOfAlgorithms, nothing preallocated', () => {
    const err = expectParseError(B.buildAgileLog({ specId: { numberOfAlgorithms: 0xffffffff }, events: [] }).bytes, 'ERR_EVENTLOG_LIMIT', { offset: 32 + 24, eventIndex: 0 })
    expect((err as unknown as { maximum: number }).maximum).toBe(DEFAULT_EVENTLOG_LIMITS.maxAlgorithms)
  })

  it('numberOfAlgorithms 0xFFFFFFFF with maxAlgorithms raised to 2^32-1: ERR_SPECID_INVALID (entries run out), fast', () => {
    const bytes = B.buildAgileLog({ specId: { numberOfAlgorithms: 0xffffffff }, events: [] }).bytes
    // Entries 0 and 1 are real (28..35), then vendorInfoSize (36) is read as entry 2's algorithmId.
    expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + 36, eventIndex: 0, field: 'digestSizes.algorithmId' }, { limits: { maxAlgorithms: 0xffffffff } })
  })

  it('numberOfAlgorithms one more than the entries present: ERR_SPECID_INVALID', () => {
    expectParseError(B.buildAgileLog({ specId: { numberOfAlgorithms: 3 }, events: [] }).bytes, 'ERR_SPECID_INVALID', { offset: 32 + 36, eventIndex: 0 })
  })

  it('SHA-256 declared with digest size 20: ERR_SPECID_INVALID at that entry', () => {
    const bytes = B.buildAgileLog({ specId: { algorithms: [B.SHA1, { algId: ALG.sha256, size: 20 }] }, events: [] }).bytes
    expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + 32, eventIndex: 0, field: 'digestSizes' })
  })

  it('SHA-1 declared with digest size 32: ERR_SPECID_INVALID at entry 0', () => {
    const bytes = B.buildAgileLog({ specId: { algorithms: [{ algId: ALG.sha1, size: 32 }, B.SHA256] }, events: [] }).bytes
    expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + 28, eventIndex: 0, field: 'digestSizes' })
  })

  it('a duplicate algorithm entry: ERR_SPECID_INVALID at the second entry', () => {
    const bytes = B.buildAgileLog({ specId: { algorithms: [B.SHA256, B.SHA1, B.SHA256] }, events: [] }).bytes
    expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + 28 + 8, eventIndex: 0, field: 'digestSizes' })
  })

  it('unknown algorithm 0x1234 declared with size 0: ERR_SPECID_INVALID', () => {
    const bytes = B.buildAgileLog({ specId: { algorithms: [B.SHA256, { algId: 0x1234, size: 0 }] }, events: [] }).bytes
    expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + 32, eventIndex: 0, field: 'digestSizes' })
  })

  it('unknown algorithm 0x1234 size 32: parses, digests skipped by the declared size, bank alg_0x1234 not replayable', () => {
    const built = B.buildAgileLog({ algorithms: [B.SHA256, { algId: 0x1234, size: 32 }], events: [B.separatorEvent(0), B.efiActionEvent(4, B.ACTION.CALLING_EFI_APP)] })
    const log = parseEventLog(built.bytes)
    expect(log.algorithms).toEqual([
      { algId: ALG.sha256, bank: 'sha256', digestSize: 32, known: true },
      { algId: 0x1234, bank: 'alg_0x1234', digestSize: 32, known: false },
    ])
    expect(log.events).toHaveLength(3)
    expect(log.events[2]!.digests.map((d) => [d.bank, d.digest.length])).toEqual([
      ['sha256', 32],
      ['alg_0x1234', 32],
    ])
    expect(B.hex(log.events[2]!.data)).toBe(B.hex(B.ascii(B.ACTION.CALLING_EFI_APP)))
    const res = replayEventLog(log)
    expect(res.banks.get('alg_0x1234')!.replayable).toBe(false)
    expect(res.banks.get('alg_0x1234')!.reason).toMatch(/0x1234/)
    expect(res.banks.get('alg_0x1234')!.pcrs.size).toBe(0)
    expect(B.hex(res.banks.get('sha256')!.pcrs.get(0)!.value)).toBe(B.referenceReplay(built).sha256!['0'])
  })

  it('vendorInfoSize 255 with 2 bytes left: ERR_SPECID_INVALID at vendorInfo', () => {
    const bytes = B.buildAgileLog({ specId: { vendorInfoSize: 255, vendorInfo: Uint8Array.of(1, 2) }, events: [] }).bytes
    expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + 37, eventIndex: 0, field: 'vendorInfo' })
  })

  it('bytes after vendorInfo: ERR_SPECID_INVALID (vendorInfoSize must consume the rest)', () => {
    const bytes = B.buildAgileLog({ specId: { vendorInfo: Uint8Array.of(7), trailing: Uint8Array.of(0) }, events: [] }).bytes
    expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + 38, eventIndex: 0, field: 'vendorInfo' })
  })

  it('more algorithms than limits.maxAlgorithms: ERR_EVENTLOG_LIMIT', () => {
    expectParseError(B.buildAgileLog({ events: [] }).bytes, 'ERR_EVENTLOG_LIMIT', { offset: 32 + 24, eventIndex: 0 }, { limits: { maxAlgorithms: 1 } })
  })
})

describe('digest lists (L-04)', () => {
  const sepDigests = (algs: number[]): { algId: number; digest: Uint8Array }[] => algs.map((a) => ({ algId: a, digest: B.hashWith(a, B.separatorData()) }))

  it('Digests.count 0: ERR_DIGEST_COUNT_MISMATCH at the count', () => {
    const built = B.buildAgileLog({ events: [B.scrtmVersionEvent(), { ...B.separatorEvent(0), digestList: [] }] })
    const r = built.records[2]!
    expectParseError(built.bytes, 'ERR_DIGEST_COUNT_MISMATCH', { offset: r.countOffset!, eventIndex: 2, field: 'Digests.count' })
  })

  it('Digests.count n+1 (a duplicated SHA-256, first fake): ERR_DIGEST_COUNT_MISMATCH at the count', () => {
    const list = [...sepDigests([ALG.sha1]), { algId: ALG.sha256, digest: new Uint8Array(32) }, ...sepDigests([ALG.sha256])]
    const built = B.buildAgileLog({ events: [{ ...B.separatorEvent(0), digestList: list }] })
    const r = built.records[1]!
    expectParseError(built.bytes, 'ERR_DIGEST_COUNT_MISMATCH', { offset: r.countOffset!, eventIndex: 1, field: 'Digests.count' })
  })

  it('Digests.count says 2 but one digest follows (the next bytes are read as a digest): a typed error, never a silent skip', () => {
    const built = B.buildAgileLog({ events: [B.efiActionEvent(4, B.ACTION.CALLING_EFI_APP, { digestList: [{ algId: ALG.sha256, digest: new Uint8Array(32) }], count: 2 })] })
    // After the sha256 digest the parser reads EventSize's first 2 bytes (28 00 = 40) as an algorithm ID.
    const r = built.records[1]!
    expectParseError(built.bytes, 'ERR_DIGEST_ALG_UNDECLARED', { offset: r.sizeOffset, eventIndex: 1, field: 'TPMT_HA.hashAlg' })
  })

  it('a digest for an algorithm the Spec ID does not declare: ERR_DIGEST_ALG_UNDECLARED at its hashAlg', () => {
    const built = B.buildAgileLog({ events: [B.scrtmVersionEvent(), { ...B.separatorEvent(0), digestList: sepDigests([ALG.sha1, ALG.sha384]) }] })
    const r = built.records[2]!
    expectParseError(built.bytes, 'ERR_DIGEST_ALG_UNDECLARED', { offset: r.digests[1]!.algOffset!, eventIndex: 2, field: 'TPMT_HA.hashAlg' })
  })

  it('the same algorithm twice (count = n): ERR_DIGEST_ALG_DUPLICATE at the second hashAlg', () => {
    const built = B.buildAgileLog({ events: [{ ...B.separatorEvent(0), digestList: sepDigests([ALG.sha256, ALG.sha256]) }] })
    const r = built.records[1]!
    expectParseError(built.bytes, 'ERR_DIGEST_ALG_DUPLICATE', { offset: r.digests[1]!.algOffset!, eventIndex: 1, field: 'TPMT_HA.hashAlg' })
  })
})

describe('global limits', () => {
  it('more records than limits.maxEvents (crypto-agile): ERR_EVENTLOG_LIMIT at the first record over', () => {
    const built = smallAgile()
    expectParseError(built.bytes, 'ERR_EVENTLOG_LIMIT', { offset: built.records[3]!.offset, eventIndex: 3 }, { limits: { maxEvents: 3 } })
    expect(parseEventLog(built.bytes, { limits: { maxEvents: built.records.length } }).events).toHaveLength(built.records.length)
  })

  it('more records than limits.maxEvents (SHA-1 format): ERR_EVENTLOG_LIMIT', () => {
    const built = smallSha1()
    expectParseError(built.bytes, 'ERR_EVENTLOG_LIMIT', { offset: built.records[2]!.offset, eventIndex: 2 }, { limits: { maxEvents: 2 } })
  })

  it('a log one byte over limits.maxLogBytes: ERR_EVENTLOG_LIMIT at offset 0 before reading anything', () => {
    const built = smallAgile()
    expectParseError(built.bytes, 'ERR_EVENTLOG_LIMIT', { offset: 0 }, { limits: { maxLogBytes: built.bytes.length - 1 } })
    expect(parseEventLog(built.bytes, { limits: { maxLogBytes: built.bytes.length } }).events).toHaveLength(5)
  })

  it('a 17 MiB input is refused by the default 16 MiB limit without being read', () => {
    expectParseError(new Uint8Array(17 * 1024 * 1024), 'ERR_EVENTLOG_LIMIT', { offset: 0 })
  })
})

describe('random input never escapes as a non-BootproofError', () => {
  function prng(seed: number): () => number {
    let x = seed >>> 0
    return () => {
      x ^= x << 13
      x >>>= 0
      x ^= x >>> 17
      x ^= x << 5
      x >>>= 0
      return x
    }
  }

  function classify(bytes: Uint8Array): 'parsed' | 'error' {
    try {
      const log = parseEventLog(bytes)
      expect(Array.isArray(log.events)).toBe(true)
      return 'parsed'
    } catch (e) {
      if (!(e instanceof BootproofError)) throw new Error(`non-BootproofError for input ${B.hex(bytes.subarray(0, 64))}…: ${String(e)}`)
      expect(e.code).toMatch(/^ERR_/)
      expect(typeof e.offset).toBe('number')
      expect(e.offset!).toBeGreaterThanOrEqual(0)
      expect(e.offset!).toBeLessThanOrEqual(bytes.length)
      return 'error'
    }
  }

  it('500 random byte strings of random lengths (seeded)', () => {
    const next = prng(0xb0071)
    const seen = { parsed: 0, error: 0 }
    const t0 = performance.now()
    for (let i = 0; i < 500; i++) {
      const len = next() % 700
      const bytes = new Uint8Array(len)
      for (let j = 0; j < len; j++) bytes[j] = next() & 0xff
      // Half of them start like a crypto-agile log so the record parser is reached.
      if (i % 2 === 1 && len > 70) bytes.set(B.buildAgileLog({ events: [] }).bytes.subarray(0, 69))
      seen[classify(bytes)]++
    }
    expect(seen.error).toBeGreaterThan(0)
    expect(performance.now() - t0).toBeLessThan(5000)
  })

  it('500 mutated valid logs (byte flips, u32 overwrites with 0 / 0xFFFFFFFF / 0x80000000)', () => {
    const next = prng(0x5eed)
    const base = B.buildAgileLog({ events: B.standardBoot({ startupLocality: 3 }) }).bytes
    const seen = { parsed: 0, error: 0 }
    for (let i = 0; i < 500; i++) {
      const bytes = base.slice()
      const edits = 1 + (next() % 4)
      for (let k = 0; k < edits; k++) {
        const at = next() % bytes.length
        const kind = next() % 4
        if (kind === 0) bytes[at] = next() & 0xff
        else if (at + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(at, [0, 0xffffffff, 0x80000000][kind - 1]!, true)
      }
      seen[classify(bytes)]++
    }
    expect(seen.parsed).toBeGreaterThan(0)
    expect(seen.error).toBeGreaterThan(0)
  })
})

describe('PCR index out of range (L-05)', () => {
  const indices = [24, 31, 32, 0x7fffffff, 0xffffffff]

  function check(log: EventLog, index: number, eventIndex: number): void {
    const f = checkEventLogStructure(log).filter((x) => x.code === 'PCR_INDEX_OUT_OF_RANGE')
    expect(f).toHaveLength(1)
    expect(f[0]).toMatchObject({ severity: 'error', pcr: index, eventIndex })
    const res = replayEventLog(log)
    for (const bank of res.banks.values()) {
      expect(bank.pcrs).toBeInstanceOf(Map)
      expect(bank.pcrs.has(index)).toBe(false)
      expect([...bank.pcrs.keys()].every((k) => k <= 23)).toBe(true)
      expect(bank.pcrs.get(4)!.events).not.toContain(eventIndex)
    }
  }

  for (const index of indices) {
    it(`crypto-agile EV_EFI_ACTION on PCR ${index}: parsed, reported, never replayed`, () => {
      const built = B.buildAgileLog({ events: [B.efiActionEvent(4, B.ACTION.CALLING_EFI_APP), B.efiActionEvent(index, 'out of range'), B.separatorEvent(4)] })
      const log = parseEventLog(built.bytes)
      expect(log.events[2]!.pcrIndex).toBe(index)
      check(log, index, 2)
      expect(B.hex(replayEventLog(log).banks.get('sha256')!.pcrs.get(4)!.value)).toBe(B.referenceReplay(built).sha256!['4'])
    })

    it(`SHA-1 format EV_EFI_ACTION on PCR ${index}: parsed, reported, never replayed`, () => {
      const built = B.buildSha1Log([B.efiActionEvent(4, B.ACTION.CALLING_EFI_APP), B.efiActionEvent(index, 'out of range'), B.separatorEvent(4)])
      const log = parseEventLog(built.bytes)
      expect(log.events[1]!.pcrIndex).toBe(index)
      check(log, index, 1)
      expect(B.hex(replayEventLog(log).banks.get('sha1')!.pcrs.get(4)!.value)).toBe(B.referenceReplay(built).sha1!['4'])
    })
  }

  it('EV_NO_ACTION on PCR 0xFFFFFFFF (Windows) is not PCR_INDEX_OUT_OF_RANGE, only noted', () => {
    const built = B.buildAgileLog({ events: [{ pcr: 0xffffffff, type: T.EV_NO_ACTION, data: B.ascii('NvIndexInstance\0') }, B.separatorEvent(0)] })
    const findings = checkEventLogStructure(parseEventLog(built.bytes))
    expect(findings.some((f) => f.code === 'PCR_INDEX_OUT_OF_RANGE')).toBe(false)
    expect(findings.find((f) => f.code === 'EVENT_NOT_MEASURED')).toMatchObject({ eventIndex: 1 })
  })
})
