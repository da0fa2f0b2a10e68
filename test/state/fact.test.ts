/**
 * A fact resting on no event is trusted only as an absence the quote authenticates. Regression:
 * with a TD quote authenticating every RTMR of a CCEL, ExitBootServices = false and BootOrder came
 * out trusted with no event behind them (the boot-application extractor does not read CC logs, and
 * a fact without events and without PCRs to read the absence from was trusted vacuously).
 */
import { describe, expect, it } from 'vitest'
import { authenticateCcel, authenticateLog, eventTrust, parseEventLog, parseTdxQuote } from '../../src/index.js'
import { contextFor, fact } from '../../src/state/fact.js'
import { stateFromEvidence } from '../../src/state/boot_state.js'
import { vector } from '../cvm/tdx/helpers.js'
import { repoBytes } from '../helpers/corpus.js'

describe('facts without events', () => {
  it('a CCEL authenticated by its verified TD quote does not yield trusted boot-application facts', () => {
    const log = parseEventLog(vector('go-tdx-guest/ccel_data.dat'), { registers: 'cc-mr' })
    const rtmrs = parseTdxQuote(vector('go-tdx-guest/cos-113-tdx-quote.dat')).body.rtmrs
    const { evidence } = authenticateCcel({ log, tdQuote: { rtmrs, verified: true } })
    const { state } = stateFromEvidence(evidence)
    // The registers are authenticated, so events read from records are trusted ...
    expect(state.linux.grubCommands.events.every((i) => eventTrust(evidence, i).trusted)).toBe(true)
    // ... but nothing measured these two.
    for (const f of [state.bootApps.exitBootServices, state.bootApps.bootOrder]) {
      expect(f.trusted).toBe(false)
      expect(f.events).toEqual([])
      expect(f.reasonCode).toBe('FACT_UNMEASURED')
    }
  })

  it('fact() with no event and no PCR to read an absence from is untrusted, whatever the evidence', () => {
    const log = parseEventLog(repoBytes('test-vectors/ovmf/plain-direct/binary_bios_measurements'))
    const ctx = contextFor(authenticateLog(log))
    expect(fact(ctx, 1, [])).toMatchObject({ trusted: false, reasonCode: 'FACT_UNMEASURED' })
    // the same value resting on an event the log holds (log basis: consistent counts) is trusted
    const sep = log.events.find((e) => e.eventType === 4 && e.pcrIndex === 7)!.index
    expect(fact(ctx, 1, [sep]).trusted).toBe(true)
  })
})
