/**
 * `bootproof replay` over every TCG / WBCL / CCEL log of ../shared/corpus, in process: exit 0 for
 * every untampered log (CCEL logs with --ccel), and a failure exit for the negatives, except the
 * documented deviations of corpus_eventlogs.test.ts (STRICT_REJECTIONS, BOOT_STATE_NEGATIVES).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { resolve } from 'node:path'
import { runReplay } from '../../src/cli/commands/replay.js'
import { announceCorpus, CORPUS, expectedEntries, type ExpectedEntry } from '../helpers/corpus.js'

announceCorpus('CLI replay over the corpus')

const isTcg = (e: ExpectedEntry) => /^(tcg-pc-client|windows-wbcl|ccel \()/.test(e.format)
/** Rejected on purpose: vendorInfoSize overruns the Spec ID event (ERR_SPECID_INVALID, exit 2). */
const STRICT = new Set(['tpm2-software-tpm2-tools--specid-vendordata.bin'])
/** Boot-state negatives: replay succeeds, with warnings (see corpus_eventlogs.test.ts). */
const BOOT_STATE = new Set(['google-go-eventlog--cos-113-intel-tdx-dupe-separator.bin', 'google-go-eventlog--cos-113-intel-tdx-dupe-separator-unpadded.bin'])

async function replay(e: ExpectedEntry, ...extra: string[]): Promise<{ code: number; out: string }> {
  let out = ''
  const io = { out: (s: string) => (out += s + '\n'), err: (s: string) => (out += s + '\n') }
  const argv = [resolve(CORPUS!, e.log!), ...(e.format.startsWith('ccel') ? ['--ccel'] : []), ...extra]
  return { code: await runReplay(argv, io), out }
}

const counts = { exit0: 0, strict: 0, failed: 0 }
afterAll(() => {
  if (CORPUS) console.log(`corpus CLI replay: ${JSON.stringify(counts)}`)
})

describe.skipIf(!CORPUS)('bootproof replay over the corpus', () => {
  const entries = expectedEntries().filter((e) => isTcg(e) && e.log)

  it('every untampered log exits 0', async () => {
    const bad: string[] = []
    for (const e of entries.filter((x) => !x.expectFailure)) {
      const r = await replay(e)
      if (STRICT.has(e.name)) {
        expect(r.code, e.name).toBe(2)
        expect(r.out).toContain('ERR_SPECID_INVALID')
        counts.strict++
      } else if (r.code !== 0) bad.push(`${e.name}: exit ${r.code}\n${r.out}`)
      else counts.exit0++
    }
    expect(bad).toEqual([])
    expect(counts.exit0).toBeGreaterThan(70)
  })

  it('negatives fail (exit 1 with --expect, or 2), except the boot-state ones, which exit 0 with their warnings', async () => {
    for (const e of entries.filter((x) => x.expectFailure)) {
      const json = JSON.stringify(e.pcrs)
      const file = resolve(CORPUS!, 'expected', `${e.name}.json`)
      const r = await replay(e, '--json', ...(json !== '{}' ? ['--expect', file] : []))
      if (BOOT_STATE.has(e.name)) {
        expect(r.code, e.name).toBe(0)
        expect(r.out).toContain('SEPARATOR_MISPLACED_MR')
      } else {
        expect(r.code, e.name).not.toBe(0)
        counts.failed++
      }
    }
    expect(counts.failed).toBeGreaterThan(0)
  })

  it('PCR 0 is printed at its StartupLocality value when no event extends it (short_no_action_eventlog)', async () => {
    const e = entries.find((x) => x.name === 'google-go-attestation--short_no_action_eventlog')!
    const r = await replay(e, '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out).pcrs).toEqual({ sha1: { '0': '0000000000000000000000000000000000000003' } })
  })
})
