/**
 * Totality: `decodeEventData` must return for every input, and never through a non-library
 * exception (a RangeError from DataView would be a decoder bug; `guarded` labels those
 * "internal decoder error"). Deterministic mutation fuzzing over hand-built seeds and, when the
 * corpus is present, over real event bodies of every type.
 */
import { describe, it, expect } from 'vitest'
import { EV } from '../../../src/eventlog/event_types.js'
import { decodeEventData, summarizeEventData } from '../../../src/eventlog/decode/index.js'
import { DEFAULT_EVENTLOG_LIMITS } from '../../../src/limits.js'
import { END, HAVE_CORPUS, ascii, cat, corpusLogNames, guid, loadLog, node, signatureList, u16, u32, u64, utf16, variableData } from './helpers.js'

/** mulberry32: small deterministic PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const EXTREMES = [0, 1, 3, 4, 0x7f, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff]

function mutate(seed: Uint8Array, rnd: () => number): Uint8Array {
  const out = new Uint8Array(seed)
  const pick = (n: number) => Math.floor(rnd() * n)
  switch (pick(5)) {
    case 0:
      return out.subarray(0, pick(out.length + 1))
    case 1:
      for (let i = 0; i < 1 + pick(4) && out.length > 0; i++) out[pick(out.length)] = pick(256)
      return out
    case 2: {
      if (out.length < 4) return out
      const at = pick(out.length - 3)
      new DataView(out.buffer).setUint32(at, EXTREMES[pick(EXTREMES.length)]!, true)
      return out
    }
    case 3: {
      if (out.length < 8) return out
      const at = pick(out.length - 7)
      const big = [0n, 1n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n][pick(5)]!
      new DataView(out.buffer).setBigUint64(at, big, true)
      return out
    }
    default:
      return cat(out, Array.from({ length: 1 + pick(8) }, () => pick(256)))
  }
}

function check(eventType: number, data: Uint8Array, limits = DEFAULT_EVENTLOG_LIMITS): void {
  let d
  try {
    d = decodeEventData({ eventType, pcrIndex: 7, data, dataOffset: 4096, eventIndex: 3, limits })
  } catch (e) {
    throw new Error(`decodeEventData threw for type 0x${eventType.toString(16)} data ${Buffer.from(data).toString('hex')}: ${String(e)}`)
  }
  if (d.kind === 'unparsed' && d.error.message.includes('internal decoder error')) {
    throw new Error(`decoder bug for type 0x${eventType.toString(16)} data ${Buffer.from(data).toString('hex')}: ${d.error.message}`)
  }
  if (d.kind === 'unparsed') {
    expect(d.error.code).toMatch(/^ERR_EVENTDATA_(TRUNCATED|MALFORMED|LIMIT)$/)
    // Offsets point inside (or just past) this event's data.
    if (d.error.offset !== undefined) {
      expect(d.error.offset).toBeGreaterThanOrEqual(4096)
      expect(d.error.offset).toBeLessThanOrEqual(4096 + data.length)
    }
  }
  expect(typeof summarizeEventData(d)).toBe('string')
}

const GLOBAL = '8be4df61-93ca-11d2-aa0d-00e098032b8c'
const SECDB = 'd719b2cb-3d3a-4596-a3bc-dad00e67656f'
const path = cat(node(2, 1, cat(u32(0x0a0341d0), u32(0))), node(1, 1, [0, 1]), node(4, 4, utf16('\\EFI\\BOOT\\BOOTX64.EFI\0')), END)

const SEEDS: [number, Uint8Array][] = [
  [EV.EV_EFI_VARIABLE_DRIVER_CONFIG, variableData(GLOBAL, 'SecureBoot', Uint8Array.of(1))],
  [EV.EV_EFI_VARIABLE_DRIVER_CONFIG, variableData(SECDB, 'db', signatureList('c1c41626-504c-4092-aca9-41f936934328', new Uint8Array(4), 48, [new Uint8Array(48)]))],
  [EV.EV_EFI_VARIABLE_BOOT, variableData(GLOBAL, 'Boot0001', cat(u32(1), u16(path.length), utf16('x\0'), path))],
  [EV.EV_EFI_VARIABLE_BOOT, variableData(GLOBAL, 'BootOrder', cat(u16(1), u16(2)))],
  [EV.EV_EFI_VARIABLE_AUTHORITY, variableData(SECDB, 'db', cat(guid(GLOBAL), [0x30, 0x03, 2, 1, 0]))],
  [EV.EV_EFI_BOOT_SERVICES_APPLICATION, cat(u64(0), u64(0), u64(0), u64(path.length), path)],
  [EV.EV_EFI_GPT_EVENT, cat(ascii('EFI PART'), new Uint8Array(76), u32(128), u32(0), u64(1), new Uint8Array(128))],
  [EV.EV_EFI_HANDOFF_TABLES2, cat([3], ascii('abc'), u64(1), new Uint8Array(24))],
  [EV.EV_EFI_PLATFORM_FIRMWARE_BLOB2, cat([3], ascii('abc'), new Uint8Array(16))],
  [EV.EV_EVENT_TAG, cat(u32(1), u32(2), [1, 2], u32(3), u32(0))],
  [EV.EV_NO_ACTION, cat(ascii('Spec ID Event03\0'), u32(0), [0, 2, 0, 2], u32(1), u16(11), u16(32), [0])],
  [EV.EV_NO_ACTION, cat(ascii('SP800-155 Event3'), u32(1), new Uint8Array(16), [1, 65, 1, 66, 1, 67, 1, 68], u32(1), [1, 69], u32(2), u32(path.length), path, u32(1), u32(1), [65])],
  [EV.EV_NO_ACTION, cat(ascii('StartupLocality\0'), [3])],
  [EV.EV_S_CRTM_VERSION, utf16('v1\0')],
  [EV.EV_IPL, utf16('.linux\0')],
  [EV.EV_SEPARATOR, u32(0)],
]

describe('decodeEventData is total', () => {
  it('for mutations of hand-built seeds', () => {
    const rnd = prng(0x5eed)
    for (const [type, seed] of SEEDS) {
      check(type, seed)
      for (let i = 0; i < 400; i++) check(type, mutate(seed, rnd))
    }
  })

  it('for random bytes under every event type (known and unknown)', () => {
    const rnd = prng(42)
    const types = [...Object.values(EV), 0x13, 0x40e, 0x8000000f, 0xffffffff]
    for (const type of types) {
      for (let i = 0; i < 60; i++) {
        const n = Math.floor(rnd() * 96)
        check(type, Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256)))
      }
    }
  })

  it('with tiny limits (every cap reachable)', () => {
    const limits = { ...DEFAULT_EVENTLOG_LIMITS, maxItemsPerEvent: 0 }
    for (const [type, seed] of SEEDS) check(type, seed, limits)
  })

  it.skipIf(!HAVE_CORPUS)('for mutations of real event bodies from the corpus', () => {
    const rnd = prng(7)
    const perType = new Map<number, number>()
    for (const name of corpusLogNames()) {
      for (const ev of loadLog(name)) {
        const seen = perType.get(ev.type) ?? 0
        if (seen >= 25 || ev.data.length > 64 * 1024) continue
        perType.set(ev.type, seen + 1)
        for (let i = 0; i < 40; i++) check(ev.type, mutate(ev.data, rnd))
        // The same body under every other structured type, too.
        if (seen === 0) for (const other of Object.values(EV)) check(other, ev.data)
      }
    }
    expect(perType.size).toBeGreaterThan(20)
  })
})
