/**
 * TCG event logs: crypto-agile, SHA-1 format, Windows WBCL, and CCEL (`registers: 'cc-mr'`).
 * Seeds are classified by parsing them once. Each input is parsed, then replayed / integrity-
 * checked / structure-checked (analyzeEventLog), turned into boot state and JSON: the code after
 * the parser sees exactly what a mutated-but-parseable log gives it.
 */
import { parseEventLog, type ParseEventLogOptions } from '../../../src/eventlog/parse.js'
import { isWindowsLog } from '../../../src/eventlog/windows_marker.js'
import { analyzeEventLog } from '../../../src/attest/analyze.js'
import { extractBootState } from '../../../src/state/boot_state.js'
import { stateToJSON } from '../../../src/state/render.js'
import { eventLogToJSON } from '../../../src/eventlog/json.js'
import { detectImaFormat } from '../../../src/ima/detect.js'
import { mutateBinary } from '../lib/binary.js'
import { EVENT_TYPES, walkTcgLog } from '../lib/tcg_log_walker.js'
import type { Family, Seed, SeedSet } from '../family.js'
import { bytes, CORPUS_NOTE, corpusFiles, listDir, ovmfDirs, short, vec } from '../seeds.js'

type Kind = 'agile' | 'sha1' | 'wbcl' | 'ccel'

interface Classified {
  name: string
  bytes: Uint8Array
  kind: Kind
}

let cache: Promise<{ all: Classified[]; notes: string[] }> | undefined

function classify(name: string, b: Uint8Array): Classified | undefined {
  if (b.length === 0 || detectImaFormat(b)) return undefined
  const ccName = /ccel|tdx|csv|cel\.bin/i.test(name)
  try {
    const log = parseEventLog(b, ccName ? { registers: 'cc-mr' } : {})
    if (ccName) return { name, bytes: b, kind: 'ccel' }
    if (log.format === 'tcg-sha1') return { name, bytes: b, kind: 'sha1' }
    return { name, bytes: b, kind: isWindowsLog(log) ? 'wbcl' : 'agile' }
  } catch {
    try {
      parseEventLog(b, { registers: 'cc-mr' })
      return { name, bytes: b, kind: 'ccel' }
    } catch {
      // unparseable seeds (crafted negatives): keep them by their first record
      const txt = new TextDecoder('latin1').decode(b.subarray(32, 47))
      return { name, bytes: b, kind: ccName ? 'ccel' : txt === 'Spec ID Event03' ? 'agile' : 'sha1' }
    }
  }
}

export function loadLogs(): Promise<{ all: Classified[]; notes: string[] }> {
  cache ??= (async () => {
    const files = [
      ...listDir(vec('synthetic')).filter((f) => f.endsWith('.bin')),
      ...ovmfDirs().map((d) => `${d}/binary_bios_measurements`),
      ...corpusFiles('logs'),
      ...corpusFiles('negative'),
    ]
    const all: Classified[] = []
    for (const f of files) {
      const c = classify(short(f), bytes(f))
      if (c) all.push(c)
    }
    return { all, notes: [CORPUS_NOTE] }
  })()
  return cache
}

/** Parse, then everything downstream of the parser. */
export function runLog(b: Uint8Array, options: ParseEventLogOptions): void {
  const log = parseEventLog(b, options)
  const analysis = analyzeEventLog(log)
  const state = extractBootState(log, { evidence: analysis.evidence })
  // As the CLI does (`inspect --json`): a BigInt left in the rendering would throw here, a finding.
  JSON.stringify(eventLogToJSON(log))
  JSON.stringify(stateToJSON(state.state))
}

function family(kind: Kind, description: string): Family<Uint8Array> {
  const options: ParseEventLogOptions = kind === 'ccel' ? { registers: 'cc-mr' } : {}
  return {
    name: kind === 'agile' ? 'eventlog-agile' : kind === 'sha1' ? 'eventlog-sha1' : kind === 'wbcl' ? 'eventlog-wbcl' : 'ccel',
    description,
    async seeds(): Promise<SeedSet<Uint8Array>> {
      const { all, notes } = await loadLogs()
      let mine = all.filter((c) => c.kind === kind)
      const extra: string[] = []
      if (kind === 'ccel' && !mine.length) {
        // no CCEL log is committed: crypto-agile logs with the Spec ID on index 0 parse as cc-mr too
        mine = all.filter((c) => c.kind === 'agile' && /valid|ovmf/.test(c.name))
        extra.push('no CCEL seeds without the corpus: using committed crypto-agile logs parsed as cc-mr')
      }
      if (kind === 'wbcl' && !mine.length) extra.push('no WBCL seeds found')
      // keep runs fast: very large logs are poor seeds for a time-bounded fuzzer
      const seeds = mine.filter((c) => c.bytes.length <= 512 * 1024).map((c): Seed<Uint8Array> => ({ name: c.name, value: c.bytes }))
      return { seeds, notes: [...notes, ...extra, `${seeds.length} seeds`] }
    },
    mutate(seed, rng, all) {
      return mutateBinary(seed.value, { rng, walker: walkTcgLog, donors: all.map((s) => ({ name: s.name, bytes: s.value })), typeValues: EVENT_TYPES })
    },
    run(input) {
      runLog(input, options)
    },
    size: (b) => b.length,
    toBytes: (b) => b,
  }
}

export const eventlogFamilies = [
  family('agile', 'TCG crypto-agile logs: parseEventLog + analyzeEventLog + extractBootState + JSON'),
  family('sha1', 'TCG SHA-1 format (TCG_PCR_EVENT) logs'),
  family('wbcl', 'Windows WBCL logs (SIPA EV_EVENT_TAG data, OS-phase single-bank events)'),
  family('ccel', "CCEL logs: parseEventLog(bytes, { registers: 'cc-mr' })"),
]
