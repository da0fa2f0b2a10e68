/**
 * Cost of string-typed event data at the largest size the default limits admit (one event of
 * `maxEventDataBytes`). The fuzz run found CCEL logs 20-38x slower than their seed: a mutated
 * EventSize swallowed the 0xFF padding into an EV_IPL, which was rendered as `\xff` text (4
 * characters and ~70 ns per byte). Now text is decoded up to `maxDecodedTextBytes` and a mostly
 * binary body stays raw. Asserted as ratios, never wall-clock thresholds: time per input byte
 * against a same-size log of benign GRUB strings, memory per input byte (retained after the run,
 * and peak during it).
 */
import { GCProfiler, getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { analyzeEventLog } from '../../../src/attest/analyze.js'
import { EV } from '../../../src/eventlog/event_types.js'
import { eventLogToJSON } from '../../../src/eventlog/json.js'
import { parseEventLog } from '../../../src/eventlog/parse.js'
import { DEFAULT_EVENTLOG_LIMITS } from '../../../src/limits.js'
import { extractBootState } from '../../../src/state/boot_state.js'
import { stateToJSON } from '../../../src/state/render.js'
import { ascii, buildEventLog, events, standardBoot, type LogEvent } from '../../../src/testing/log_builder.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

// One event far past the decoded-text cap (16x it), within maxEventDataBytes: the costs asserted
// are per input byte, so a 1 MiB event shows what a 4 MiB one would, at a quarter of the test time.
const MAX_EVENT = 1024 * 1024
const MAX_TEXT = DEFAULT_EVENTLOG_LIMITS.maxDecodedTextBytes

/** What a verifier runs on a log: parse, authenticate (log only), boot state. */
function verifierStages(bytes: Uint8Array) {
  const log = parseEventLog(bytes)
  const analysis = analyzeEventLog(log)
  const state = extractBootState(log, { evidence: analysis.evidence })
  return { log, analysis, state }
}

/** The whole pipeline the fuzz family runs: the verifier's stages, then the JSON renderings. */
function pipeline(bytes: Uint8Array) {
  const out = verifierStages(bytes)
  JSON.stringify(eventLogToJSON(out.log))
  JSON.stringify(stateToJSON(out.state.state))
  return out
}

const logOf = (extra: LogEvent[]): Uint8Array => buildEventLog({ events: [...standardBoot(), ...extra] }).bytes
const ipl = (data: Uint8Array, pcr = 8): LogEvent => ({ pcr, type: EV.EV_IPL, data })
const filled = (n: number, b: number): Uint8Array => new Uint8Array(n).fill(b)

/** Benign GRUB strings (each a few hundred bytes of text) adding up to about `bytes`. */
function benignStrings(bytes: number): LogEvent[] {
  const out: LogEvent[] = []
  for (let n = 0, i = 0; n < bytes; i++) {
    const e = events.ipl(8, `grub_cmd: menuentry 'Linux ${i}' --class gnu-linux { linux /vmlinuz-${i} root=UUID=${'0'.repeat(36)} ro quiet splash ${'x'.repeat(300)} }`)
    out.push(e)
    n += e.data!.length
  }
  return out
}

/** Every other byte a UTF-8 lead byte: still text (not more than half non-text), escaped. */
const halfEscaped = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i % 2 ? 0xe4 : 0x41))

/**
 * Each hostile shape with the memory it may keep per input byte once parsed: nothing for bodies
 * left raw or truncated to `maxDecodedTextBytes`; for text that is half escaped (the most a body
 * can be and still count as text) its escaped form, 2.5 characters per byte (`A\xe4`: 5 for 2).
 */
