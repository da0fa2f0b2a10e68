/**
 * Bad input (issue 2): every malformed log gives a typed BootproofError with the exact code, byte
 * offset and event index, fast and without a large allocation. One test per case.
 * This file: PCR index out of range (L-05): parsed, reported, never replayed.
 */
import { describe, expect, it } from 'vitest'
import { checkEventLogStructure, parseEventLog, replayEventLog, type EventLog } from '../../src/index.js'
import * as B from '../fixtures/eventlog/log_builder.js'

const { T } = B

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
