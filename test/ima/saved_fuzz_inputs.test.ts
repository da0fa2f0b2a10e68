/**
 * The two ASCII lists the fuzz run saved for breaking its memory bound (peak 4x the input +
 * 8 MiB): 1,923 copies of one ima-modsig line (432 KB) and a 520 KB list of ima-sig lines
 * whose template hashes all mismatch. Parsing allocated about 80 bytes per input byte: every
 * line was decoded three times (parse, hash check, replay) into per-field arrays.
 *
 * Asserted: the results stay what they were (entries, statuses, findings, PCR 10), and the
 * bytes allocated per input byte by parse and analysis (a sampling heap profile that counts
 * objects already collected), measured 125 before and about 5 after.
 */
import { existsSync, readFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyzeImaLog, parseImaLog } from '../../src/ima/index.js'
import { hex } from './builder.js'

const DIR = join(import.meta.dirname, '../fuzz/findings/ima-ascii')

interface Expected {
  entries: number
  counts: { verified: number; mismatch: number; 'not-applicable': number }
  codes: Record<string, number>
  /** Entries folded into the summary finding past the per-code cap, by code. */
  folded: Record<string, number>
  pcr10: string
}

const SAVED: Record<string, Expected> = {
  '61eb581697209d5c6c3dc1c55bf276811256f00d2f4f3c4db4eb379371c73227.bin': {
    entries: 1923,
    counts: { verified: 1922, mismatch: 0, 'not-applicable': 1 },
    codes: { IMA_VIOLATION: 1 },
    folded: {},
    pcr10: '028196691464323943d17ad09555021af8ed03cf',
  },
  '2ca7ab111edcc901963f1049fda54c8f5a6d1a220a993097a2c6129dfe3646bc.bin': {
    entries: 3640,
    counts: { verified: 0, mismatch: 3640, 'not-applicable': 0 },
    codes: { IMA_TEMPLATE_HASH_MISMATCH: 65 },
    folded: { IMA_TEMPLATE_HASH_MISMATCH: 3576 },
    pcr10: 'e08012aa8882ec214889083f892bbccca858cb7b',
  },
}

const present = Object.keys(SAVED).every((f) => existsSync(join(DIR, f)))
if (!present) console.warn(`saved IMA fuzz inputs absent under ${DIR}: test/ima/saved_fuzz_inputs.test.ts skipped`)

describe.skipIf(!present)('saved fuzz inputs (ASCII lists over the memory bound)', () => {
  for (const [file, want] of Object.entries(SAVED)) {
    it(`${file.slice(0, 12)}: entries, template-hash statuses, findings and PCR 10 unchanged`, () => {
      const bytes = new Uint8Array(readFileSync(join(DIR, file)))
      for (const options of [{}, { format: 'ima-ascii' as const }]) {
        const log = parseImaLog(bytes, options)
        expect(log.format).toBe('ima-ascii')
        expect(log.entries).toHaveLength(want.entries)
        const a = analyzeImaLog(log)
        expect(a.integrity.counts).toEqual(want.counts)
        const codes: Record<string, number> = {}
        for (const f of log.findings) codes[f.code] = (codes[f.code] ?? 0) + 1
        expect(codes).toEqual(want.codes)
        const folded = Object.fromEntries(log.findings.filter((f) => f.eventIndex === undefined).map((f) => [f.code, f.relatedEvents?.length]))
        expect(folded).toEqual(want.folded)
        // Findings in entry order, the summary last.
        const order = log.findings.map((f) => f.eventIndex ?? Infinity)
        expect(order).toEqual([...order].sort((x, y) => x - y))
        expect(hex(a.replay.banks.get('sha1')!.pcrs.get(10)!.value)).toBe(want.pcr10)
        expect(a.replay.banks.get('sha1')!.pcrs.get(10)!.events).toHaveLength(want.entries)
      }
    })
  }

  describe('bytes allocated per input byte', () => {
    const session = new Session()
    beforeAll(() => session.connect())
    afterAll(() => session.disconnect())

    /** Bytes `f` allocates, collected or not (sampled every 256 bytes). */
    async function allocated(f: () => void): Promise<number> {
      await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as unknown as Parameters<Session['post']>[1])
      let profile: { head: Node }
      try {
        f()
      } finally {
        profile = ((await session.post('HeapProfiler.stopSampling')) as { profile: { head: Node } }).profile
      }
      const sum = (n: Node): number => n.selfSize + n.children.reduce((s, c) => s + sum(c), 0)
      return sum(profile.head)
    }
    interface Node {
      selfSize: number
      children: Node[]
    }

    for (const file of Object.keys(SAVED)) {
      it(`${file.slice(0, 12)}: parse and analysis allocate a few bytes per input byte, not ~125`, async () => {
        const bytes = new Uint8Array(readFileSync(join(DIR, file)))
        analyzeImaLog(parseImaLog(bytes)) // warm-up: compiled code, not first-run allocations
        let log = parseImaLog(bytes)
        const parse = (await allocated(() => (log = parseImaLog(bytes)))) / bytes.length
        const analysis = (await allocated(() => analyzeImaLog(log))) / bytes.length
        // Measured before: parse 83 and 105, analysis 43 and 54 per input byte (each line decoded
        // into per-field arrays once per pass); after: parse 2-5, analysis 3-5. The bound leaves
        // room for sampling noise and V8 versions, not for per-field allocations.
        expect(parse).toBeLessThan(12)
        expect(analysis).toBeLessThan(12)
      })
    }
  })
})
