/**
 * Regression tests for parser behaviours found in review (one test per bug, each with its
 * minimal reproducer built by the project's log builder).
 */
import { describe, expect, it } from 'vitest'
import { analyzeEventLog, parseEventLog } from '../../src/index.js'
import * as B from '../fixtures/eventlog/log_builder.js'
import { masqueradeEvents } from '../../scripts/make-synthetic-vectors.js'

const T = B.T

describe('parser regressions', () => {
  it('a Spec ID on PCR 1 does not switch a log to CC rules: rejected unless the caller says cc-mr', () => {
    const built = B.buildAgileLog({ specId: { pcr: 1 }, events: masqueradeEvents() })
    expect(() => parseEventLog(built.bytes)).toThrowError(expect.objectContaining({ code: 'ERR_SPECID_INVALID', field: 'PCRIndex', offset: 0 }))
    // With an explicit cc-mr statement it parses (CCEL logs put it there).
    expect(parseEventLog(built.bytes, { registers: 'cc-mr' }).registerKind).toBe('cc-mr')
  })

  it('a masquerade retyping PCR 7 events as an ordinary type (EV_POST_CODE) is an error, not a warning', () => {
    const events = masqueradeEvents(T.EV_POST_CODE)
    const log = parseEventLog(B.buildAgileLog({ events }).bytes)
    const a = analyzeEventLog(log)
    const retyped = a.findings.find((f) => f.code === 'SEPARATOR_RETYPED')
    expect(retyped).toMatchObject({ severity: 'error', pcr: 7 })
    expect(a.findings.some((f) => f.code === 'PCR7_UNEXPECTED_EVENT_TYPE' && f.severity === 'error')).toBe(true)
    expect(a.ok).toBe(false)
  })

  it('EV_UNUSED in a firmware PCR is reported as reserved (error)', () => {
    const events = [...B.standardBoot(), { pcr: 7, type: T.EV_UNUSED, data: B.ascii('x') }]
    const a = analyzeEventLog(parseEventLog(B.buildAgileLog({ events }).bytes))
    expect(a.findings.find((f) => f.code === 'EVENT_TYPE_RESERVED')).toMatchObject({ severity: 'error', pcr: 7 })
  })

  it('a PCR log cut 1-4 bytes into a record is truncated, not padding (L-02)', () => {
    const built = B.buildAgileLog({ events: B.standardBoot() })
    const rec = built.records[3]!
    const cut = built.bytes.subarray(0, rec.offset + 4)
    expect(() => parseEventLog(cut)).toThrowError(expect.objectContaining({ code: 'ERR_EVENTLOG_TRUNCATED' }))
  })

  it('a Spec ID Event03 record with a type other than EV_NO_ACTION is ERR_SPECID_INVALID (no SHA-1 fallback)', () => {
    const built = B.buildAgileLog({ events: B.standardBoot() })
    const bytes = built.bytes.slice()
    new DataView(bytes.buffer).setUint32(4, T.EV_POST_CODE, true)
    expect(() => parseEventLog(bytes)).toThrowError(expect.objectContaining({ code: 'ERR_SPECID_INVALID', field: 'EventType', offset: 4 }))
  })
})
