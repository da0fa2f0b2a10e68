/**
 * Bad input (issue 2): every malformed log gives a typed BootproofError with the exact code, byte
 * offset and event index, fast and without a large allocation. One test per case.
 * This file: empty and tiny input, truncation at every field (L-02), sizes larger than the
 * remaining bytes (L-01).
 */
import { describe, expect, it } from 'vitest'
import { parseEventLog } from '../../src/index.js'
import * as B from '../fixtures/eventlog/log_builder.js'
import { expectParseError, smallAgile, smallSha1, expectedCut, isUniformPadding } from './bad_input_helpers.js'

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
