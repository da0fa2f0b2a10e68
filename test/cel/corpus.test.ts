import { describe, expect, it } from 'vitest'
import { parseCel, replayCelLog } from '../../src/cel/index.js'
import { replayedValues } from '../../src/eventlog/replay.js'
import { pcrValuesToJSON } from '../../src/pcr_values.js'
import { announceCorpus, CORPUS, corpusBytes } from '../helpers/corpus.js'
import { runCli } from '../cli/run.js'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

announceCorpus('CEL corpus sample (google-go-tpm-tools--cel.bin)')
const LOG = 'logs/google-go-tpm-tools--cel.bin'

describe.skipIf(!CORPUS)('CEL-TLV corpus sample', () => {
  const expected = CORPUS ? (JSON.parse(readFileSync(resolve(CORPUS, 'expected/google-go-tpm-tools--cel.bin.json'), 'utf8')) as { eventCount: number; pcrs: Record<string, Record<string, string>> }) : undefined

  it('parses every record and replays to the recorded value', () => {
    const log = parseCel(corpusBytes(LOG))
    expect(log.format).toBe('cel-tlv')
    expect(log.records.length).toBe(expected!.eventCount)
    expect(log.registerKind).toBe('cc-mr')
    expect(log.records.map((r) => r.recnum)).toEqual([...Array(18).keys()])
    const r = replayCelLog(log, { expected: expected!.pcrs })
    expect(r.ok).toBe(true)
    expect(r.comparisons!.map((c) => c.status)).toEqual(['match'])
    expect(pcrValuesToJSON(replayedValues(r))).toEqual(expected!.pcrs)
  })

  it('fails the comparison when one record is dropped', () => {
    const log = parseCel(corpusBytes(LOG))
    const r = replayCelLog({ ...log, records: log.records.slice(1) }, { expected: expected!.pcrs })
    expect(r.ok).toBe(false)
    expect(r.findings[0]!.code).toBe('PCR_MISMATCH')
  })

  it('bootproof replay --json prints the same pcrs shape as for TCG logs', async () => {
    const res = await runCli('replay', resolve(CORPUS!, LOG), '--json')
    expect(res.code).toBe(0)
    const out = JSON.parse(res.out) as Record<string, unknown>
    expect(out.format).toBe('cel-tlv')
    expect(out.eventCount).toBe(18)
    expect(out.pcrs).toEqual(expected!.pcrs)
    expect(out.nvpcrs).toEqual({})
  })
})
