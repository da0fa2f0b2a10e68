import { describe, expect, it } from 'vitest'
import { parseEventLog } from '../../src/index.js'
import { isWbclSeparator, isWindowsLog } from '../../src/eventlog/windows_marker.js'
import * as B from '../fixtures/eventlog/log_builder.js'

const { T } = B

function log(extra: B.EventSpec[], decode = true) {
  return parseEventLog(B.buildAgileLog({ events: [...B.standardBoot(), ...extra] }).bytes, { decode })
}

// The byte test verifyAttestation used before this module: the reference for "no change".
const byteTest = (e: { eventType: number; data: Uint8Array }): boolean => e.eventType === 4 && e.data.length === 4 && String.fromCharCode(...e.data) === 'WBCL'

describe('Windows WBCL marker', () => {
  const wbcl = [12, 13, 14].map((p) => ({ pcr: p, type: T.EV_SEPARATOR, data: B.ascii('WBCL') }))

  for (const decode of [true, false]) {
    it(`finds the WBCL separators (decode ${decode})`, () => {
      const l = log(wbcl, decode)
      expect(isWindowsLog(l)).toBe(true)
      const marked = l.events.filter(isWbclSeparator).map((e) => e.pcrIndex)
      expect(marked).toEqual([12, 13, 14])
      expect(l.events.map(isWbclSeparator)).toEqual(l.events.map(byteTest))
    })

    it(`a standard boot is not a Windows log (decode ${decode})`, () => {
      const l = log([], decode)
      expect(isWindowsLog(l)).toBe(false)
    })

    it(`"WBCL" under another event type is not the marker (decode ${decode})`, () => {
      const l = log([{ pcr: 12, type: T.EV_EVENT_TAG, data: B.ascii('WBCL') }, { pcr: 13, type: T.EV_IPL, data: B.ascii('WBCL') }], decode)
      expect(isWindowsLog(l)).toBe(false)
      expect(l.events.map(isWbclSeparator)).toEqual(l.events.map(byteTest))
    })

    it(`near misses are not the marker (decode ${decode})`, () => {
      const l = log([
        { pcr: 12, type: T.EV_SEPARATOR, data: B.ascii('WBC') },
        { pcr: 13, type: T.EV_SEPARATOR, data: B.ascii('WBCLX') },
        { pcr: 14, type: T.EV_SEPARATOR, data: B.ascii('wbcl') },
      ], decode)
      expect(isWindowsLog(l)).toBe(false)
    })
  }

  it('uses the decoded meaning when present', () => {
    const ev = { eventType: 4, data: B.ascii('WBCL'), decoded: { kind: 'separator' as const, meaning: 'normal' as const, value: 0 } }
    expect(isWbclSeparator(ev)).toBe(false)
    expect(isWbclSeparator({ ...ev, data: new Uint8Array(4), decoded: { kind: 'separator', meaning: 'wbcl' } })).toBe(true)
  })
})