const HOSTILE: Record<string, { events: () => LogEvent[]; retainedPerByte: number }> = {
  'one EV_IPL of 1 MiB of 0xFF bytes (padding swallowed by a grown EventSize)': { events: () => [ipl(filled(MAX_EVENT, 0xff), 3)], retainedPerByte: 0.25 },
  'one EV_IPL of 1 MiB of zero bytes after a GRUB prefix': { events: () => [ipl(new Uint8Array([...ascii('grub_cmd: '), ...filled(MAX_EVENT - 10, 0)]))], retainedPerByte: 0.25 },
  'one GRUB command line of 1 MiB of printable text': { events: () => [events.ipl(8, `kernel_cmdline: ${'a'.repeat(MAX_EVENT - 17)}`)], retainedPerByte: 0.25 },
  'EV_IPL strings of maxDecodedTextBytes + 1 bytes, half of them escaped': {
    events: () => Array.from({ length: Math.floor(MAX_EVENT / (MAX_TEXT + 1)) }, () => ipl(halfEscaped(MAX_TEXT + 1))),
    retainedPerByte: 2.75,
  },
  'one EV_EFI_ACTION of 1 MiB of zero bytes': { events: () => [{ pcr: 5, type: EV.EV_EFI_ACTION, data: filled(MAX_EVENT, 0) }], retainedPerByte: 0.25 },
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * Peak memory of the verifier's stages (V8 heap + external buffers over the post-GC level before
 * them), and what they retain. The JSON rendering is left out: it writes every event's data as hex
 * (2 characters a byte, and JSON.stringify copies that), a cost of the rendering the caller asks for.
 */
function memoryOf(bytes: Uint8Array): { peak: number; retained: number } {
  const used = (): number => {
    const h = getHeapStatistics()
    return h.used_heap_size + h.external_memory
  }
  gc()
  const m0 = used()
  const profiler = new GCProfiler()
  profiler.start()
  const kept = verifierStages(bytes)
  let peak = used() - m0
  for (const g of profiler.stop().statistics) peak = Math.max(peak, g.beforeGC.heapStatistics.usedHeapSize + g.beforeGC.heapStatistics.externalMemory - m0)
  // twice: buffers are released after the collection that finds them dead
  gc()
  gc()
  const retained = used() - m0
  expect(kept.log.events.length).toBeGreaterThan(1)
  return { peak, retained }
}

describe('string-typed event data far past the text cap: time and memory per input byte', () => {
  const benign = logOf(benignStrings(MAX_EVENT))
  // Garbage the young generation may hold before it is scavenged is counted in a peak: allow it.
  const young = (): number => getHeapSpaceStatistics().filter((s) => /new/.test(s.space_name)).reduce((a, s) => a + s.space_size, 0)

  for (const [name, { events: make, retainedPerByte }] of Object.entries(HOSTILE)) {
    it(`${name}: time per byte within 3x a benign log's, at most ${retainedPerByte} bytes retained per byte, peak within 4x + 8 MiB`, () => {
      const hostile = logOf(make())
      expect(hostile.length).toBeLessThan(DEFAULT_EVENTLOG_LIMITS.maxLogBytes)
      pipeline(hostile)
      pipeline(benign) // warm-up
      const ratios: number[] = []
      for (let round = 0; round < 5; round++) {
        let t0 = performance.now()
        pipeline(benign)
        const b = (performance.now() - t0) / benign.length
        t0 = performance.now()
        pipeline(hostile)
        ratios.push((performance.now() - t0) / hostile.length / b)
      }
      expect(median(ratios)).toBeLessThan(3)

      const { peak, retained } = memoryOf(hostile)
      // the decoded events keep at most maxDecodedTextBytes of text each; the data itself is a view
      expect(retained / hostile.length).toBeLessThan(retainedPerByte)
      expect(peak).toBeLessThan(4 * hostile.length + 8 * 1024 * 1024 + young())
    }, 120_000)
  }

  it('the hostile logs parse to what the caps say (raw, truncated, or escaped text)', () => {
    const decoded = (name: string) => parseEventLog(logOf(HOSTILE[name]!.events())).events.at(-1)!.decoded
    expect(decoded('one EV_IPL of 1 MiB of 0xFF bytes (padding swallowed by a grown EventSize)')).toMatchObject({ kind: 'raw' })
    expect(decoded('one GRUB command line of 1 MiB of printable text')).toMatchObject({ kind: 'ipl', form: 'grub-kernel-cmdline', truncated: true })
    expect((decoded('one GRUB command line of 1 MiB of printable text') as { text: string }).text).toHaveLength(MAX_TEXT)
    expect(decoded('EV_IPL strings of maxDecodedTextBytes + 1 bytes, half of them escaped')).toMatchObject({ kind: 'ipl', form: 'text', truncated: true })
    expect(decoded('one EV_EFI_ACTION of 1 MiB of zero bytes')).toMatchObject({ kind: 'raw' })
  })
})
