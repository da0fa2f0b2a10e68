/**
 * Regression over real logs (attack R-02 verdicts): for the committed OVMF recordings and every
 * TCG, WBCL and CCEL log of ../shared/corpus, verifyEventIntegrity must give exactly the report it
 * gave before its hashing path was optimised: the same status and reported form per event (the
 * form tried first is an optimisation; which form is reported is behaviour), the same per-bank
 * outcomes in the same key order, the same findings field by field, in every bank and with the
 * sha256 or sha1 bank alone. integrity_corpus.golden.json holds the recorded summaries.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseEventLog, verifyEventIntegrity } from '../../src/index.js'
import { announceCorpus, CORPUS } from '../helpers/corpus.js'
import { INTEGRITY_BANK_SETS, integrityCases, summarizeIntegrity, type IntegritySummary } from './integrity_summary.js'

type GoldenEntry = { parseError: string } | ({ all: IntegritySummary } & Record<string, IntegritySummary | string>)
const golden = JSON.parse(readFileSync(new URL('./integrity_corpus.golden.json', import.meta.url), 'utf8')) as Record<string, GoldenEntry>

announceCorpus('integrity regression over the corpus logs (only the committed OVMF recordings are checked)')
const cases = integrityCases()

describe('verifyEventIntegrity on real logs: the recorded reports', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const recorded = golden[c.name]
    expect(recorded, `no recorded summary for ${c.name}`).toBeDefined()
    const want = recorded!
    if ('parseError' in want) {
      expect(() => parseEventLog(c.bytes, { registers: c.registers, decode: false })).toThrow(expect.objectContaining({ code: want.parseError }))
      return
    }
    const log = parseEventLog(c.bytes, { registers: c.registers, decode: false })
    const names = log.events.map((e) => e.typeName)
    for (const banks of INTEGRITY_BANK_SETS) {
      const got = summarizeIntegrity(verifyEventIntegrity(log, banks ? { banks } : {}), names)
      if (!banks) {
        // Counts and forms first: a readable diff before the whole-report hash.
        expect(got.counts).toEqual(want.all.counts)
        expect(got.forms).toEqual(want.all.forms)
        expect(got.sha256).toBe(want.all.sha256)
      } else expect(got.sha256, `banks ${banks.join(',')}`).toBe(want[banks.join(',')])
    }
  })

  it.skipIf(!CORPUS)('covers every recorded log of the corpus', () => {
    expect(cases.length).toBe(Object.keys(golden).length)
  })

  it('the recorded forms include every multi-form type in its non-first form (the order-sensitive cases)', () => {
    // The OVMF recordings alone: BootOrder/Boot#### in the edk2 VariableData form (tried first).
    const forms = Object.values(golden).flatMap((g) => ('all' in g ? Object.keys(g.all.forms) : []))
    expect(forms).toContain('EV_EFI_VARIABLE_BOOT verified variable-data')
    if (CORPUS) {
      for (const f of ['EV_EFI_VARIABLE_BOOT verified data', 'EV_EFI_VARIABLE_AUTHORITY verified data-without-last-byte', 'EV_IPL verified grub-suffix', 'EV_IPL verified grub-suffix-without-nul', 'EV_IPL verified utf16-data-with-last-nul-byte', 'EV_EFI_VARIABLE_DRIVER_CONFIG not-applicable variable-data']) {
        expect(forms).toContain(f)
      }
    }
  })
})
