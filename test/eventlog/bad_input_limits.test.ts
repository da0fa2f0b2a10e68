/**
 * Bad input (issue 2): every malformed log gives a typed BootproofError with the exact code, byte
 * offset and event index, fast and without a large allocation. One test per case.
 * This file: global limits, and random or mutated input that must never escape as anything but a
 * BootproofError.
 */
import { describe, expect, it } from 'vitest'
import { BootproofError, parseEventLog } from '../../src/index.js'
import * as B from '../fixtures/eventlog/log_builder.js'
import { expectParseError, smallAgile, smallSha1 } from './bad_input_helpers.js'

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
